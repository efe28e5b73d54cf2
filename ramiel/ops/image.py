"""Lowerings of the image operators."""

from __future__ import annotations
