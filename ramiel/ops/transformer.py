"""Lowerings of the transformer operators."""

from __future__ import annotations
