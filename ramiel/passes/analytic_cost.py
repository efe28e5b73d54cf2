"""The analytic cost of one op: how long its line of generated PyTorch code takes, in us.

The generated code runs each op as one eager call (batch 1, one intra-op thread, NCHW,
CPU). Its time is modelled from two static quantities of the op, its `Work`:

* `flops`: arithmetic (Conv `2 * N * Cout * prod(out spatial) * (Cin / group) *
  prod(kernel)`, MatMul `2 * M * N * K`, pooling `out elements * window`, ...);
* `bytes`: bytes moved, the inputs read plus the outputs written, from the static
  tensor types (an unknown dimension counts as 1, a sequence as one of its items);

and one `kind` per op class that selects a calibrated set of `Rates`:

    cost_us = overhead_us + flops / 1e6 * us_per_mflop + bytes / 1e6 * us_per_mbyte

`overhead_us` is the fixed cost of one generated line (Python and the dispatcher).
Control flow costs the ops of its regions, once per trip of a Loop or Scan.
The rates come from `cost_calibration.json` beside this file, written by
`benchmarks/calibrate_cost_model.py` from micro-benchmarks of generated-code lines on
the machine that runs the code. Nothing here calls torch: costing a 1,200-op graph
takes milliseconds.

Kinds: "conv", "conv_depthwise", "matmul", "recurrent" (`rt.lstm` and friends: a fixed
setup cost, then the gate products of every step), "max_pool" and "avg_pool" (eager NCHW
max pooling is scalar code, ~10x slower per window element than average pooling),
"lrn" (`F.local_response_norm`: several passes and an average pool over channels),
"elementwise", "reduce", "normalize", "data_movement" (copies: concat, pad, tile, fills,
and the slices, gathers and transposes whose copy their consumer makes: the generated
line is a view, but the following reshape or kernel pays for the copy), "view" (no copy:
reshape, squeeze, expand, inference Dropout, sequence bookkeeping), "free" (weights and
constants, built at load time), "control" (If, Loop, Scan, SequenceMap and any other op
with regions: the ops of their regions) and "other" (the long tail, by bytes moved).

Ops that the `fuse` pass puts on Ramiel's own kernels (`ramiel.kernels`) have kinds of
their own, "native_pointwise" and "native_depthwise" (`dataflow.conv` with that
`kernel`; `dataflow.concat_conv` and a `dataflow.conv` on the direct kernel are
"native_pointwise" too, as is one on the Winograd kernel, at the multiply-adds of its
products), "native_pool" (`dataflow.pool`) and "native_affine"
(`dataflow.channel_affine`, and `dataflow.lrn` at 12 FLOPs an element): they run several
times faster than the eager calls of the kinds above, and a schedule built on eager rates
misplaces them. `dataflow.linear` is "matmul".
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from xdsl.dialects.builtin import (
    CompileTimeFixedBitwidthType,
    DenseIntOrFPElementsAttr,
    TensorType,
    UnrankedTensorType,
)
from xdsl.ir import Attribute, Operation, SSAValue

from ramiel.dialects import onnx_ops as ops
from ramiel.dialects.dataflow import (
    ChannelAffineOp,
    ChannelsLastOp,
    ConcatConvOp,
    LinearOp,
    LrnOp,
    WeightOp,
)
from ramiel.dialects.dataflow import ConvOp as KernelConvOp
from ramiel.dialects.dataflow import PoolOp as KernelPoolOp
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.dialects.onnx_types import OptType, SeqType

CALIBRATION_FILE = Path(__file__).with_name("cost_calibration.json")

KINDS = (
    "conv",
    "conv_depthwise",
    "matmul",
    "recurrent",
    "max_pool",
    "avg_pool",
    "lrn",
    "elementwise",
    "reduce",
    "normalize",
    "data_movement",
    "view",
    "free",
    "control",
    "other",
    "native_pointwise",
    "native_depthwise",
    "native_pool",
    "native_affine",
)
"""Every kind `op_work` returns; a calibration has rates for each."""

# Bytes of one element whose type has no fixed width (a string), and of a value that is
# not a tensor at all (an absent or opaque value).
_OPAQUE_ELEMENT_BYTES = 16
_SMALL_VALUE_BYTES = 8


@dataclass(frozen=True)
class Work:
    """What an op does, statically: its kind, its arithmetic and the bytes it moves."""

    kind: str
    flops: float
    bytes: float


@dataclass(frozen=True)
class Rates:
    """The calibrated cost of one kind: a fixed cost per generated line, and the time per
    million FLOPs and per megabyte moved."""

    overhead_us: float
    us_per_mflop: float
    us_per_mbyte: float

    def cost_us(self, work: Work) -> float:
        """The time of `work` at these rates."""
        return (
            self.overhead_us
            + work.flops * 1e-6 * self.us_per_mflop
            + work.bytes * 1e-6 * self.us_per_mbyte
        )


_FREE = Rates(0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Calibration:
    """Rates per kind, the cost of a cross-thread hand-off, and where they were measured."""

    rates: Mapping[str, Rates]
    edge_us: float
    """Latency of handing a value to another Python thread through a `Future`."""
    machine: str
    torch_version: str
    date: str
    threads: int = 1
    """Intra-op threads the rates were measured with."""

    def rates_of(self, kind: str) -> Rates:
        """The rates of `kind` ("free" costs nothing; a kind without rates is "other")."""
        rates = self.rates.get(kind)
        if rates is not None:
            return rates
        return _FREE if kind == "free" else self.rates["other"]

    def to_json(self) -> dict[str, Any]:
        """The JSON object `load_calibration` reads."""
        return {
            "machine": self.machine,
            "torch_version": self.torch_version,
            "date": self.date,
            "threads": self.threads,
            "edge_us": self.edge_us,
            "kinds": {
                kind: {
                    "overhead_us": r.overhead_us,
                    "us_per_mflop": r.us_per_mflop,
                    "us_per_mbyte": r.us_per_mbyte,
                }
                for kind, r in self.rates.items()
            },
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Calibration:
        """A calibration from its JSON object; ValueError names what is missing or wrong."""
        try:
            kinds = cast(Mapping[str, Mapping[str, Any]], data["kinds"])
            rates = {
                kind: Rates(
                    float(values["overhead_us"]),
                    float(values["us_per_mflop"]),
                    float(values["us_per_mbyte"]),
                )
                for kind, values in kinds.items()
            }
            calibration = Calibration(
                MappingProxyType(rates),
                float(data["edge_us"]),
                str(data["machine"]),
                str(data["torch_version"]),
                str(data["date"]),
                int(data.get("threads", 1)),
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"malformed cost calibration: missing or bad {error}") from None
        if "other" not in rates:
            raise ValueError("malformed cost calibration: no rates for kind 'other'")
        for kind, r in rates.items():
            numbers = (r.overhead_us, r.us_per_mflop, r.us_per_mbyte)
            if not all(math.isfinite(v) and v >= 0 for v in numbers):
                raise ValueError(f"malformed cost calibration: negative or non-finite {kind}")
        return calibration


def load_calibration(path: Path | None = None) -> Calibration:
    """The calibration in `path`, by default the `cost_calibration.json` of this package."""
    return _load(path or CALIBRATION_FILE)


@cache
def _load(path: Path) -> Calibration:
    return Calibration.from_json(json.loads(path.read_text()))


def analytic_cost_us(op: Operation, calibration: Calibration) -> float:
    """The estimated time of `op`'s generated line in microseconds (0 for weights,
    constants and terminators; the ops of its regions for control flow)."""
    work = op_work(op)
    if work.kind == "control":
        return _control_cost(op, calibration)
    return calibration.rates_of(work.kind).cost_us(work)


# ---- shapes and bytes ---------------------------------------------------------------------


def _tensor_of(value_type: Attribute) -> TensorType[Attribute] | None:
    """The tensor type a value holds (an optional's, one item of a sequence's)."""
    while isinstance(value_type, OptType | SeqType):
        value_type = value_type.element_type
    if isinstance(value_type, TensorType):
        return cast(TensorType[Attribute], value_type)
    return None


def _element_bytes(value_type: Attribute) -> int | None:
    """Bytes per element of a tensor (held in at least one byte), None for a non-tensor."""
    tensor = _tensor_of(value_type)
    if tensor is not None:
        element = tensor.element_type
    elif isinstance(value_type, UnrankedTensorType):
        element = cast(UnrankedTensorType[Attribute], value_type).element_type
    else:
        return None
    if isinstance(element, CompileTimeFixedBitwidthType):
        return element.compile_time_size
    return _OPAQUE_ELEMENT_BYTES


@lru_cache(maxsize=4096)
def _type_facts(value_type: Attribute) -> tuple[tuple[int, ...], int, int]:
    """Of a value type (types are shared by many values, so this is cached): its static
    shape with unknown dimensions as 1 (a scalar when unranked or not a tensor), its
    element count and its bytes."""
    tensor = _tensor_of(value_type)
    shape = () if tensor is None else tuple(d if d >= 0 else 1 for d in tensor.get_shape())
    count = math.prod(shape)
    size = _element_bytes(value_type)
    return shape, count, _SMALL_VALUE_BYTES if size is None else count * size


def _shape(value: SSAValue | None) -> tuple[int, ...]:
    return () if value is None else _type_facts(value.type)[0]


def _numel(value: SSAValue | None) -> int:
    return 0 if value is None else _type_facts(value.type)[1]


def _bytes(value: SSAValue | None) -> int:
    return 0 if value is None else _type_facts(value.type)[2]


def _bytes_of(values: Iterable[SSAValue | None]) -> int:
    return sum(_bytes(v) for v in values)


def _moved(op: Operation) -> int:
    """Inputs read plus outputs written."""
    return _bytes_of(op.operands) + _bytes_of(op.results)


def _input(op: Operation, index: int) -> SSAValue | None:
    """ONNX input `index` of `op` (None when absent)."""
    inputs = cast(OnnxOp, op).flat_inputs()
    return inputs[index] if index < len(inputs) else None


def _out(op: Operation) -> SSAValue | None:
    return op.results[0] if op.results else None


def _int_attr(op: Operation, name: str, default: int) -> int:
    value = cast(OnnxOp, op).onnx_attribute(name)
    return default if value is None else int(cast(int, value))


def _ints_attr(op: Operation, name: str) -> tuple[int, ...]:
    value = cast(OnnxOp, op).onnx_attribute(name)
    return () if value is None else tuple(cast(tuple[int, ...], value))


# ---- work per op family ---------------------------------------------------------------------

_WorkFn = Callable[[Operation], Work]


def _conv_like(weight_index: int) -> _WorkFn:
    """Conv and its integer, quantized and deformable forms: W is (Cout, Cin/group, k...)."""

    def work(op: Operation) -> Work:
        weight = _shape(_input(op, weight_index))
        out = _shape(_out(op))
        if len(weight) < 2 or len(out) < 2:
            return Work("conv", 0.0, float(_moved(op)))
        flops = 2.0 * math.prod(out) * math.prod(weight[1:])
        group = _int_attr(op, "group", 1)
        depthwise = group > 1 and weight[1] == 1
        return Work("conv_depthwise" if depthwise else "conv", flops, float(_moved(op)))

    return work


def _kernel_conv(op: Operation) -> Work:
    """`dataflow.conv`: the convolution's arithmetic; its fused post-op and addend are
    elementwise work on the output it writes anyway."""
    kernel = cast(KernelConvOp, op)
    weight = _shape(kernel.weight)
    out = _shape(kernel.output)
    flops = 2.0 * math.prod(out) * math.prod(weight[1:]) if len(weight) == 4 else 0.0
    native = kernel.kernel.data if kernel.kernel is not None else None
    if native in ("pointwise", "depthwise"):
        return Work(f"native_{native}", flops, float(_moved(op)))
    if native == "direct":  # a dense tile over the taps, as the pointwise kernel's
        return Work("native_pointwise", flops, float(_moved(op)))
    if native == "winograd":  # 16 products per 2x2 output tile where the direct one has 36
        tiles = math.prod(-(-side // 2) for side in out[2:]) * out[0]
        return Work(
            "native_pointwise",
            flops * 16 * tiles / (9 * math.prod(out[:1] + out[2:])),
            float(_moved(op)),
        )
    depthwise = kernel.group.value.data > 1 and len(weight) == 4 and weight[1] == 1
    return Work("conv_depthwise" if depthwise else "conv", flops, float(_moved(op)))


def _concat_conv(op: Operation) -> Work:
    """`dataflow.concat_conv`: the pointwise kernel's arithmetic; the ReLU of its inputs
    is a compare per value read."""
    conv = cast(ConcatConvOp, op)
    weight = _shape(conv.weight)
    flops = 2.0 * math.prod(_shape(conv.output)) * math.prod(weight[1:])
    return Work("native_pointwise", flops, float(_moved(op)))


def _kernel_pool(op: Operation) -> Work:
    """`dataflow.pool`: every output element reads its window, max or average alike; a
    subsampling is a view."""
    pool = cast(KernelPoolOp, op)
    if pool.is_subsample:
        return _view(op)  # printed as a strided view
    window = math.prod(pool.ints("kernel_shape"))
    return Work("native_pool", float(_numel(_out(op)) * window), float(_moved(op)))


def _linear(op: Operation) -> Work:
    """`dataflow.linear`: a matrix product (rows, in) x (in, out), at the "matmul" rates."""
    weight = _shape(cast(LinearOp, op).weight)
    rows = _shape(_out(op))[0]
    return Work("matmul", 2.0 * rows * math.prod(weight), float(_moved(op)))


def _conv_transpose(op: Operation) -> Work:
    # W is (Cin, Cout/group, k...): each input element meets Cout/group * prod(k) weights.
    x = _shape(_input(op, 0))
    weight = _shape(_input(op, 1))
    flops = 2.0 * math.prod(x) * math.prod(weight[1:]) if len(weight) >= 2 else 0.0
    return Work("conv", flops, float(_moved(op)))


def _causal_conv(op: Operation) -> Work:
    # A depthwise 1-D convolution over time: W is (C, 1, k).
    weight = _shape(_input(op, 1))
    kernel = weight[-1] if weight else 1
    return Work("conv_depthwise", 2.0 * _numel(_out(op)) * kernel, float(_moved(op)))


def _matmul_like(a_index: int) -> _WorkFn:
    """MatMul and its integer/quantized forms: 2 * (elements of Y) * K."""

    def work(op: Operation) -> Work:
        a = _shape(_input(op, a_index))
        k = a[-1] if a else 1
        return Work("matmul", 2.0 * _numel(_out(op)) * k, float(_moved(op)))

    return work


def _gemm(op: Operation) -> Work:
    a = _shape(_input(op, 0))
    k = 1
    if len(a) == 2:
        k = a[0] if _int_attr(op, "transA", 0) else a[1]
    y = _numel(_out(op))
    flops = 2.0 * y * k + (y if _input(op, 2) is not None else 0)
    return Work("matmul", flops, float(_moved(op)))


def _einsum(op: Operation) -> Work:
    """2 * the product of the sizes of every index letter (exact for one contraction)."""
    equation = str(cast(OnnxOp, op).onnx_attribute("equation")).replace(" ", "")
    terms = equation.split("->")[0].split(",")
    sizes: dict[str, int] = {}
    broadcast = 1
    for term, value in zip(terms, op.operands, strict=False):
        shape = _shape(value)
        if "..." in term:
            before, after = term.split("...", 1)
            middle = shape[len(before) : len(shape) - len(after)]
            broadcast = max(broadcast, math.prod(middle))
            tail = shape[len(shape) - len(after) :]
            pairs = [*zip(before, shape, strict=False), *zip(after, tail, strict=False)]
        else:
            pairs = list(zip(term, shape, strict=False))
        for letter, size in pairs:
            sizes[letter] = max(sizes.get(letter, 1), size)
    flops = 2.0 * math.prod(sizes.values()) * broadcast
    return Work("matmul", flops, float(_moved(op)))


def _attention(op: Operation) -> Work:
    """Q K^T and the product with V: 4 * (elements of Q) * (key sequence length)."""
    key = _shape(_input(op, 1))
    past = _shape(_input(op, 4))
    kv_length = (key[-2] if len(key) == 4 else key[1] if len(key) == 3 else 1) + (
        past[-2] if len(past) == 4 else 0
    )
    return Work("matmul", 4.0 * _numel(_input(op, 0)) * kv_length, float(_moved(op)))


def _linear_attention(op: Operation) -> Work:
    """A state update and a read per token: about 4 * (elements of Q) * (value width)."""
    value = _shape(_input(op, 2))
    width = value[-1] if value else 1
    return Work("matmul", 4.0 * _numel(_input(op, 0)) * width, float(_moved(op)))


def _recurrent(op: Operation) -> Work:
    """RNN, GRU, LSTM: per time step and direction, the gate products and gate math."""
    x = _shape(_input(op, 0))
    w = _shape(_input(op, 1))
    r = _shape(_input(op, 2))
    sequence, batch = 1, 1
    if len(x) == 3:
        batch, sequence = (x[0], x[1]) if _int_attr(op, "layout", 0) else (x[1], x[0])
    directions = w[0] if w else 1
    gate_rows = w[1] if len(w) >= 2 else 1
    per_step = 2.0 * batch * (math.prod(w[1:]) + math.prod(r[1:])) + 10.0 * batch * gate_rows
    return Work("recurrent", per_step * sequence * directions, float(_moved(op)))


def _max_pool(op: Operation) -> Work:
    """Every output element reads its window. F.max_pool2d computes the int64 indices
    even when the op does not return them: they are written all the same."""
    out = _numel(_out(op))
    window = math.prod(_ints_attr(op, "kernel_shape"))
    indices = 8 * out if len(op.results) < 2 else 0
    return Work("max_pool", float(out * window), float(_moved(op) + indices))


def _avg_pool(op: Operation) -> Work:
    """Every output element reads its window, plus a fixed 4 operations (its divisor and
    index arithmetic: a 7x7 average pool costs less per window element than a 2x2)."""
    out = _numel(_out(op))
    window = math.prod(_ints_attr(op, "kernel_shape"))
    return Work("avg_pool", float(out * (window + 4)), float(_moved(op)))


def _lrn(op: Operation) -> Work:
    size = _int_attr(op, "size", 1)
    return Work("lrn", float(_numel(_out(op)) * size), float(_moved(op)))


def _per_element(kind: str, flops_per_element: float) -> _WorkFn:
    """`flops_per_element` operations per output element."""

    def work(op: Operation) -> Work:
        elements = max((_numel(v) for v in op.results), default=0)
        return Work(kind, flops_per_element * elements, float(_moved(op)))

    return work


def _per_input_element(kind: str, flops_per_element: float) -> _WorkFn:
    """`flops_per_element` operations per element of the first input (reductions)."""

    def work(op: Operation) -> Work:
        elements = _numel(op.operands[0]) if op.operands else 0
        return Work(kind, flops_per_element * elements, float(_moved(op)))

    return work


def _selection(op: Operation) -> Work:
    """Ops that copy part of their first input (slices, gathers): they read what they
    write, plus their other (index) inputs."""
    written = _bytes_of(op.results)
    return Work("data_movement", 0.0, float(2 * written + _bytes_of(op.operands[1:])))


def _copy(op: Operation) -> Work:
    return Work("data_movement", 0.0, float(_moved(op)))


def _view(op: Operation) -> Work:
    return Work("view", 0.0, 0.0)


def _free(op: Operation) -> Work:
    return Work("free", 0.0, 0.0)


def _other(op: Operation) -> Work:
    return Work("other", 0.0, float(_moved(op)))


# ---- control flow -----------------------------------------------------------------------------


def _constant_int(value: SSAValue | None) -> int | None:
    """The integer an inline `onnx.Constant` gives `value`, if it does."""
    if value is None or not isinstance(value.owner, ops.ConstantOp):
        return None
    dense = value.owner.value
    if not isinstance(dense, DenseIntOrFPElementsAttr):
        return None
    values = dense.get_values()
    return values[0] if len(values) == 1 and isinstance(values[0], int) else None


def _trips(op: Operation) -> int:
    """How many times a Loop or Scan runs its body (1 when it cannot be known statically)."""
    if isinstance(op, ops.LoopOp):
        trips = _constant_int(_input(op, 0))
        return max(trips, 0) if trips is not None else 1
    if isinstance(op, ops.ScanOp):
        count = _int_attr(op, "num_scan_inputs", 0)
        scanned = list(op.operands)[len(op.operands) - count :] if count else []
        if not scanned:
            return 1
        axes = _ints_attr(op, "scan_input_axes")
        shape = _shape(scanned[0])
        axis = axes[0] if axes else 0
        return shape[axis] if -len(shape) <= axis < len(shape) else 1
    return 1


def _region_ops(op: Operation) -> list[list[Operation]]:
    return [[inner for block in region.blocks for inner in block.ops] for region in op.regions]


def _control(op: Operation) -> Work:
    """The work of the ops in the regions, times the trips (If: the larger branch)."""
    trips = _trips(op)
    flops = bytes_moved = 0.0
    for body in _region_ops(op):
        works = [op_work(inner) for inner in body]
        flops = max(flops, sum(w.flops for w in works))
        bytes_moved = max(bytes_moved, sum(w.bytes for w in works))
        if not isinstance(op, ops.IfOp):
            break
    return Work("control", flops * trips, bytes_moved * trips)


def _control_cost(op: Operation, calibration: Calibration) -> float:
    """The control line's own overhead per trip, plus its body's ops per trip (If: the
    dearer branch; a cluster or other region-holding op: all of its regions)."""
    bodies = [
        sum(analytic_cost_us(inner, calibration) for inner in body) for body in _region_ops(op)
    ]
    if isinstance(op, ops.IfOp):
        body_cost = max(bodies, default=0.0)
    else:
        body_cost = sum(bodies)
    overhead = calibration.rates_of("control").overhead_us
    return _trips(op) * (overhead + body_cost)


# ---- the table ----------------------------------------------------------------------------------

# Operations per output element of elementwise ops, relative to an add (1): eager
# PyTorch's vectorized kernels on this kind of CPU run an add at ~0.02 ns of arithmetic
# per element (the rest is memory), a sigmoid, sqrt or comparison ~16x that, exp, log,
# erf and sin ~50x, tanh, pow, atan and where ~120x. Ops not listed are 1.
_ELEMENTWISE_FLOPS: dict[type[OnnxOp], float] = {
    **dict.fromkeys(
        (
            ops.SigmoidOp,
            ops.SqrtOp,
            ops.GeluOp,
            ops.SwishOp,
            ops.SwiGLUOp,
            ops.EqualOp,
            ops.GreaterOp,
            ops.GreaterOrEqualOp,
            ops.LessOp,
            ops.LessOrEqualOp,
            ops.IsNaNOp,
            ops.IsInfOp,
            ops.SoftsignOp,
            ops.DequantizeLinearOp,
        ),
        16.0,
    ),
    **dict.fromkeys(
        (
            ops.ExpOp,
            ops.LogOp,
            ops.ErfOp,
            ops.SinOp,
            ops.CosOp,
            ops.SoftplusOp,
            ops.EluOp,
            ops.SeluOp,
            ops.CeluOp,
            ops.ModOp,
            ops.QuantizeLinearOp,
            ops.DynamicQuantizeLinearOp,
            ops.RotaryEmbeddingOp,
            ops.RandomNormalOp,
            ops.RandomNormalLikeOp,
            ops.RandomUniformOp,
            ops.RandomUniformLikeOp,
            ops.BernoulliOp,
        ),
        50.0,
    ),
    **dict.fromkeys(
        (
            ops.TanhOp,
            ops.PowOp,
            ops.AtanOp,
            ops.AsinOp,
            ops.AcosOp,
            ops.AtanhOp,
            ops.AsinhOp,
            ops.AcoshOp,
            ops.SinhOp,
            ops.CoshOp,
            ops.TanOp,
            ops.WhereOp,
            ops.MishOp,
        ),
        120.0,
    ),
}

_ELEMENTWISE = (
    ops.AbsOp,
    ops.AcosOp,
    ops.AcoshOp,
    ops.AddOp,
    ops.AndOp,
    ops.AsinOp,
    ops.AsinhOp,
    ops.AtanOp,
    ops.AtanhOp,
    ops.BernoulliOp,
    ops.BitCastOp,
    ops.BitShiftOp,
    ops.BitwiseAndOp,
    ops.BitwiseNotOp,
    ops.BitwiseOrOp,
    ops.BitwiseXorOp,
    ops.CastOp,
    ops.CastLikeOp,
    ops.CeilOp,
    ops.CeluOp,
    ops.ClipOp,
    ops.CosOp,
    ops.CoshOp,
    ops.DequantizeLinearOp,
    ops.DivOp,
    ops.DynamicQuantizeLinearOp,
    ops.EluOp,
    ops.EqualOp,
    ops.ErfOp,
    ops.ExpOp,
    ops.FloorOp,
    ops.GeluOp,
    ops.GreaterOp,
    ops.GreaterOrEqualOp,
    ops.HardSigmoidOp,
    ops.HardSwishOp,
    ops.IsInfOp,
    ops.IsNaNOp,
    ops.LeakyReluOp,
    ops.LessOp,
    ops.LessOrEqualOp,
    ops.LogOp,
    ops.MaxOp,
    ops.MeanOp,
    ops.MinOp,
    ops.MishOp,
    ops.ModOp,
    ops.MulOp,
    ops.NegOp,
    ops.NotOp,
    ops.OrOp,
    ops.PReluOp,
    ops.PowOp,
    ops.QuantizeLinearOp,
    ops.RandomNormalOp,
    ops.RandomNormalLikeOp,
    ops.RandomUniformOp,
    ops.RandomUniformLikeOp,
    ops.ReciprocalOp,
    ops.ReluOp,
    ops.RotaryEmbeddingOp,
    ops.RoundOp,
    ops.SeluOp,
    ops.ShrinkOp,
    ops.SigmoidOp,
    ops.SignOp,
    ops.SinOp,
    ops.SinhOp,
    ops.SoftplusOp,
    ops.SoftsignOp,
    ops.SqrtOp,
    ops.SubOp,
    ops.SumOp,
    ops.SwiGLUOp,
    ops.SwishOp,
    ops.TanOp,
    ops.TanhOp,
    ops.ThresholdedReluOp,
    ops.WhereOp,
    ops.XorOp,
)

# Operations per element of normalizations, on the scale of `_ELEMENTWISE_FLOPS`
# (F.instance_norm and F.group_norm run per-channel passes: ~10x a layer norm).
_NORMALIZE_FLOPS: dict[type[OnnxOp], float] = {
    ops.BatchNormalizationOp: 2.0,
    ops.InstanceNormalizationOp: 50.0,
    ops.LayerNormalizationOp: 8.0,
    ops.GroupNormalizationOp: 50.0,
    ops.RMSNormalizationOp: 6.0,
    ops.MeanVarianceNormalizationOp: 8.0,
    ops.LpNormalizationOp: 4.0,
    ops.SoftmaxOp: 12.0,
    ops.LogSoftmaxOp: 12.0,
}

_REDUCE_FLOPS: dict[type[OnnxOp], float] = {
    **dict.fromkeys(
        (
            ops.ReduceSumOp,
            ops.ReduceMeanOp,
            ops.ReduceMaxOp,
            ops.ReduceMinOp,
            ops.ReduceProdOp,
            ops.ReduceL1Op,
            ops.ReduceL2Op,
            ops.ReduceSumSquareOp,
            ops.ArgMaxOp,
            ops.ArgMinOp,
            ops.GlobalAveragePoolOp,
            ops.GlobalMaxPoolOp,
            ops.CumSumOp,
            ops.CumProdOp,
            ops.HardmaxOp,
            ops.NegativeLogLikelihoodLossOp,
        ),
        1.0,
    ),
    **dict.fromkeys(
        (
            ops.ReduceLogSumOp,
            ops.ReduceLogSumExpOp,
            ops.GlobalLpPoolOp,
            ops.SoftmaxCrossEntropyLossOp,
        ),
        10.0,
    ),
}

_SELECTIONS = (
    ops.SliceOp,
    ops.GatherOp,
    ops.GatherElementsOp,
    ops.GatherNDOp,
    ops.CompressOp,
    ops.CenterCropPadOp,
)

_COPIES = (
    ops.ConcatOp,
    ops.ConcatFromSequenceOp,
    ops.SplitOp,
    ops.SplitToSequenceOp,
    ops.PadOp,
    ops.TransposeOp,
    ops.TileOp,
    ops.DepthToSpaceOp,
    ops.SpaceToDepthOp,
    ops.ScatterOp,
    ops.ScatterElementsOp,
    ops.ScatterNDOp,
    ops.TensorScatterOp,
    ops.ReverseSequenceOp,
    ops.ResizeOp,
    ops.UpsampleOp,
    ops.Col2ImOp,
    ops.MaxUnpoolOp,
    ops.ConstantOfShapeOp,
    ops.EyeLikeOp,
    ops.RangeOp,
    ops.OneHotOp,
    ops.TriluOp,
    ops.NonZeroOp,
    ops.ShapeOp,
    ops.SizeOp,
    ops.SequenceLengthOp,
    ops.OptionalHasElementOp,
    ops.AffineGridOp,
)

# No copy in the generated code: reshapes of contiguous tensors, `expand`, inference
# Dropout, and Python-level sequence and optional bookkeeping.
_VIEWS = (
    ops.ReshapeOp,
    ops.FlattenOp,
    ops.SqueezeOp,
    ops.UnsqueezeOp,
    ops.IdentityOp,
    ops.ExpandOp,
    ops.DropoutOp,
    ops.OptionalOp,
    ops.OptionalGetElementOp,
    ops.SequenceAtOp,
    ops.SequenceConstructOp,
    ops.SequenceEmptyOp,
    ops.SequenceEraseOp,
    ops.SequenceInsertOp,
)

_CONTROL = (ops.IfOp, ops.LoopOp, ops.ScanOp, ops.SequenceMapOp)

# Left to the "other" rates by bytes moved: signal processing, detection, string ops and
# the like, whose time depends on their data more than on their shapes.
_OTHERS = (
    ops.TopKOp,
    ops.BlackmanWindowOp,
    ops.HammingWindowOp,
    ops.HannWindowOp,
    ops.MelWeightMatrixOp,
    ops.DFTOp,
    ops.STFTOp,
    ops.DetOp,
    ops.UniqueOp,
    ops.NonMaxSuppressionOp,
    ops.RoiAlignOp,
    ops.MaxRoiPoolOp,
    ops.GridSampleOp,
    ops.MultinomialOp,
    ops.TfIdfVectorizerOp,
    ops.StringConcatOp,
    ops.StringNormalizerOp,
    ops.StringSplitOp,
    ops.RegexFullMatchOp,
    ops.ImageDecoderOp,
)


def _build_table() -> dict[type[Operation], _WorkFn]:
    table: dict[type[Operation], _WorkFn] = {
        WeightOp: _free,
        ops.ConstantOp: _free,
        ops.ConvOp: _conv_like(1),
        KernelConvOp: _kernel_conv,
        ConcatConvOp: _concat_conv,
        ChannelsLastOp: _copy,
        KernelPoolOp: _kernel_pool,
        ChannelAffineOp: _per_input_element("native_affine", 2.0),
        LinearOp: _linear,
        LrnOp: _per_input_element("native_affine", 12.0),
        ops.ConvIntegerOp: _conv_like(1),
        ops.QLinearConvOp: _conv_like(3),
        ops.DeformConvOp: _conv_like(1),
        ops.ConvTransposeOp: _conv_transpose,
        ops.CausalConvWithStateOp: _causal_conv,
        ops.MatMulOp: _matmul_like(0),
        ops.MatMulIntegerOp: _matmul_like(0),
        ops.QLinearMatMulOp: _matmul_like(0),
        ops.GemmOp: _gemm,
        ops.EinsumOp: _einsum,
        ops.AttentionOp: _attention,
        ops.LinearAttentionOp: _linear_attention,
        ops.RNNOp: _recurrent,
        ops.GRUOp: _recurrent,
        ops.LSTMOp: _recurrent,
        ops.MaxPoolOp: _max_pool,
        ops.AveragePoolOp: _avg_pool,
        ops.LpPoolOp: _avg_pool,
        ops.LRNOp: _lrn,
    }
    for op_class in _ELEMENTWISE:
        table[op_class] = _per_element("elementwise", _ELEMENTWISE_FLOPS.get(op_class, 1.0))
    for op_class, flops in _NORMALIZE_FLOPS.items():
        table[op_class] = _per_input_element("normalize", flops)
    for op_class, flops in _REDUCE_FLOPS.items():
        table[op_class] = _per_input_element("reduce", flops)
    for op_class in _SELECTIONS:
        table[op_class] = _selection
    for op_class in _COPIES:
        table[op_class] = _copy
    for op_class in _VIEWS:
        table[op_class] = _view
    for op_class in _CONTROL:
        table[op_class] = _control
    for op_class in _OTHERS:
        table[op_class] = _other
    return table


_WORK: dict[type[Operation], _WorkFn] = _build_table()


def op_work(op: Operation) -> Work:
    """The kind, FLOPs and bytes moved of `op`, from its static types and attributes.

    An `onnx` op without an entry is costed as "other" by bytes moved; any other op
    with regions (a `dataflow.cluster`) as the ops it holds; any other op without
    (terminators, `func.return`) is free.
    """
    work = _WORK.get(type(op))
    if work is not None:
        return work(op)
    if isinstance(op, OnnxOp):
        return _other(op)
    if op.regions:
        return _control(op)
    return Work("free", 0.0, 0.0)
