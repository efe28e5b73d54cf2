"""The C allocator's settings for repeated inference calls.

PyTorch's CPU tensors come from `malloc`. glibc serves a block over its mmap threshold
(dynamic: raised to the largest such block freed so far) with a fresh `mmap`, and gives
the heap's free top back to the kernel once it exceeds the trim threshold (twice the mmap
threshold). At batch 1 a CNN's activations are a few MiB each and come and go on every
call, so memory went back to the kernel at the end of one call and was faulted in again,
page by page, during the next: GoogLeNet's parallel code took about 2,000 page faults
per call and ran 12% slower for them (21.1 ms against 18.7), DenseNet-121 8% slower.
onnxruntime keeps its own arena, which never hands memory back between calls.

`tune_malloc` fixes both thresholds instead: blocks up to 32 MiB come from the heap, and
up to 64 MiB of free heap is kept for the next call. Peak resident memory does not change
(the blocks are the same; they are only not returned between calls). The settings are
the process's: `RAMIEL_TUNE_MALLOC=0` leaves malloc as it is.
"""

from __future__ import annotations

import ctypes
import os
import sys
from functools import cache

__all__ = ["tune_malloc"]

MMAP_THRESHOLD = 32 << 20
"""Blocks up to this size come from the heap (glibc's largest allowed value on 64-bit)."""

TRIM_THRESHOLD = 64 << 20
"""Free memory at the heap's top kept for reuse before any is returned to the kernel."""

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


@cache
def tune_malloc() -> bool:
    """Set glibc malloc's mmap and trim thresholds for repeated calls (once per process);
    whether they were set. A no-op returning False off glibc, or with
    `RAMIEL_TUNE_MALLOC=0`."""
    if os.environ.get("RAMIEL_TUNE_MALLOC", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl names its libc otherwise)
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    mmap = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    trim = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    return bool(mmap) and bool(trim)
