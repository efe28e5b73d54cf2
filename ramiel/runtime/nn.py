"""Run-time helpers of the nn operators (for code that `ramiel.ops.nn` generates)."""

from __future__ import annotations

__all__: list[str] = []
