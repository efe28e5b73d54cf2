"""The ticks of traced builds, written so that TorchScript compiles them.

Code generated with `trace=True` calls `tick(ticks, worker, op)` after every op (op -1
where a worker starts or stops waiting), with `ticks` the model's `trace_ticks` buffer
from `tick_buffer`, emptied by `reset_ticks` at the start of each call. Compiled, a tick
is Ramiel's kernel `trace_tick` (TorchScript has no clock); in plain Python, where the
kernel library is unavailable, the same row is written from Python.
`ramiel.runtime.trace_spans` reads the rows.

This module has no `from __future__ import annotations`: TorchScript reads the
annotations of the functions it compiles from here as objects, not strings.
"""

import threading
import time
from typing import Any

import torch


def tick_buffer(rows: int) -> torch.Tensor:
    """A buffer of `rows` ticks: int64 [count, then rows of (worker, op, ns)]. Loads the
    kernel library when it can, so that TorchScript finds `trace_tick`."""
    from ramiel import kernels

    kernels.available()
    return torch.zeros(1 + 3 * rows, dtype=torch.int64)


def reset_ticks(ticks: torch.Tensor) -> None:
    """Forget the last call's ticks."""
    ticks[0] = 0


_python_ticks = threading.Lock()


def _native() -> Any:
    ramiel_ops = getattr(torch.ops, "ramiel")  # noqa: B009 - a namespace torch makes lazily
    return ramiel_ops.trace_tick if hasattr(ramiel_ops, "trace_tick") else None


@torch.jit.unused
def _python_tick(ticks: torch.Tensor, worker: int, op: int) -> None:
    native = _native()
    if native is not None:
        native(ticks, worker, op)
        return
    now = time.monotonic_ns()  # CLOCK_MONOTONIC, as the kernel's
    with _python_ticks:
        row = int(ticks[0])
        ticks[0] = row + 1
    if 1 + 3 * row + 3 <= ticks.numel():
        ticks[1 + 3 * row : 4 + 3 * row] = torch.tensor([worker, op, now], dtype=torch.int64)


def tick(ticks: torch.Tensor, worker: int, op: int) -> None:
    """Record that `worker` finished op `op` (-1: started or stopped waiting) now."""
    if torch.jit.is_scripting():  # pyright: ignore[reportPrivateImportUsage]
        torch.ops.ramiel.trace_tick(ticks, worker, op)
    else:
        _python_tick(ticks, worker, op)


def rows(ticks: torch.Tensor) -> list[tuple[int, int, float]]:
    """The ticks recorded since the last `reset_ticks`, as (worker, op, seconds)."""
    count = min(int(ticks[0]), (ticks.numel() - 1) // 3)
    flat: list[int] = ticks[1 : 1 + 3 * count].tolist()  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return [(flat[i], flat[i + 1], flat[i + 2] / 1e9) for i in range(0, 3 * count, 3)]
