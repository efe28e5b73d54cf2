"""Lowerings of the signal operators."""

from __future__ import annotations
