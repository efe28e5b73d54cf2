"""Lowerings of the nn operators."""

from __future__ import annotations
