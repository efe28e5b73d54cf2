"""Run-time helpers of the rnn operators (for code that `ramiel.ops.rnn` generates)."""

from __future__ import annotations

__all__: list[str] = []
