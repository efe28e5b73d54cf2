"""Run-time helpers of the image operators (for code that `ramiel.ops.image` generates)."""

from __future__ import annotations

__all__: list[str] = []
