"""Lowerings of the loss operators."""

from __future__ import annotations
