"""Run-time helpers of the signal operators (for code that `ramiel.ops.signal` generates)."""

from __future__ import annotations

__all__: list[str] = []
