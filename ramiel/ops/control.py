"""Lowerings of the control operators."""

from __future__ import annotations
