"""Calibrate the analytic cost model (`ramiel/passes/analytic_cost.py`) on this machine.

    .venv/bin/python benchmarks/calibrate_cost_model.py           # measure, fit, print
    .venv/bin/python benchmarks/calibrate_cost_model.py --write   # ... and write the JSON
    .venv/bin/python benchmarks/calibrate_cost_model.py --only native_pool --write

Every case is one ONNX node of a chosen shape, imported like a real model: its `Work`
is what `op_work` says of the imported op, and the timed statement is the line the
printer writes for it (the op's lowering), run eagerly with one intra-op thread under
`torch.inference_mode()`, the median of repeats. Copies that the generated code leaves
to the consumer (a `permute` view that the next reshape materializes) are timed with the
`.contiguous()` that pays for them. Per kind, the rates `overhead_us`, `us_per_mflop` and
`us_per_mbyte` are fitted by non-negative least squares on the relative error, so small
and large ops count alike. The cost of a cross-thread hand-off (`edge_us`) is the median
latency from `Future.set_result` in one thread to `result()` returning in another.

Cases of the "native_*" kinds (ops that `fuse` puts on Ramiel's own kernels) are compiled
as a model is and timed as the `profile` cost model times an op, on channels-last inputs.
`--only KIND...` measures and fits those kinds alone and keeps the others' rates (and the
edge) from the file.

Then the model is checked on ops it was not fitted on: every op of the light GoogLeNet
(`inception_v1`, canonicalized as `ramiel.compile` does) is timed through its lowering
on random inputs of its shapes and compared with its predicted cost.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import platform
import queue
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import CodeType
from typing import Any, cast

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Attribute, Operation, SSAValue

from ramiel import runtime
from ramiel.compiler import instantiate, lower, weight_tensors
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.dialects.onnx_ops import ConstantOp, SliceOp, TransposeOp
from ramiel.importer.onnx_importer import import_model
from ramiel.ops.constants import constant_value
from ramiel.ops.registry import Emit, Multi, Operand, Unsupported, lowering_for, torch_dtype
from ramiel.passes.analytic_cost import (
    CALIBRATION_FILE,
    KINDS,
    Calibration,
    Rates,
    Work,
    analytic_cost_us,
    load_calibration,
    op_work,
)
from ramiel.passes.profile import profile_costs
from ramiel.runtime.exchange import Exchange, send, take
from ramiel.runtime.parallel import script_methods
from ramiel.testing.models import light_model_input, light_model_path, load_onnx

FLOAT = TensorProto.FLOAT

# ---- cases: one ONNX node each --------------------------------------------------------------


@dataclass(frozen=True)
class In:
    """A graph input of the case's model: a random tensor at run time."""

    shape: tuple[int, ...]
    dtype: int = FLOAT


@dataclass(frozen=True)
class Case:
    """One micro-benchmark: an ONNX node on inputs of given shapes (arrays are constants)."""

    kind: str
    op_type: str
    inputs: tuple[In | np.ndarray | None, ...]
    attrs: dict[str, Any] = field(default_factory=lambda: {})
    outputs: int = 1
    suffix: str = ""
    """Appended to the lowered expression: the copy a view leaves to its consumer."""


def _i64(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def _scalar(value: float, dtype: type[np.generic]) -> np.ndarray:
    return np.array(value, dtype=dtype)


def _x(*shape: int) -> In:
    return In(tuple(shape))


def _conv(cin: int, size: int, cout: int, k: int, stride: int = 1, group: int = 1) -> Case:
    pad = k // 2
    return Case(
        "conv_depthwise" if group > 1 and cin == group else "conv",
        "Conv",
        (_x(1, cin, size, size), _x(cout, cin // group, k, k), _x(cout)),
        {"kernel_shape": [k, k], "strides": [stride, stride], "pads": [pad] * 4, "group": group},
    )


def _pool(op_type: str, c: int, size: int, k: int, stride: int, pad: int) -> Case:
    kind = "max_pool" if op_type == "MaxPool" else "avg_pool"
    attrs: dict[str, Any] = {"kernel_shape": [k, k], "strides": [stride, stride], "pads": [pad] * 4}
    return Case(kind, op_type, (_x(1, c, size, size),), attrs)


def _unary(op_type: str, *shape: int) -> Case:
    return Case("elementwise", op_type, (_x(*shape),))


def _binary(op_type: str, a: tuple[int, ...], b: tuple[int, ...]) -> Case:
    return Case("elementwise", op_type, (In(a), In(b)))


def _lstm(sequence: int, hidden: int, features: int) -> Case:
    inputs = (
        _x(sequence, 1, features),
        _x(1, 4 * hidden, features),
        _x(1, 4 * hidden, hidden),
        _x(1, 8 * hidden),
    )
    return Case("recurrent", "LSTM", inputs, {"hidden_size": hidden}, outputs=3)


def _native_pointwise(cin: int, size: int, cout: int) -> Case:
    """A 1x1 convolution that `fuse` puts on Ramiel's pointwise kernel."""
    weights = (_weight(cout, cin, 1, 1), _weight(cout))
    return Case("native_pointwise", "Conv", (_x(1, cin, size, size), *weights))


def _native_depthwise(c: int, size: int, k: int, stride: int = 1) -> Case:
    """A depthwise convolution (`c` groups) that `fuse` puts on Ramiel's kernel."""
    attrs = {"kernel_shape": [k, k], "strides": [stride, stride], "pads": [k // 2] * 4}
    weights = (_weight(c, 1, k, k), _weight(c))
    return Case("native_depthwise", "Conv", (_x(1, c, size, size), *weights), attrs | {"group": c})


def _weight(*shape: int) -> np.ndarray:
    """A constant: `fuse` picks a kernel only for convolutions with constant weights."""
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


def _native_pool(op_type: str, c: int, size: int, k: int, stride: int, pad: int) -> Case:
    return replace(_pool(op_type, c, size, k, stride, pad), kind="native_pool")


def _native_affine(c: int, size: int) -> Case:
    """An inference BatchNormalization (constant statistics) on no convolution's output."""
    stats = (_weight(c), _weight(c), _weight(c), np.abs(_weight(c)) + 0.5)
    return Case("native_affine", "BatchNormalization", (_x(1, c, size, size), *stats))


def _concat(channels: Sequence[int], size: int) -> Case:
    parts = tuple(_x(1, c, size, size) for c in channels)
    return Case("data_movement", "Concat", parts, {"axis": 1})


def calibration_cases() -> list[Case]:
    """The micro-benchmarks, several sizes per kind, around the ops of CNNs and encoders."""
    bn = "BatchNormalization"
    return [
        # conv: F.conv2d, GoogLeNet/ResNet-like shapes, a first layer, tiny ones
        _conv(3, 224, 64, 7, 2),
        _conv(64, 56, 64, 1),
        _conv(64, 56, 192, 3),
        _conv(192, 28, 64, 1),
        _conv(96, 28, 128, 3),
        _conv(16, 28, 32, 5),
        _conv(480, 14, 192, 1),
        _conv(832, 7, 384, 1),
        _conv(48, 7, 128, 5),
        _conv(256, 14, 256, 3),
        _conv(128, 28, 128, 3, 2),
        _conv(272, 14, 272, 1, group=4),
        _conv(32, 16, 32, 3),
        _conv(8, 8, 8, 3),
        _conv(16, 4, 16, 1),
        # conv_depthwise: groups = channels
        _conv(32, 112, 32, 3, group=32),
        _conv(96, 112, 96, 3, 2, group=96),
        _conv(144, 56, 144, 3, group=144),
        _conv(272, 14, 272, 3, group=272),
        _conv(576, 14, 576, 3, group=576),
        _conv(960, 7, 960, 5, group=960),
        _conv(8, 8, 8, 3, group=8),
        # matmul: Gemm (F.linear) and MatMul (@), GEMV to square
        Case("matmul", "Gemm", (_x(1, 1024), _x(1000, 1024), _x(1000)), {"transB": 1}),
        Case("matmul", "Gemm", (_x(1, 4096), _x(4096, 4096), _x(4096)), {"transB": 1}),
        Case("matmul", "Gemm", (_x(1, 2048), _x(1000, 2048), _x(1000)), {"transB": 1}),
        Case("matmul", "Gemm", (_x(1, 64), _x(10, 64), _x(10)), {"transB": 1}),
        Case("matmul", "MatMul", (_x(128, 768), _x(768, 768))),
        Case("matmul", "MatMul", (_x(128, 768), _x(768, 3072))),
        Case("matmul", "MatMul", (_x(12, 128, 64), _x(12, 64, 128))),
        Case("matmul", "MatMul", (_x(64, 64), _x(64, 64))),
        Case("matmul", "MatMul", (_x(1, 8), _x(8, 8))),
        # recurrent: rt.lstm
        _lstm(8, 64, 64),
        _lstm(32, 64, 64),
        _lstm(32, 256, 128),
        _lstm(128, 32, 32),
        _lstm(16, 512, 256),
        # max_pool: F.max_pool2d, NCHW
        _pool("MaxPool", 64, 112, 3, 2, 0),
        _pool("MaxPool", 64, 112, 3, 2, 1),
        _pool("MaxPool", 128, 56, 2, 2, 0),
        _pool("MaxPool", 64, 56, 3, 2, 0),
        _pool("MaxPool", 192, 56, 3, 2, 0),
        _pool("MaxPool", 192, 28, 3, 1, 1),
        _pool("MaxPool", 480, 28, 3, 2, 0),
        _pool("MaxPool", 832, 14, 3, 1, 1),
        _pool("MaxPool", 512, 14, 2, 2, 0),
        _pool("MaxPool", 8, 8, 3, 1, 1),
        # avg_pool: F.avg_pool2d
        _pool("AveragePool", 64, 56, 3, 1, 1),
        _pool("AveragePool", 192, 28, 3, 1, 1),
        _pool("AveragePool", 1024, 7, 7, 1, 0),
        _pool("AveragePool", 288, 35, 3, 1, 1),
        _pool("AveragePool", 2048, 8, 8, 1, 0),
        _pool("AveragePool", 256, 28, 2, 2, 0),
        _pool("AveragePool", 8, 8, 3, 1, 1),
        # lrn: F.local_response_norm
        Case("lrn", "LRN", (_x(1, 64, 56, 56),), {"size": 5}),
        Case("lrn", "LRN", (_x(1, 192, 56, 56),), {"size": 5}),
        Case("lrn", "LRN", (_x(1, 96, 55, 55),), {"size": 5}),
        Case("lrn", "LRN", (_x(1, 256, 13, 13),), {"size": 5}),
        Case("lrn", "LRN", (_x(1, 8, 8, 8),), {"size": 3}),
        # elementwise
        _unary("Relu", 1, 64, 112, 112),
        _unary("Relu", 1, 192, 28, 28),
        _unary("Relu", 1, 16, 8, 8),
        _binary("Add", (1, 256, 56, 56), (1, 256, 56, 56)),
        _binary("Add", (1, 64, 8, 8), (1, 64, 8, 8)),
        _binary("Mul", (1, 256, 28, 28), (1, 256, 1, 1)),
        _binary("Div", (1, 128, 768), (1, 128, 768)),
        _binary("Greater", (1, 64, 56, 56), (1, 64, 56, 56)),
        _unary("Gelu", 1, 128, 3072),
        _unary("Log", 1, 64, 56, 56),
        _unary("Sigmoid", 1, 192, 28, 28),
        _unary("Exp", 1, 192, 28, 28),
        _unary("Erf", 1, 128, 768),
        _unary("Tanh", 1, 128, 768),
        _unary("Sqrt", 1, 64, 56, 56),
        Case(
            "elementwise",
            "Clip",
            (_x(1, 96, 56, 56), _scalar(0, np.float32), _scalar(6, np.float32)),
        ),
        Case("elementwise", "Cast", (_x(1, 64, 56, 56),), {"to": TensorProto.FLOAT16}),
        # reduce
        Case("reduce", "GlobalAveragePool", (_x(1, 1024, 7, 7),)),
        Case("reduce", "GlobalAveragePool", (_x(1, 2048, 7, 7),)),
        Case("reduce", "GlobalAveragePool", (_x(1, 64, 56, 56),)),
        Case("reduce", "ReduceMean", (_x(1, 128, 768), _i64(-1))),
        Case("reduce", "ReduceSum", (_x(1, 64, 56, 56), _i64(1))),
        Case("reduce", "ReduceMax", (_x(1, 16), _i64(1))),
        Case("reduce", "ArgMax", (_x(1, 1000),), {"axis": 1}),
        Case("other", "TopK", (_x(1, 1000), _i64(5)), {"axis": 1}, outputs=2),
        # normalize
        Case("normalize", bn, (_x(1, 64, 112, 112), _x(64), _x(64), _x(64), _x(64))),
        Case("normalize", bn, (_x(1, 256, 28, 28), _x(256), _x(256), _x(256), _x(256))),
        Case("normalize", bn, (_x(1, 16, 8, 8), _x(16), _x(16), _x(16), _x(16))),
        Case("normalize", "Softmax", (_x(1, 1000),), {"axis": 1}),
        Case("normalize", "Softmax", (_x(1, 12, 128, 128),), {"axis": -1}),
        Case("normalize", "Softmax", (_x(1, 8),), {"axis": 1}),
        Case("normalize", "LayerNormalization", (_x(1, 128, 768), _x(768), _x(768)), {"axis": -1}),
        Case("normalize", "LayerNormalization", (_x(1, 16, 64), _x(64), _x(64)), {"axis": -1}),
        Case("normalize", "InstanceNormalization", (_x(1, 64, 56, 56), _x(64), _x(64))),
        # data_movement: copies
        _concat((64, 128, 32, 32), 28),
        _concat((128, 192, 96, 64), 28),
        _concat((256, 320, 128, 128), 7),
        _concat((64, 64), 56),
        _concat((8, 8), 4),
        Case("data_movement", "Pad", (_x(1, 64, 56, 56), _i64(0, 0, 1, 1, 0, 0, 1, 1))),
        Case(
            "data_movement",
            "Transpose",
            (_x(1, 128, 12, 64),),
            {"perm": [0, 2, 1, 3]},
            1,
            ".contiguous()",
        ),
        Case(
            "data_movement",
            "Transpose",
            (_x(1, 4, 68, 14, 14),),
            {"perm": [0, 2, 1, 3, 4]},
            1,
            ".contiguous()",
        ),
        Case(
            "data_movement",
            "Slice",
            (_x(1, 256, 28, 28), _i64(1, 1), _i64(27, 27), _i64(2, 3)),
            suffix=".contiguous()",
        ),
        Case("data_movement", "Tile", (_x(1, 64, 28, 28), _i64(1, 2, 1, 1))),
        Case("data_movement", "ConstantOfShape", (_i64(1, 64, 56, 56),)),
        # view: no copy
        Case("view", "Reshape", (_x(1, 1024, 1, 1), _i64(1, 1024))),
        Case("view", "Reshape", (_x(1, 128, 768), _i64(1, 128, 12, 64))),
        Case("view", "Flatten", (_x(1, 256, 6, 6),), {"axis": 1}),
        Case("view", "Squeeze", (_x(1, 64, 1, 1), _i64(2, 3))),
        Case("view", "Unsqueeze", (_x(1, 64), _i64(2))),
        Case("view", "Expand", (_x(1, 64, 1, 1), _i64(1, 64, 56, 56))),
        # native_pointwise: 1x1 convolutions on ramiel.kernels (NASNet, ResNet, tiny)
        _native_pointwise(32, 32, 32),
        _native_pointwise(64, 16, 64),
        _native_pointwise(96, 8, 96),
        _native_pointwise(192, 32, 64),
        _native_pointwise(384, 16, 32),
        _native_pointwise(576, 8, 96),
        _native_pointwise(64, 56, 64),
        _native_pointwise(256, 56, 64),
        _native_pointwise(64, 56, 256),
        _native_pointwise(128, 28, 512),
        _native_pointwise(16, 8, 16),
        # native_depthwise
        _native_depthwise(32, 32, 3),
        _native_depthwise(32, 32, 5),
        _native_depthwise(64, 16, 3),
        _native_depthwise(64, 16, 5),
        _native_depthwise(96, 8, 3),
        _native_depthwise(64, 32, 7, 2),
        _native_depthwise(32, 112, 3),
        _native_depthwise(144, 56, 3),
        _native_depthwise(8, 8, 3),
        # native_pool: max and average pooling on ramiel.kernels
        _native_pool("MaxPool", 32, 32, 3, 1, 1),
        _native_pool("MaxPool", 64, 112, 3, 2, 1),
        _native_pool("MaxPool", 192, 28, 3, 1, 1),
        _native_pool("MaxPool", 480, 28, 3, 2, 0),
        _native_pool("AveragePool", 32, 32, 3, 1, 1),
        _native_pool("AveragePool", 96, 8, 3, 1, 1),
        _native_pool("AveragePool", 192, 28, 3, 1, 1),
        _native_pool("AveragePool", 1024, 7, 7, 1, 0),
        _native_pool("MaxPool", 8, 8, 3, 1, 1),
        # native_affine: a BatchNormalization that no convolution absorbs
        _native_affine(64, 112),
        _native_affine(256, 28),
        _native_affine(16, 8),
        # other: the long tail
        Case("other", "DFT", (_x(1, 256, 1), None, _scalar(1, np.int64)), {"onesided": 0}),
        Case("other", "GridSample", (_x(1, 16, 32, 32), _x(1, 32, 32, 2))),
        Case("other", "Det", (_x(16, 8, 8),)),
        Case("other", "HannWindow", (_scalar(1024, np.int64),)),
    ]


# ---- building and running one node --------------------------------------------------------------


def _node_model(case: Case) -> onnx.ModelProto:
    inputs: list[onnx.ValueInfoProto] = []
    initializers: list[TensorProto] = []
    names: list[str] = []
    for index, item in enumerate(case.inputs):
        if item is None:
            names.append("")
            continue
        name = f"i{index}"
        names.append(name)
        if isinstance(item, In):
            inputs.append(helper.make_tensor_value_info(name, item.dtype, list(item.shape)))
        else:
            initializers.append(numpy_helper.from_array(np.asarray(item), name))
    while names and not names[-1]:
        names.pop()
    outputs = [f"o{i}" for i in range(case.outputs)]
    node = helper.make_node(case.op_type, names, outputs, **case.attrs)
    graph = helper.make_graph(
        [node],
        "case",
        inputs,
        [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in outputs],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)], ir_version=10)


def _the_op(module: ModuleOp) -> OnnxOp:
    found = [
        op for op in module.walk() if isinstance(op, OnnxOp) and not isinstance(op, ConstantOp)
    ]
    if len(found) != 1:
        raise ValueError(f"expected one op, got {[op.name for op in found]}")
    return found[0]


def _is_tensor(value_type: Attribute) -> bool:
    return isinstance(value_type, TensorType)


def _random_tensor(value_type: Attribute) -> torch.Tensor:
    shaped = cast(TensorType[Attribute], value_type)
    dtype: torch.dtype = eval(torch_dtype(shaped.element_type), {"torch": torch})
    shape = [d if d >= 0 else 1 for d in shaped.get_shape()]
    if dtype.is_floating_point:
        # Positive values: sqrt/log/pow stay off their slow NaN paths, as in real models.
        return (torch.rand(shape) + 0.5).to(dtype)
    return torch.zeros(shape, dtype=dtype)


@dataclass
class Line:
    """One op's generated expression, ready to run."""

    expr: str
    code: CodeType
    namespace: dict[str, Any]

    def __call__(self) -> object:
        return eval(self.code, self.namespace)


def lowered_line(op: OnnxOp, suffix: str = "", store: Any = None) -> Line | None:
    """The printer's expression for `op` on random operands (constants as they are), or
    None when it has no one-line lowering here (a prelude, a region, no lowering)."""
    lowering = lowering_for(type(op))
    if lowering is None or op.regions:
        return None
    namespace: dict[str, Any] = {"torch": torch, "F": F, "rt": runtime}
    operands: list[Operand | None] = []
    for index, value in enumerate(op.flat_inputs()):
        if value is None:
            operands.append(None)
            continue
        name = f"a{index}"
        value_type: Attribute = value.type
        const = _constant_of(value)
        if const is not None:
            namespace[name] = torch.as_tensor(const.copy())
        elif _is_tensor(value_type):
            namespace[name] = _random_tensor(value_type)
        else:
            return None
        operands.append(Operand(name, value_type, const))
    outputs = [None if v is None else Operand("", v.type) for v in op.flat_outputs()]
    emit = Emit(op, operands, outputs)
    try:
        lowered = lowering(emit, op)
    except Unsupported:
        return None
    if emit.prelude:
        return None
    expr = (lowered.expr if isinstance(lowered, Multi) else lowered) + suffix
    return Line(expr, compile(expr, "<op>", "eval"), namespace)


def _constant_of(value: SSAValue) -> np.ndarray | None:
    owner = value.owner
    return constant_value(owner) if isinstance(owner, ConstantOp) else None


def warm_allocator() -> None:
    """Put malloc in the state a running model leaves it in.

    glibc serves large blocks with mmap until a large block has been freed, and then
    from its heap; before that, every call of an op with a megabyte output pays page
    faults (a first-layer conv at 1x64x112x112 takes 5.1 ms instead of 2.2 ms). One
    forward pass of a model gets past this, so the measurements do too.
    """
    block = torch.empty(24 << 20, dtype=torch.uint8)
    del block


def median_us(function: Callable[[], object], budget_s: float = 0.25) -> float:
    """Median time of `function` in microseconds; tiny calls are timed in batches."""
    function()
    start = time.perf_counter()
    function()
    once = max(time.perf_counter() - start, 1e-7)
    batch = max(1, int(20e-6 / once))
    repeats = min(200, max(5, int(budget_s / (once * batch))))
    samples: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for _ in range(batch):
            function()
        samples.append((time.perf_counter_ns() - start) / batch / 1e3)
    return statistics.median(samples)


@dataclass(frozen=True)
class Measured:
    """A case (or a model op) with its work, expression and median time."""

    label: str
    kind: str
    work: Work
    expr: str
    us: float


def _label(case: Case) -> str:
    shapes = ",".join("x".join(map(str, i.shape)) for i in case.inputs if isinstance(i, In))
    return f"{case.op_type}({shapes})"


def measure_native(case: Case) -> Measured:
    """A case whose op `fuse` puts on Ramiel's kernels: compiled as a model is, and its
    kernel's line timed as the `profile` cost model times it (fastest of 50 runs, on a
    channels-last input)."""
    module = lower(_node_model(case), workers=1).module
    found = [op for op in module.walk() if op_work(op).kind == case.kind]
    if len(found) != 1:
        kinds = sorted({op_work(op).kind for op in module.walk()})
        raise AssertionError(f"{_label(case)}: no {case.kind} op after fuse, only {kinds}")
    op = found[0]
    # Channels-last, as the previous kernel of a model leaves it: else the kernel's own
    # layout conversion would be timed with it.
    inputs = [
        torch.rand(i.shape).contiguous(memory_format=torch.channels_last)
        for i in case.inputs
        if isinstance(i, In)
    ]
    us = profile_costs(module, threads=1, repeat=50, inputs=inputs, cache=False)[op]
    return Measured(_label(case), case.kind, op_work(op), op.name, us)


def measure_cases(cases: Sequence[Case]) -> list[Measured]:
    """Import, lower and time every case."""
    results: list[Measured] = []
    for case in cases:
        if case.kind.startswith("native_"):
            results.append(measure_native(case))
            continue
        op = _the_op(import_model(_node_model(case)).module)
        work = op_work(op)
        if work.kind != case.kind:
            raise AssertionError(f"{_label(case)} is {work.kind}, expected {case.kind}")
        line = lowered_line(op, case.suffix)
        if line is None:
            raise AssertionError(f"{_label(case)} has no one-line lowering")
        with torch.inference_mode():
            us = median_us(line, 0.4)
        results.append(Measured(_label(case), case.kind, work, line.expr, us))
    return results


# ---- control flow and the edge ------------------------------------------------------------------


def control_overhead_us() -> float:
    """Per-trip cost of `rt.loop` with a body that passes its value through."""

    def body(i: torch.Tensor, cond: torch.Tensor, x: torch.Tensor) -> tuple[Any, ...]:
        return (cond, x)

    x = torch.zeros(4)
    trips = 200
    count = torch.tensor(trips)
    total = median_us(lambda: runtime.loop(body, count, None, [x]), 0.3)
    return total / trips


def edge_latency_us(rounds: int = 1000, busy: bool = False) -> float:
    """Median latency from `Future.set_result` in this thread to `result()` returning in a
    consumer thread already blocked on it. `busy`: the producer goes on with small torch
    ops (releasing the GIL inside each) instead of waiting."""
    futures: queue.SimpleQueue[Future[int] | None] = queue.SimpleQueue()
    latencies: list[float] = []
    resumed = threading.Event()

    def consume() -> None:
        while True:
            future = futures.get()
            if future is None:
                return
            sent = future.result()
            latencies.append((time.perf_counter_ns() - sent) / 1e3)
            resumed.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    work = torch.rand(64, 28, 28)
    try:
        for _ in range(rounds):
            resumed.clear()
            future: Future[int] = Future()
            futures.put(future)
            time.sleep(0.0003)  # the consumer is blocked in result() by now
            future.set_result(time.perf_counter_ns())
            if busy:
                while not resumed.is_set():
                    torch.relu(work)
            resumed.wait()
    finally:
        futures.put(None)
        consumer.join()
    return statistics.median(latencies)


_PING_PONGS = 2000


class _PingPong(torch.nn.Module):
    """Values bounced between two workers through an `rt.Exchange`, as compiled clusters
    hand them over."""

    def __init__(self) -> None:
        super().__init__()
        self.exchange = Exchange(2 * _PING_PONGS)
        self.rounds = _PING_PONGS

    def ping(self, value: torch.Tensor) -> None:
        for i in range(self.rounds):
            send(self.exchange, 2 * i + 1, value)
            value = take(self.exchange, 2 * i + 2)

    def pong(self) -> None:
        for i in range(self.rounds):
            send(self.exchange, 2 * i + 2, take(self.exchange, 2 * i + 1))


def exchange_latency_us(rounds: int = 5) -> float:
    """One hand-off of compiled parallel code (TorchScript `rt.send` on one thread to the
    `rt.take` another thread waits in): the median over `rounds` of 2,000 round trips."""
    compiled = script_methods(_PingPong(), ("ping", "pong"))
    flags: torch.Tensor = compiled.exchange[0]
    latencies: list[float] = []
    for _ in range(rounds):
        flags.zero_()
        partner = threading.Thread(target=compiled.pong)
        partner.start()
        start = time.perf_counter()
        compiled.ping(torch.zeros(1))
        latencies.append((time.perf_counter() - start) / (2 * _PING_PONGS) * 1e6)
        partner.join()
    return statistics.median(latencies)


# ---- fitting ------------------------------------------------------------------------------------


def _features(work: Work) -> list[float]:
    return [1.0, work.flops * 1e-6, work.bytes * 1e-6]


def fit_rates(rows: Sequence[Measured]) -> Rates:
    """Non-negative least squares on the relative error of `overhead + flops * per_mflop +
    bytes * per_mbyte` (exact: the best of the least-squares fits on every
    subset of the three terms whose coefficients are all non-negative)."""
    matrix = np.array([_features(r.work) for r in rows]) / np.array([[r.us] for r in rows])
    target = np.ones(len(rows))
    best: tuple[float, np.ndarray] | None = None
    for mask in itertools.product((False, True), repeat=3):
        columns = [i for i in range(3) if mask[i]]
        if not columns:
            continue
        solution = np.linalg.lstsq(matrix[:, columns], target, rcond=None)[0]
        if (solution < 0).any():
            continue
        full = np.zeros(3)
        full[columns] = solution
        error = float(np.linalg.norm(matrix @ full - target))
        if best is None or error < best[0] - 1e-12:
            best = (error, full)
    assert best is not None
    overhead, per_mflop, per_mbyte = (float(v) for v in best[1])
    return Rates(round(overhead, 4), round(per_mflop, 4), round(per_mbyte, 4))


def machine_description() -> str:
    """CPU model, core count and OS of this machine."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}"


# ---- validation on a real model -----------------------------------------------------------------


def _top_level_ops(module: ModuleOp) -> list[OnnxOp]:
    main = next(op for op in module.walk() if isinstance(op, func.FuncOp))
    return [op for op in main.body.block.ops if isinstance(op, OnnxOp)]


def _short(op: Operation) -> str:
    types: list[Attribute] = [v.type for v in op.operands]
    shapes = [
        "x".join(map(str, cast(TensorType[Attribute], t).get_shape()))
        for t in types
        if isinstance(t, TensorType)
    ]
    return f"{op.name.removeprefix('onnx.')}({shapes[0] if shapes else ''})"


def validate_model(name: str, calibration: Calibration) -> list[tuple[Measured, float]]:
    """Every non-constant op of a light model: (measured op, predicted us)."""
    compilation = lower(light_model_path(name), workers=1)
    results: list[tuple[Measured, float]] = []
    for op in _top_level_ops(compilation.module):
        if isinstance(op, ConstantOp):
            continue
        # A permute or slice is a view in the generated code; the model charges it with
        # the copy that its consumer makes, so it is timed with that copy.
        suffix = ".contiguous()" if isinstance(op, TransposeOp | SliceOp) else ""
        line = lowered_line(op, suffix)
        if line is None:
            continue
        with torch.inference_mode():
            us = median_us(line, 0.1)
        work = op_work(op)
        measured = Measured(_short(op), work.kind, work, line.expr, us)
        results.append((measured, analytic_cost_us(op, calibration)))
    return results


def serial_forward_us(name: str) -> float:
    """Median time of one forward pass of the light model compiled to serial code."""
    compilation = lower(light_model_path(name), workers=1)
    model = instantiate(compilation.code, weight_tensors(compilation))
    data = torch.as_tensor(light_model_input(load_onnx(light_model_path(name))))
    with torch.inference_mode():
        return median_us(lambda: model(data), 1.0)


# ---- reporting ----------------------------------------------------------------------------------


def _spread(ratios: Sequence[float]) -> str:
    logs = np.log(np.array(ratios))
    geo = float(np.exp(np.mean(np.abs(logs))))
    within = sum(1 for r in ratios if 0.5 <= r <= 2.0)
    return (
        f"n={len(ratios):3d}  median {statistics.median(ratios):5.2f}  "
        f"min {min(ratios):5.2f}  max {max(ratios):5.2f}  "
        f"geo-mean |err| x{geo:4.2f}  within 2x {within}/{len(ratios)}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, fit, print; with --write, write the calibration JSON."""
    parser = argparse.ArgumentParser(description="Calibrate Ramiel's analytic cost model.")
    parser.add_argument("--write", action="store_true", help="write the calibration JSON")
    parser.add_argument("--output", type=Path, default=CALIBRATION_FILE, help="JSON path")
    parser.add_argument(
        "--validate", nargs="*", default=["inception_v1"], help="light models to check on"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=KINDS,
        metavar="KIND",
        help="measure and fit these kinds only; the others keep their rates in --output",
    )
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    warm_allocator()
    started = time.perf_counter()
    cases = calibration_cases()
    rates: dict[str, Rates] = {"free": Rates(0.0, 0.0, 0.0)}
    if args.only:
        if not args.output.is_file():
            parser.error(f"--only keeps the other kinds' rates from {args.output}: no such file")
        cases = [c for c in cases if c.kind in args.only]
        kept = load_calibration(args.output).rates
        rates.update({k: r for k, r in kept.items() if k not in args.only})
    measured = measure_cases(cases)
    for kind in KINDS:
        rows = [m for m in measured if m.kind == kind]
        if rows:
            rates[kind] = fit_rates(rows)
    if not args.only or "control" in args.only:
        rates["control"] = Rates(round(control_overhead_us(), 4), 0.0, 0.0)
    edge = edge_latency_us()
    edge_busy = edge_latency_us(busy=True)
    exchange = exchange_latency_us()
    # --only keeps the file's edge (it is measured and printed all the same).
    edge_us = load_calibration(args.output).edge_us if args.only else round(edge_busy, 2)
    calibration = Calibration(
        rates,
        edge_us,
        machine_description(),
        torch.__version__,
        datetime.date.today().isoformat(),
        torch.get_num_threads(),
    )

    print(f"# calibration on {calibration.machine}, torch {calibration.torch_version}, 1 thread")
    print(f"{'case':<44} {'kind':<15} {'measured us':>11} {'predicted us':>12} {'ratio':>6}")
    for m in measured:
        predicted = calibration.rates_of(m.kind).cost_us(m.work)
        print(f"{m.label:<44} {m.kind:<15} {m.us:11.1f} {predicted:12.1f} {predicted / m.us:6.2f}")
    print()
    print(f"{'kind':<15} {'overhead_us':>11} {'us_per_mflop':>12} {'us_per_mbyte':>12}  fit spread")
    for kind, r in rates.items():
        rows = [m for m in measured if m.kind == kind]
        ratios = [calibration.rates_of(kind).cost_us(m.work) / m.us for m in rows]
        spread = _spread(ratios) if ratios else ""
        print(
            f"{kind:<15} {r.overhead_us:11.3f} {r.us_per_mflop:12.4f} {r.us_per_mbyte:12.4f}  "
            f"{spread}"
        )
    print()
    print("edge: Future.set_result -> result() returns in the blocked consumer, median")
    print(f"  producer goes on with torch ops (edge_us): {edge_busy:.1f} us")
    print(f"  producer idle:                             {edge:.1f} us")
    print(f"  compiled rt.send -> waiting rt.take:        {exchange:.1f} us")

    for name in args.validate:
        print()
        print(f"# validation: every op of the light {name} (not fitted on)")
        results = validate_model(name, calibration)
        # A handful of its ops: the first few distinct conv, pool, LRN and concat shapes.
        shown: dict[str, set[str]] = {}
        print(f"{'op':<36} {'kind':<15} {'measured us':>11} {'predicted us':>12} {'ratio':>6}")
        for m, predicted in results:
            if m.kind in ("elementwise", "view", "matmul", "normalize"):
                continue
            seen = shown.setdefault(m.kind, set())
            key = f"{m.expr}|{m.work}"
            if len(seen) >= 4 or key in seen:
                continue
            seen.add(key)
            ratio = predicted / m.us
            print(f"{m.label:<36} {m.kind:<15} {m.us:11.1f} {predicted:12.1f} {ratio:6.2f}")
        print()
        for kind in sorted({m.kind for m, _ in results}):
            ratios = [p / m.us for m, p in results if m.kind == kind]
            print(f"  {kind:<15} {_spread(ratios)}")
        ratios = [p / m.us for m, p in results]
        print(f"  {'all ops':<15} {_spread(ratios)}")
        total_measured = sum(m.us for m, _ in results)
        total_predicted = sum(p for _, p in results)
        forward = serial_forward_us(name)
        print(
            f"  sum of op times: measured {total_measured / 1e3:.1f} ms, predicted "
            f"{total_predicted / 1e3:.1f} ms (ratio {total_predicted / total_measured:.2f}); "
            f"serial forward pass {forward / 1e3:.1f} ms"
        )

    if args.write:
        args.output.write_text(json.dumps(calibration.to_json(), indent=2) + "\n")
        print(f"\nwrote {args.output}")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
