"""Run-time helpers of the tensor operators (for code that `ramiel.ops.tensor` generates)."""

from __future__ import annotations

__all__: list[str] = []
