"""`ramiel.runtime`: the little that generated code needs besides PyTorch.

Generated modules import it as `rt` and use:

- `InputSpec`, `check_inputs(inputs, specs)`: the run-time check of `forward`'s inputs
  (count, dtype, static dims), raising `InputError` with the input named.
- `load_weights(path)`: the tensors of a `.safetensors` file, by key.
- `Workers`, `ClusterError`: parallel code runs its workers' clusters on threads,
  compiled with TorchScript where it can (`ramiel.runtime.parallel`); `Exchange`,
  `send`, `take`, `receive`, `clear`: the clusters hand values to each other by slot
  (`ramiel.runtime.exchange`); `set_intra_op_threads(n)` sets a planned cluster's threads;
  `intra_op_threads(n)` runs a block on n intra-op threads (packing weights for them),
  `threads_per_worker(n)` is each of n workers' share of the cores.
- `require_cuda`, `CapturedGraph`: GPU code (`--target cuda`) checks for a CUDA device
  and replays one captured CUDA Graph per input shape (`ramiel.runtime.cuda`).
- `tune_malloc()`: glibc malloc keeps activations' memory between calls instead of
  returning it to the kernel (`ramiel.runtime.memory`); compiled modules call it when built.
- `perf_counter`: the clock of profiling builds; `tick_buffer`, `tick`, `reset_ticks`:
  the clock of traced builds, compiled as their workers are (`ramiel.runtime.ticks`);
  `trace_spans(model)`: the op spans a traced build recorded in its last call.
- helper functions for the ONNX operators that have no single PyTorch call
  (`rt.resize`, `rt.loop`, ...), one per operator family module in this package.

The helpers are pure: no state is shared between calls, so one compiled module can run on
several threads at once (a parallel module runs one call at a time on its workers).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter as perf_counter
from typing import cast

import torch

from ramiel.runtime.control import *  # noqa: F403
from ramiel.runtime.cuda import CapturedGraph as CapturedGraph
from ramiel.runtime.cuda import CudaUnavailableError as CudaUnavailableError
from ramiel.runtime.cuda import require_cuda as require_cuda
from ramiel.runtime.elementwise import *  # noqa: F403
from ramiel.runtime.exchange import Exchange as Exchange
from ramiel.runtime.exchange import clear as clear
from ramiel.runtime.exchange import receive as receive
from ramiel.runtime.exchange import send as send
from ramiel.runtime.exchange import set_intra_op_threads as set_intra_op_threads
from ramiel.runtime.exchange import take as take
from ramiel.runtime.image import *  # noqa: F403
from ramiel.runtime.loss import *  # noqa: F403
from ramiel.runtime.memory import tune_malloc as tune_malloc
from ramiel.runtime.nn import *  # noqa: F403
from ramiel.runtime.parallel import ClusterError as ClusterError
from ramiel.runtime.parallel import Workers as Workers
from ramiel.runtime.parallel import intra_op_threads as intra_op_threads
from ramiel.runtime.parallel import threads_per_worker as threads_per_worker
from ramiel.runtime.reduce import *  # noqa: F403
from ramiel.runtime.rnn import *  # noqa: F403
from ramiel.runtime.signal import *  # noqa: F403
from ramiel.runtime.tensor import *  # noqa: F403
from ramiel.runtime.ticks import reset_ticks as reset_ticks
from ramiel.runtime.ticks import tick as tick
from ramiel.runtime.ticks import tick_buffer as tick_buffer
from ramiel.runtime.tracing import Span as Span
from ramiel.runtime.tracing import trace_spans as trace_spans
from ramiel.runtime.transformer import *  # noqa: F403


class InputError(ValueError):
    """An input of a compiled model that does not match the graph's signature."""


@dataclass(frozen=True)
class InputSpec:
    """A graph input: its ONNX name, dtype and shape (None for a dynamic dim or rank).

    `kind` is "tensor", "sequence" (a list of tensors of `dtype`) or "optional"
    (None, or a value of that kind's inner type, checked only for its dtype).
    """

    name: str
    dtype: torch.dtype
    shape: tuple[int | None, ...] | None
    kind: str = "tensor"


def _describe(spec: InputSpec) -> str:
    if spec.shape is None:
        return f"{spec.dtype}"
    dims = ", ".join("?" if d is None else str(d) for d in spec.shape)
    return f"{spec.dtype}[{dims}]"


def check_inputs(inputs: Sequence[object], specs: Sequence[InputSpec]) -> Sequence[torch.Tensor]:
    """`inputs`, checked against `specs`: their number, dtypes and static dims."""
    if len(inputs) == len(specs) and all(
        spec.kind == "tensor"
        and type(value) is torch.Tensor
        and value.dtype == spec.dtype
        and value.shape == spec.shape
        for value, spec in zip(inputs, specs, strict=True)
    ):
        return cast(Sequence[torch.Tensor], inputs)  # the common case, fully static
    if len(inputs) != len(specs):
        names = ", ".join(repr(s.name) for s in specs)
        raise InputError(
            f"expected {len(specs)} input{'s' if len(specs) != 1 else ''} ({names}), "
            f"got {len(inputs)}"
        )
    for index, (value, spec) in enumerate(zip(inputs, specs, strict=True)):
        if spec.kind == "optional" and value is None:
            continue
        if spec.kind == "sequence":
            items = cast(Sequence[object], value) if isinstance(value, list | tuple) else None
            if items is None or not all(
                isinstance(v, torch.Tensor) and v.dtype == spec.dtype for v in items
            ):
                raise InputError(
                    f"input {index} '{spec.name}': expected a list of {spec.dtype} tensors"
                )
            continue
        if spec.kind == "optional" and isinstance(value, list | tuple):
            continue
        if not isinstance(value, torch.Tensor):
            raise InputError(
                f"input {index} '{spec.name}': expected a torch.Tensor {_describe(spec)}, "
                f"got {type(value).__name__}"
            )
        if value.dtype != spec.dtype:
            raise InputError(
                f"input {index} '{spec.name}': expected dtype {spec.dtype}, got {value.dtype}"
            )
        if spec.shape is not None:
            shape = tuple(value.shape)
            if len(shape) != len(spec.shape) or any(
                d is not None and d != s for d, s in zip(spec.shape, shape, strict=True)
            ):
                raise InputError(
                    f"input {index} '{spec.name}': expected shape {_describe(spec)}, "
                    f"got {list(shape)}"
                )
    return cast(Sequence[torch.Tensor], inputs)


_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "F8_E4M3": torch.float8_e4m3fn,
    "F8_E5M2": torch.float8_e5m2,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U64": torch.uint64,
    "U32": torch.uint32,
    "U16": torch.uint16,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


def load_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a `.safetensors` file, read once into memory, by key."""
    data = bytearray(Path(path).read_bytes())
    try:
        (header_size,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + header_size])
    except (struct.error, ValueError) as error:
        raise ValueError(f"cannot read weights file '{path}': {error}") from None
    start = 8 + header_size
    tensors: dict[str, torch.Tensor] = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"weights file '{path}': tensor '{key}' has dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        shape = info["shape"]
        if begin == end:
            tensors[key] = torch.empty(shape, dtype=dtype)
            continue
        item = torch.empty((), dtype=dtype).element_size()
        offset = start + begin
        if offset % item:
            chunk = bytearray(data[offset : start + end])
            tensor = torch.frombuffer(chunk, dtype=dtype)
        else:
            tensor = torch.frombuffer(data, dtype=dtype, count=(end - begin) // item, offset=offset)
        tensors[key] = tensor.reshape(shape)
    return tensors
