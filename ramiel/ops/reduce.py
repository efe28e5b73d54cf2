"""Lowerings of the reduce operators."""

from __future__ import annotations
