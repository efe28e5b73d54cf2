"""Values handed between the clusters of parallel generated code, by slot.

An `Exchange` is a list: item 0 is an int32 tensor of ready flags (flag 0 says the call
failed), item i the value of slot i (the flags tensor again while the slot is empty).
Generated cluster methods use it through four functions, `send`, `take` (the value's
only or last reader), `receive` (one of several readers) and `clear`, written so that
TorchScript compiles them:

- Compiled (the default, see `Workers`), a waiting worker spins on its flag without the
  GIL, then naps between checks once the wait has lasted about 1 ms (a worker that
  shares its core with the one it waits for must give the core back). Values and flags
  are plain stores: a worker writes the value before its flag and a reader reads the flag
  before the value, which x86's store order makes safe; torch ops' atomic reference
  counts order them on other CPUs.
- In plain Python (code that TorchScript cannot compile), a waiting worker sleeps on the
  exchange's condition variable.

This module has no `from __future__ import annotations`: TorchScript reads the
annotations of the functions it compiles from here as objects, not strings.
"""

import threading
import time
from typing import Any

import torch

_NAP_S = 20e-6


class ExchangeAborted(RuntimeError):
    """Raised in a cluster that waits for a value when another cluster of the call failed."""


ABORTED = "ramiel: another cluster of this call failed"
"""The message of a wait that stopped because the call failed (TorchScript compiles only
literal strings, so `_wait` spells it out)."""


class Exchange(list[torch.Tensor]):
    """One model's slots: the ready flags, then `slots` values (see the module docstring)."""

    def __init__(self, slots: int) -> None:
        flags = torch.zeros(slots + 1, dtype=torch.int32)
        super().__init__([flags] * (slots + 1))
        self.changed = threading.Condition()

    def reset(self) -> None:
        """Forget the last call: no flag set, no value held."""
        self[0].zero_()
        clear(self)

    def abort(self) -> None:
        """Mark the call failed and wake every waiting worker."""
        with self.changed:
            self[0][0] = 1
            self.changed.notify_all()


@torch.jit.ignore  # pyright: ignore[reportUnknownMemberType, reportArgumentType]
def _nap() -> None:
    time.sleep(_NAP_S)


@torch.jit.unused
def _python_send(ex: list[torch.Tensor], slot: int, value: torch.Tensor) -> None:
    changed = _condition(ex)
    with changed:
        ex[slot] = value
        ex[0][slot] = 1
        changed.notify_all()


@torch.jit.unused
def _python_wait(ex: list[torch.Tensor], slot: int) -> None:
    flags = ex[0]
    changed = _condition(ex)
    with changed:
        while not bool(flags[slot]):
            if bool(flags[0]):
                raise ExchangeAborted(ABORTED)
            changed.wait()


def _condition(ex: Any) -> threading.Condition:
    return ex.changed


def send(ex: list[torch.Tensor], slot: int, value: torch.Tensor) -> None:
    """Publish `value` in `slot`, for the clusters that wait for it."""
    if torch.jit.is_scripting():  # pyright: ignore[reportPrivateImportUsage]
        ex[slot] = value
        # fill_: `ex[0][slot] = 1` builds a tensor of the 1 first, 2.2 us against 0.6 us.
        ex[0][slot].fill_(1)
    else:
        _python_send(ex, slot, value)


def _wait(ex: list[torch.Tensor], slot: int) -> None:
    if torch.jit.is_scripting():  # pyright: ignore[reportPrivateImportUsage]
        flags = ex[0]
        spins = 0
        while int(flags[slot]) == 0:
            if int(flags[0]) != 0:
                raise RuntimeError("ramiel: another cluster of this call failed")
            spins += 1
            if spins > 2000:  # about 1.3 ms of 0.65 us checks
                _nap()
    else:
        _python_wait(ex, slot)


def take(ex: list[torch.Tensor], slot: int) -> torch.Tensor:
    """The value of `slot` once it is sent; the slot lets go of it (its last reader)."""
    _wait(ex, slot)
    value = ex[slot]
    ex[slot] = ex[0]  # an empty slot holds the flags: no tensor to allocate
    return value


def receive(ex: list[torch.Tensor], slot: int) -> torch.Tensor:
    """The value of `slot` once it is sent, kept for its other readers."""
    _wait(ex, slot)
    return ex[slot]


@torch.jit.ignore  # pyright: ignore[reportUnknownMemberType, reportArgumentType]
def set_intra_op_threads(count: int) -> int:
    """Set this thread's intra-op threads to `count`; the previous count."""
    previous = torch.get_num_threads()
    if count != previous:
        torch.set_num_threads(count)
    return previous


def clear(ex: list[torch.Tensor]) -> None:
    """Let go of every value (the end of a call), keeping the flags."""
    flags = ex[0]
    for slot in range(1, len(ex)):
        ex[slot] = flags
