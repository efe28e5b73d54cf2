"""Run-time helpers of the loss operators (for code that `ramiel.ops.loss` generates)."""

from __future__ import annotations

__all__: list[str] = []
