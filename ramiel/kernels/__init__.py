"""Ramiel's own CPU kernels: a small C++ library of PyTorch operators (`torch.ops.ramiel`).

- `depthwise_conv2d`: PyTorch's call into oneDNN costs about 18 us before any arithmetic
  (descriptors, primitive lookup, scratchpad), which is most of the time of a depthwise
  convolution on the small tensors of a batch-1 CNN: oneDNN's own kernel runs in about
  2 us there (`ONEDNN_VERBOSE=1`). This kernel has no such setup.
- `pool2d`: max and average pooling, 2x to 4x faster than PyTorch's channels-last
  pooling at GoogLeNet's sizes.
- `direct_conv2d`: a stem convolution of a few-channel NCHW image, written channels-last;
  the channels-last conversion and oneDNN's call are cold paths in the model's first op
  (NASNet-style's stem: 24 + 151 us in the model against 62 on this kernel).
- `linear`: a classifier's product at batch 1 on column blocks of its weight, where
  `F.linear` runs a cold path once per call (43 us against 3 for NASNet-style's head).
- `winograd_conv2d`: a 3x3 convolution at stride 1 by Winograd's F(2x2, 3x3), 2.25x
  fewer multiply-adds than the direct convolution; 1.2x to 2.1x faster than oneDNN on
  the 3x3 convolutions of ResNet-50, GoogLeNet and DenseNet-121 that the compiler gives
  it, two threads.
- `lrn`: ONNX LRN in one pass with square roots for the usual betas (GoogLeNet's LRNs
  157 and 90 us against 782 and 577 for `rt.lrn`, one thread).
- `trace_tick`: the clock of traced builds (TorchScript has none), so that their workers
  run compiled, as the untraced build's do.

The library is compiled for this machine (`-march=native`) on first use, with the C++
compiler PyTorch's headers need (`$CXX`, default `c++`), and kept in the cache directory
(`$RAMIEL_CACHE`, default `~/.cache/ramiel`) under a name that hashes the sources, the
PyTorch version, the flags and the CPU, so a change to any of them builds it again. It
takes about 6 s. `RAMIEL_NATIVE_KERNELS=0` turns the library off; without a compiler it
is off too, and the compiler then keeps those convolutions on oneDNN.

    python -m ramiel.kernels     # build (if needed) and print where the library is
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import torch

__all__ = ["NativeKernelsUnavailable", "available", "library_path", "load", "op", "why_not"]

SOURCES = tuple(
    Path(__file__).with_name(name)
    for name in (
        "depthwise.cpp",
        "pool.cpp",
        "affine.cpp",
        "pointwise.cpp",
        "linear.cpp",
        "direct.cpp",
        "lrn.cpp",
        "winograd.cpp",
        "trace.cpp",
    )
)
"""The C++ sources of the library."""

HEADERS = (Path(__file__).with_name("window.h"),)
"""The headers they include (part of the library's cache key)."""

_FLAGS = ("-O3", "-march=native", "-std=c++20", "-fopenmp", "-shared", "-fPIC", "-w")


class NativeKernelsUnavailable(RuntimeError):
    """Ramiel's kernel library cannot be built or loaded here; the message says why."""


def _cpu_signature() -> str:
    """What `-march=native` depends on: the CPU's model name and feature flags."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    lines = [line for line in text.splitlines() if line.startswith(("model name", "flags"))]
    return "\n".join(sorted(set(lines)))


def _compiler() -> str:
    return os.environ.get("CXX", "c++")


def _command(output: Path) -> list[str]:
    from torch.utils import cpp_extension

    abi = int(torch.compiled_with_cxx11_abi())
    includes = [f"-I{p}" for p in cpp_extension.include_paths()]
    libraries = cpp_extension.library_paths()
    links = [f"-L{p}" for p in libraries] + [f"-Wl,-rpath,{p}" for p in libraries]
    return [
        _compiler(),
        *_FLAGS,
        f"-D_GLIBCXX_USE_CXX11_ABI={abi}",
        *includes,
        *map(str, SOURCES),
        "-o",
        str(output),
        *links,
        "-lc10",
        "-ltorch_cpu",
    ]


def _cache_dir() -> Path:
    configured = os.environ.get("RAMIEL_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "ramiel"


def library_path() -> Path:
    """Where this machine's build of the library is (or will be) kept."""
    digest = hashlib.sha256()
    for source in (*SOURCES, *HEADERS):
        digest.update(source.read_bytes())
    digest.update(" ".join((torch.__version__, _compiler(), *_FLAGS)).encode())
    digest.update(_cpu_signature().encode())
    return _cache_dir() / f"kernels-{digest.hexdigest()[:16]}.so"


def _build(target: Path) -> None:
    if shutil.which(_compiler()) is None:
        raise NativeKernelsUnavailable(f"no C++ compiler ({_compiler()!r}) on PATH")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename: another process may be building it too.
    handle, scratch = tempfile.mkstemp(suffix=".so", dir=target.parent)
    os.close(handle)
    try:
        done = subprocess.run(_command(Path(scratch)), capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise NativeKernelsUnavailable(f"building the kernel library failed:\n{tail}")
        os.replace(scratch, target)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)


@cache
def _load() -> str | None:
    """Build (when needed) and load the library; None, or why it is unavailable."""
    if os.environ.get("RAMIEL_NATIVE_KERNELS", "1") == "0":
        return "RAMIEL_NATIVE_KERNELS=0"
    target = library_path()
    try:
        if not target.exists():
            _build(target)
        ops: Any = torch.ops
        ops.load_library(str(target))
    except (NativeKernelsUnavailable, OSError, RuntimeError) as error:
        return str(error)
    return None


def load() -> None:
    """Make `torch.ops.ramiel` available, building the library first when needed; raises
    `NativeKernelsUnavailable` saying why it cannot."""
    reason = _load()
    if reason is not None:
        raise NativeKernelsUnavailable(f"Ramiel's native kernels are unavailable: {reason}")


def available() -> bool:
    """Whether `torch.ops.ramiel` can be used here (builds the library on first call)."""
    return _load() is None


def why_not() -> str | None:
    """Why the library is unavailable, or None when it is loaded."""
    return _load()


def op(name: str) -> torch._ops.OpOverloadPacket:  # pyright: ignore[reportPrivateUsage]
    """The operator `torch.ops.ramiel.<name>`, loading the library first."""
    load()
    return getattr(torch.ops.ramiel, name)


def main() -> int:
    """`python -m ramiel.kernels`: build the library if needed and say where it is."""
    reason = _load()
    if reason is not None:
        print(f"ramiel kernels: unavailable: {reason}", file=sys.stderr)
        return 1
    print(f"ramiel kernels: {library_path()}")
    return 0
