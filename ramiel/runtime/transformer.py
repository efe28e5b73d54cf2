"""Run-time helpers of the transformer operators (for code that `ramiel.ops.transformer` generates)."""

from __future__ import annotations

__all__: list[str] = []
