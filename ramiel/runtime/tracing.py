"""Op spans of a traced build: generated code compiled with `trace=True` records, after
every op, `(worker, op index, time)` in `self.trace_ticks` (`ramiel.runtime.ticks`), plus a
tick with op index -1 where a worker starts or stops waiting; `trace_spans` turns the last
call's ticks into one span per op."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import torch

from ramiel.runtime.ticks import rows

__all__ = ["Span", "trace_spans"]


@dataclass(frozen=True)
class Span:
    """One op of a traced call: on which worker it ran, and when (CLOCK_MONOTONIC seconds,
    the clock of `time.perf_counter` on Linux)."""

    worker: int
    name: str
    """The ONNX node's name, or the op's result name when the node had none."""
    start: float
    end: float
    kind: str = ""
    """The op type (`Conv`, `Relu`, `Conv+Relu` for a fused kernel...)."""


def trace_spans(model: torch.nn.Module) -> list[Span]:
    """The op spans of `model`'s last call, sorted by start; `model` must be a traced build
    (`ramiel.compiler.lower(..., trace=True)`), or a `CompiledModel` wrapping one."""
    inner = getattr(model, "model", model)
    names = cast(Sequence[tuple[str, str]] | None, getattr(inner, "trace_names", None))
    buffer = getattr(inner, "trace_ticks", None)
    if names is None or not isinstance(buffer, torch.Tensor):
        raise ValueError("the model was not compiled with trace=True")
    last: dict[int, float] = {}
    spans: list[Span] = []
    for worker, index, time in sorted(rows(buffer), key=lambda tick: (tick[0], tick[2])):
        begin = last.get(worker)
        last[worker] = time
        if index >= 0 and begin is not None:
            name, kind = names[index]
            spans.append(Span(worker, name, begin, time, kind))
    spans.sort(key=lambda span: (span.start, span.worker))
    return spans
