"""Lowerings of the tensor operators."""

from __future__ import annotations
