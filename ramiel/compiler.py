"""`ramiel.compile`: an ONNX model to a runnable `torch.nn.Module`, in memory.

    model = ramiel.compile("model.onnx")
    (y,) = model(x)
    print(model.code)          # the generated PyTorch source

and `write_package`, which `ramiel compile` uses to write `model.py` and
`weights.safetensors` into a directory.
"""

from __future__ import annotations

import builtins
import linecache
import os
import tempfile
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

import numpy as np
import torch
from onnx import ModelProto
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute

from ramiel.codegen.python import DEFAULT_MIN_GAIN, print_python
from ramiel.dialects.context import ir_context
from ramiel.dialects.dataflow import WEIGHTS_FILE_ATTR, WeightOp
from ramiel.importer.onnx_importer import ImportConfig, import_model
from ramiel.ops.registry import torch_dtype
from ramiel.passes.cluster import cluster_module, make_cost_model, usable_cores
from ramiel.passes.cost_model import COST_MODELS, CostModel, CostModelName
from ramiel.tools.diagnostics import RamielError
from ramiel.weights import (
    WeightError,
    WeightStore,
    attach_weights,
    storage_dtype,
    write_safetensors,
)

Target = Literal["cpu", "cuda"]
TARGETS: tuple[Target, ...] = ("cpu", "cuda")

MODEL_FILE = "model.py"
WEIGHTS_FILE = "weights.safetensors"
IR_FILE = "model.mlir"


class CompiledModel(torch.nn.Module):
    """What `ramiel.compile` returns: the generated `Model`, and its source as `code`."""

    def __init__(self, model: torch.nn.Module, code: str) -> None:
        super().__init__()
        self.model = model
        self.code = code
        """The generated Python source."""

    def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The graph outputs for `inputs`, both in graph order."""
        return self.model(*inputs)

    def __call__(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.forward(*inputs)


@dataclass
class Compilation:
    """The products of compiling one model: its IR, its weights and the generated code."""

    module: ModuleOp
    weights: WeightStore
    code: str
    cost_model: CostModel | None = None
    """The cost model that clustered the module (None when it was not clustered)."""


def lower(
    model: str | os.PathLike[str] | ModelProto,
    *,
    target: Target = "cpu",
    canonicalize: bool = True,
    workers: int | None = 1,
    cost_model: CostModelName = "analytic",
    min_gain: float = DEFAULT_MIN_GAIN,
    fuse: bool = True,
    trace: bool = False,
    intra_op_threads: int | None = None,
    max_streams: int | None = None,
) -> Compilation:
    """Import `model`, canonicalize it, pick fast kernels (`fuse`), cluster it for `workers`
    threads (None: one per core) and print it as PyTorch code; weights stay in memory.

    `fuse=False` keeps the plain translation (one PyTorch call per ONNX op, NCHW), which
    benchmarks use as the eager-PyTorch baseline. `intra_op_threads` (default: the
    cores) is what serial code may use when thread planning weighs it against parallel
    code; 1 plans none, so parallel code is weighed against single-threaded serial code.
    `trace=True` prints code that records when each op ends (`ramiel.runtime.trace_spans`).

    `target="cuda"` prints GPU code instead: the `streams` pass plans the launch on at most
    `max_streams` CUDA streams (None: `DEFAULT_MAX_STREAMS`, 0: no cap, 1: sequential),
    printed by `ramiel.codegen.cuda`; `workers`, `cost_model`, `fuse` and `trace` are CPU
    matters and are not used."""
    if target not in TARGETS:
        raise RamielError(f"unknown target '{target}' (expected one of: {', '.join(TARGETS)})")
    if workers is None:
        workers = usable_cores()
    if workers < 1:
        raise RamielError(f"workers must be at least 1, not {workers}")
    if cost_model not in COST_MODELS:
        raise RamielError(
            f"unknown cost model '{cost_model}' (expected one of: {', '.join(COST_MODELS)})"
        )
    source = model if isinstance(model, ModelProto) else os.fspath(model)
    imported = import_model(source, ImportConfig())
    module = imported.module
    attach_weights(module, imported.weights)
    if canonicalize:
        from ramiel.passes.canonicalize import CanonicalizePass

        CanonicalizePass().apply(ir_context(), module)
    if target == "cuda":
        return _lower_cuda(module, imported.weights, max_streams)
    if fuse:
        from ramiel import kernels
        from ramiel.passes.fuse import FusePass

        FusePass.for_kernels(kernels.available()).apply(ir_context(), module)
    costs: CostModel | None = None
    if workers > 1:
        costs = make_cost_model(module, cost_model, None, workers)
        threads = usable_cores() if intra_op_threads is None else intra_op_threads
        # No solo planning: switching a worker's intra-op threads between clusters made
        # parallel code slower here (NASNet-style 16.3 ms against 10.8 ms without, GoogLeNet
        # 36.1 against 33.6), so parallel code keeps one share of the cores per worker.
        cluster_module(module, costs, workers=workers, threads=threads)
    module.attributes[WEIGHTS_FILE_ATTR] = StringAttr(WEIGHTS_FILE)
    code = print_python(module, weights_file=WEIGHTS_FILE, min_gain=min_gain, trace=trace)
    return Compilation(module, imported.weights, code, costs)


def _lower_cuda(module: ModuleOp, weights: WeightStore, max_streams: int | None) -> Compilation:
    from ramiel.codegen.cuda import print_cuda
    from ramiel.passes.streams import DEFAULT_MAX_STREAMS, annotate_streams

    if max_streams is not None and max_streams < 0:
        raise RamielError(f"max_streams must be 0 (no cap) or more, not {max_streams}")
    cap = DEFAULT_MAX_STREAMS if max_streams is None else max_streams
    annotate_streams(module, max_streams=cap)
    module.attributes[WEIGHTS_FILE_ATTR] = StringAttr(WEIGHTS_FILE)
    return Compilation(module, weights, print_cuda(module, weights_file=WEIGHTS_FILE))


def weight_tensors(compilation: Compilation) -> dict[str, torch.Tensor]:
    """The weights of a compilation as tensors of the dtypes the IR declares."""
    return module_weight_tensors(compilation.module, compilation.weights)


def module_weight_tensors(module: ModuleOp, store: WeightStore) -> dict[str, torch.Tensor]:
    """The weights `module` references, from `store`, as tensors of the declared dtypes."""
    tensors: dict[str, torch.Tensor] = {}
    for op in module.walk():
        if isinstance(op, WeightOp):
            key = op.key.data
            if key in tensors:
                continue
            element = cast(TensorType[Attribute], op.result.type).element_type
            array = np.ascontiguousarray(store[key])
            if not array.flags.writeable:
                array = array.copy()
            tensor = torch.as_tensor(array.view(storage_dtype(element)))
            dtype = getattr(torch, torch_dtype(element).removeprefix("torch."))
            tensors[key] = tensor.view(dtype) if tensor.dtype != dtype else tensor
    return tensors


_counter = 0


def instantiate(
    code: str, weights: dict[str, torch.Tensor], *, name: str = "model", **options: object
) -> CompiledModel:
    """Execute generated code as a fresh module and build its `Model` from `weights` (and
    `options`, such as GPU code's `device` and `copy_outputs`)."""
    global _counter
    _counter += 1
    filename = f"<ramiel:{name}:{_counter}>"
    # Tracebacks through generated code show its lines.
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    module = types.ModuleType(f"ramiel_generated_{_counter}")
    exec(builtins.compile(code, filename, "exec"), module.__dict__)
    model = cast(torch.nn.Module, module.Model(weights, **options))
    return CompiledModel(model, code).eval()


def compile(
    model: str | os.PathLike[str] | ModelProto,
    *,
    workers: int | None = None,
    target: Target = "cpu",
    canonicalize: bool = True,
    cost_model: CostModelName = "analytic",
    fuse: bool = True,
    max_streams: int | None = None,
) -> CompiledModel:
    """Compile an ONNX model (a path or a `ModelProto`) into a `torch.nn.Module`.

    `forward(*inputs)` takes tensors in graph-input order and returns a tuple in
    graph-output order; the module's `code` attribute holds the generated source.
    Independent ops run on `workers` threads (default: one per core) when the cost model
    says it pays; otherwise the code is serial and says why. `fuse=False` keeps the plain
    translation (no fused oneDNN kernels, NCHW).

    `target="cuda"` builds GPU code (CUDA streams captured in a CUDA Graph, on at most
    `max_streams` streams); where PyTorch sees no CUDA device that raises
    `ramiel.runtime.CudaUnavailableError`, which says so.
    """
    compilation = lower(
        model,
        target=target,
        canonicalize=canonicalize,
        workers=workers,
        cost_model=cost_model,
        fuse=fuse,
        max_streams=max_streams,
    )
    return instantiate(compilation.code, weight_tensors(compilation))


def write_package(
    compilation: Compilation, directory: Path, *, emit_mlir: bool = False
) -> list[Path]:
    """Write `model.py`, `weights.safetensors` (and `model.mlir`) into `directory`.

    Files are written to temporary names and renamed, so a failure leaves no partial output.
    """
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes | None] = {MODEL_FILE: compilation.code.encode()}
    if emit_mlir:
        files[IR_FILE] = str(compilation.module).encode() + b"\n"
    weights: dict[str, tuple[Attribute, np.ndarray]] = {}
    for op in compilation.module.walk():
        if isinstance(op, WeightOp):
            element = cast(TensorType[Attribute], op.result.type).element_type
            weights[op.key.data] = (element, compilation.weights[op.key.data])
    written: list[Path] = []
    temporary: list[tuple[Path, Path]] = []
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{WEIGHTS_FILE}.", dir=directory)
        os.close(handle)
        temporary.append((Path(tmp), directory / WEIGHTS_FILE))
        write_safetensors(tmp, weights)
        for name, data in files.items():
            handle, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
            with os.fdopen(handle, "wb") as stream:
                stream.write(data or b"")
            temporary.append((Path(tmp), directory / name))
        for tmp_path, final in temporary:
            tmp_path.chmod(0o644)
            os.replace(tmp_path, final)
            written.append(final)
    except (OSError, WeightError) as error:
        raise RamielError(f"cannot write '{directory}': {error}") from None
    finally:
        for tmp_path, _ in temporary:
            tmp_path.unlink(missing_ok=True)
    return written
