"""Run-time helpers of the elementwise operators (for code that `ramiel.ops.elementwise` generates)."""

from __future__ import annotations

__all__: list[str] = []
