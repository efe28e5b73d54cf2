"""Run-time helpers of the reduce operators (for code that `ramiel.ops.reduce` generates)."""

from __future__ import annotations

__all__: list[str] = []
