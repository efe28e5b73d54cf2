"""Run-time helpers of the control operators (for code that `ramiel.ops.control` generates)."""

from __future__ import annotations

__all__: list[str] = []
