"""The serial PyTorch printer: `onnx` IR -> a readable Python module.

The module defines `class Model(torch.nn.Module)`. Its `__init__` loads the weights
from the `.safetensors` file beside the module (or takes them as an argument) and
builds the small constants once; its `forward` checks its inputs and has one line
per op, as the op's lowering in `ramiel.ops` writes it. Variables are named after
the ONNX values, values are released after their last use, and the outputs are
returned as a tuple in graph-output order.

    class Model(torch.nn.Module):
        def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
            (x,) = rt.check_inputs(inputs, INPUTS)
            conv1 = F.conv2d(x, self.conv1_w, self.conv1_b, padding=1); del x
            relu1 = torch.relu(conv1); del conv1
            return (relu1,)
"""

from __future__ import annotations

import builtins
import keyword
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, cast

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    NameLoc,
    StringAttr,
    TensorType,
    UnrankedTensorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.traits import Pure
from xdsl.utils.target import Target

from ramiel.dialects.dataflow import (
    POINTWISE_LANES,
    WEIGHTS_FILE_ATTR,
    ChannelAffineOp,
    ChannelsLastOp,
    ClusterOp,
    ConcatConvOp,
    LinearOp,
    LrnOp,
    PoolOp,
    WeightOp,
)
from ramiel.dialects.dataflow import ConvOp as KernelConvOp
from ramiel.dialects.dataflow import YieldOp as DataflowYieldOp
from ramiel.dialects.onnx import YieldOp
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.dialects.onnx_ops import ConstantOp
from ramiel.dialects.onnx_types import OptType, SeqType
from ramiel.importer.onnx_importer import INPUT_NAMES_ATTR, OUTPUT_NAMES_ATTR
from ramiel.ops.constants import constant_value
from ramiel.ops.registry import (
    Emit,
    Multi,
    Operand,
    Unsupported,
    lowering_for,
    py_literal,
    torch_dtype,
)
from ramiel.passes.cluster import SCHEDULE_ATTR, main_function
from ramiel.passes.cost_model import given_cost
from ramiel.tools.diagnostics import RamielError

DEFAULT_WEIGHTS_FILE = "weights.safetensors"
DEFAULT_MIN_GAIN = 1.1
"""Parallel code is printed only when the schedule promises at least this speedup."""

_NATIVE_KERNELS = {
    "_depthwise": "depthwise_conv2d",
    "_pointwise": "pointwise_conv2d",
    "_pointwise_concat": "pointwise_concat_conv2d",
    "_pool": "pool2d",
    "_affine": "channel_affine",
    "_linear": "linear",
    "_direct": "direct_conv2d",
    "_lrn": "lrn",
    "_winograd": "winograd_conv2d",
}
"""The generated code's aliases of Ramiel's kernels, and the kernels' names."""

_KernelOp = (
    KernelConvOp | ConcatConvOp | ChannelsLastOp | PoolOp | ChannelAffineOp | LinearOp | LrnOp
)
"""The `dataflow` ops printed as kernel calls."""

_RESERVED = frozenset(
    {
        "torch",
        "F",
        "rt",
        "self",
        "inputs",
        "weights",
        "Path",
        "Model",
        "INPUTS",
        "WEIGHTS",
        "_",
        "ex",
        "workers",
        "threads",
        "outputs",
        "profile_ticks",
        "_clock",
        "_ticks",
        "_trace",
        "_conv",
        "_conv_add",
        "TRACE_NAMES",
    }
    | set(_NATIVE_KERNELS)
    | set(dir(builtins))
)


class Namer:
    """Legal, unique Python identifiers derived from ONNX names."""

    def __init__(self, reserved: frozenset[str] = _RESERVED) -> None:
        self.reserved = reserved
        self.taken: set[str] = set(reserved)

    def fresh(self, hint: str | None, default: str = "t") -> str:
        """A new identifier close to `hint`."""
        base = re.sub(r"\W", "_", hint or "") or default
        base = re.sub(r"_+", "_", base)
        if base[0].isdigit():
            base = f"{default}_{base}"
        if keyword.iskeyword(base) or keyword.issoftkeyword(base) or base in self.reserved:
            base += "_"
        name = base
        suffix = 1
        while name in self.taken:
            name = f"{base}_{suffix}"
            suffix += 1
        self.taken.add(name)
        return name


def node_name(op: Operation) -> str | None:
    """The ONNX node name an op was imported from, if its location records one."""
    loc = op.location
    return loc.desc.data if isinstance(loc, NameLoc) else None


@dataclass
class _Line:
    """One op's code before liveness: its statements and the values it uses."""

    op: Operation
    prelude: list[str]
    text: str
    uses: set[SSAValue] = field(default_factory=lambda: set[SSAValue]())


class _Frame:
    """A block being printed: which values the op being lowered uses."""

    def __init__(self) -> None:
        self.current: set[SSAValue] = set()


@dataclass
class _Hoisted:
    """A value built once in `__init__` as buffer `attribute`."""

    attribute: str
    expr: str
    deps: set[SSAValue]


@dataclass(frozen=True)
class InputSignature:
    """A graph input as the generated code checks it."""

    name: str
    dtype: str
    shape: tuple[int | None, ...] | None
    kind: str = "tensor"


class PythonPrinter:
    """Prints one `func.func @main` of `onnx` ops as a PyTorch module.

    When `@main` holds `dataflow.cluster`s, each cluster becomes a method and `forward`
    runs them on worker threads, unless the schedule's estimated gain (T1 / makespan) is
    below `min_gain`: then the clusters' ops are printed in order as serial code, with a
    comment saying why. `profile=True` prints serial code that records a clock tick after
    every op (`profiled_ops` lists the ops in order) for the profiling cost model.
    `trace=True` prints code (serial or parallel) that records `(worker, op index, time)`
    after every op in `self.trace_ticks` (`rt.tick`), for `ramiel.runtime.trace_spans`;
    its workers are compiled as the untraced build's are.
    """

    def __init__(
        self,
        module: ModuleOp,
        *,
        weights_file: str | None = None,
        min_gain: float = DEFAULT_MIN_GAIN,
        profile: bool = False,
        trace: bool = False,
    ) -> None:
        self.module = module
        self.trace = trace
        self.traced: list[tuple[str, str]] = []
        """With `trace`, each traced op's (name, kind), by op index."""
        self.tick_sites = 0
        """With `trace`, the `rt.tick` calls printed (each runs once per call)."""
        self.worker = 0
        """The worker whose code is being printed (for trace ticks)."""
        self.pack_threads: str | None = None
        """The intra-op threads (an expression) that the code being printed runs on, which
        oneDNN weights must be packed for; None: the threads at load time (serial code)."""
        self.min_gain = min_gain
        self.profile = profile
        self.profiled_ops: list[Operation] = []
        """With `profile`, the op of each tick, in order."""
        self.alias: dict[SSAValue, SSAValue] = {}
        """Cluster arguments and results in serial code -> the values they stand for."""
        self.weight_attributes: dict[str, str] = {}
        """Weight key -> attribute, so a weight cloned into several clusters is loaded once."""
        self.hoisted_exprs: dict[tuple[str, str | None], str] = {}
        """(expression, name) -> attribute of a value built once, shared by its copies in
        several clusters."""
        self.weights_file = weights_file or _weights_file_of(module)
        self.names = Namer()
        self.exprs: dict[SSAValue, str] = {}
        self.constants: dict[SSAValue, np.ndarray] = {}
        self.weights: dict[str, str] = {}
        """Attribute name -> weight key."""
        self.packed: dict[str, str] = {}
        """Attribute name -> expression of a weight prepared for its kernel at load time
        (packed for oneDNN, or a 1x1 weight as a matrix)."""
        self.packed_exprs: dict[str, str] = {}
        """Preparing expression -> attribute, so a weight is prepared once per kernel."""
        self.kernels: set[str] = set()
        """Module-level kernel aliases the code uses (`_conv`, `_conv_add`)."""
        self.hoisted: dict[SSAValue, _Hoisted] = {}
        """Values computed once, in `__init__`: constants and ops on constants only."""
        self.roots: set[SSAValue] = set()
        """Values that `forward` uses (so hoisted ones among them must be built)."""
        self.frames: list[_Frame] = []
        self.methods: list[list[str]] = []
        """Cluster methods of parallel code."""
        self.workers: list[str] = []
        """The worker methods of parallel code, worker 0 first (none for serial code)."""
        self.slots: dict[str, tuple[int, int]] = {}
        """Parallel code: exchanged value name -> (its slot in `self.exchange`, readers)."""

    # ---- values ---------------------------------------------------------------------

    def _operand(self, value: SSAValue) -> Operand:
        value = self.alias.get(value, value)

        def used() -> None:
            for frame in self.frames:
                frame.current.add(value)

        if value not in self.exprs:
            raise RamielError(f"value {value.name_hint or ''} is used before it is defined")
        return Operand(self.exprs[value], value.type, self.constants.get(value), used)

    def _name_value(self, value: SSAValue, default: str = "t") -> str:
        name = self.names.fresh(value.name_hint, default)
        self.exprs[value] = name
        return name

    # ---- ops ------------------------------------------------------------------------

    def _lower(self, op: Operation) -> _Line | None:
        if isinstance(op, WeightOp):
            key = op.key.data
            attribute = self.weight_attributes.get(key)
            if attribute is None:
                attribute = self.weight_attributes[key] = self.names.fresh(key, "w")
                self.weights[attribute] = key
            self.exprs[op.result] = f"self.{attribute}"
            return None
        if isinstance(op, ConstantOp):
            return self._hoist_constant(op)
        if isinstance(op, _KernelOp):
            return self._lower_kernel(op)
        if not isinstance(op, OnnxOp):
            raise RamielError(f"cannot print '{op.name}' as Python", _where(op))
        lowering = lowering_for(type(op))
        if lowering is None:
            raise RamielError(f"{op.name}: the operator is not supported yet", _where(op))
        frame = self.frames[-1]
        frame.current = set()
        flat_outputs = op.flat_outputs()
        emit = Emit(
            op,
            [None if v is None else self._operand(v) for v in op.flat_inputs()],
            [None if v is None else Operand("", v.type) for v in flat_outputs],
            subgraph=self._subgraph,
            fresh=lambda hint: self.names.fresh(hint, "f"),
        )
        try:
            lowered = lowering(emit, op)
        except Unsupported as error:
            raise RamielError(f"{op.name}: {error}", _where(op)) from None
        uses = frame.current
        frame.current = set()
        default = _snake(op.SCHEMA.name)
        if isinstance(lowered, str) and not emit.prelude and self._hoistable(op):
            self._hoist(op.results[0], lowered, uses, default)
            return None
        self.roots |= uses
        targets = [None if v is None else self._name_value(v, default) for v in flat_outputs]
        if isinstance(lowered, Multi):
            if len(targets) == 1:
                text = f"{targets[0]} = {lowered.expr}[0]"
            else:
                names = ", ".join(t or "_" for t in targets)
                text = f"{names} = {lowered.expr}"
        else:
            if len(targets) != 1 or targets[0] is None:
                raise RamielError(
                    f"{op.name}: its lowering gives one value for {len(op.results)} results",
                    _where(op),
                )
            text = f"{targets[0]} = {lowered}"
        return _Line(op, emit.prelude, text, uses)

    def _lower_kernel(self, op: _KernelOp) -> _Line:
        """The line of a `dataflow` kernel op."""
        frame = self.frames[-1]
        frame.current = set()
        if isinstance(op, ChannelsLastOp):
            expr = f"{self._operand(op.input)}.contiguous(memory_format=torch.channels_last)"
            default = "nhwc"
        elif isinstance(op, PoolOp):
            expr = self._pool_kernel(op)
            default = "pool"
        elif isinstance(op, ChannelAffineOp):
            self.kernels.add("_affine")
            relu = op.activation.data == "relu"
            x, scale, shift = (self._operand(v) for v in op.operands)
            expr = f"_affine({x}, {scale}, {shift}, {relu})"
            default = "affine"
        elif isinstance(op, ConcatConvOp):
            expr = self._concat_conv_kernel(op)
            default = "conv"
        elif isinstance(op, LinearOp):
            expr = self._linear_kernel(op)
            default = "linear"
        elif isinstance(op, LrnOp):
            self.kernels.add("_lrn")
            scalars = (op.alpha.value.data, op.beta.value.data, op.bias.value.data)
            expr = (
                f"_lrn({self._operand(op.input)}, {op.size.value.data}, "
                + ", ".join(py_literal(v) for v in scalars)
                + ")"
            )
            default = "lrn"
        else:
            expr = self._conv_kernel(op)
            default = "conv"
        uses = frame.current
        frame.current = set()
        self.roots |= uses
        target = self._name_value(op.results[0], default)
        return _Line(op, [], f"{target} = {expr}", uses)

    def _conv_kernel(self, op: KernelConvOp) -> str:
        """`_conv(x, packed weight, bias, pads, strides, dilations, group, post-op, ...)`."""
        if op.is_matmul:
            return self._matmul_kernel(op)
        if op.on_depthwise_kernel or op.on_direct_kernel:
            return self._window_kernel(op)
        if op.on_pointwise_kernel:
            return self._pointwise_kernel(op)
        if op.on_winograd_kernel:
            return self._winograd_kernel(op)
        x = self._operand(op.input)
        geometry = [list(op.ints(n)) for n in ("pads", "strides", "dilations")]
        group = op.group.value.data
        weight = self._packed_weight(op, geometry, group)
        bias = self._operand(op.bias).expr
        if not isinstance(self.alias.get(op.bias, op.bias).owner, WeightOp | ConstantOp):
            bias += ".contiguous()"  # oneDNN reads the bias densely, ignoring its strides
        scalars = list(op.scalars)
        activation = op.activation.data
        conv_args = f"{weight}, {bias}, {', '.join(map(str, geometry))}, {group}"
        if op.addend is None:
            self.kernels.add("_conv")
            return f"_conv({x}, {conv_args}, {activation!r}, {scalars}, '')"
        self.kernels.add("_conv_add")
        unary = "None" if activation == "none" else repr(activation)
        addend = self._operand(op.addend)
        return f"_conv_add({x}, {addend}, {conv_args}, 'add', 1.0, {unary}, {scalars}, '')"

    def _matmul_kernel(self, op: KernelConvOp) -> str:
        """A 1x1 convolution as `addmm` of the pixels (rows, channels-last) by the weight
        matrix, viewed back as NCHW with channels-last strides; then the addend and the
        activation, in place on the fresh result."""
        n, cin, h, w = cast(TensorType[Attribute], op.input.type).get_shape()
        cout = op.output.type.get_shape()[1]
        x = self._operand(op.input)
        matrix = self._weight_matrix(op)
        bias = self._operand(op.bias).expr
        expr = (
            f"torch.addmm({bias}, {x}.permute(0, 2, 3, 1).reshape({n * h * w}, {cin}), "
            f"{matrix}).view({n}, {h}, {w}, {cout}).permute(0, 3, 1, 2)"
        )
        if op.addend is not None:
            expr += f".add_({self._operand(op.addend)})"
        activation = op.activation.data
        scalars = op.scalars
        if activation in ("relu", "sigmoid", "tanh"):
            expr += f".{activation}_()"
        elif activation == "hardtanh":
            expr += f".clamp_({scalars[0]!r}, {scalars[1]!r})"
        elif activation == "leaky_relu":
            expr = f"F.leaky_relu({expr}, {scalars[0]!r}, inplace=True)"
        return expr

    def _pointwise_kernel(self, op: KernelConvOp) -> str:
        """`_pointwise(x, matrix, bias, addend, relu)`: Ramiel's 1x1 convolution kernel, on
        the weight as a (in channels, out channels) matrix."""
        matrix = self._weight_matrix(op, POINTWISE_LANES)
        bias = self._operand(op.bias).expr
        addend = "None" if op.addend is None else self._operand(op.addend).expr
        relu = op.activation.data == "relu"
        self.kernels.add("_pointwise")
        return f"_pointwise({self._operand(op.input)}, {matrix}, {bias}, {addend}, {relu})"

    def _winograd_kernel(self, op: KernelConvOp) -> str:
        """`_winograd(x, weight, bias, pads, addend, relu)`: Ramiel's 3x3 convolution kernel,
        on the weight transformed for Winograd's F(2x2, 3x3) at load time."""
        weight = self._prepared_weight(op, lambda w: f"rt.winograd_weights({w})", "winograd", True)
        bias = self._operand(op.bias).expr
        addend = "None" if op.addend is None else self._operand(op.addend).expr
        relu = op.activation.data == "relu"
        pads = list(op.ints("pads"))
        self.kernels.add("_winograd")
        return f"_winograd({self._operand(op.input)}, {weight}, {bias}, {pads}, {addend}, {relu})"

    def _concat_conv_kernel(self, op: ConcatConvOp) -> str:
        """`_pointwise_concat([x0, x1, ...], matrix, bias, input_relu, relu)`: Ramiel's 1x1
        convolution kernel reading the parts of the concatenation it replaces."""
        matrix = self._weight_matrix(op, POINTWISE_LANES)
        bias = self._operand(op.bias).expr
        parts = ", ".join(self._operand(v).expr for v in op.inputs)
        input_relu = op.input_activation.data == "relu"
        relu = op.activation.data == "relu"
        self.kernels.add("_pointwise_concat")
        return f"_pointwise_concat([{parts}], {matrix}, {bias}, {input_relu}, {relu})"

    def _linear_kernel(self, op: LinearOp) -> str:
        """`_linear(x, blocks, bias, out features, relu)`: Ramiel's fully connected kernel,
        on the weight in column blocks made at load time."""
        blocks = self._prepared_weight(op, lambda w: f"rt.linear_blocks({w})", "blocks", True)
        bias = "None" if op.bias is None else self._operand(op.bias).expr
        features = op.output.type.get_shape()[1]
        relu = op.activation.data == "relu"
        self.kernels.add("_linear")
        return f"_linear({self._operand(op.input)}, {blocks}, {bias}, {features}, {relu})"

    def _window_kernel(self, op: KernelConvOp) -> str:
        """`_depthwise(x, taps, bias, kernel, strides, pads, dilations, relu)` (or
        `_direct(...)`): Ramiel's depthwise (or direct) kernel, on the weight laid out
        taps-major at load time."""
        kernel = list(cast(TensorType[Attribute], op.weight.type).get_shape()[2:])
        geometry = [list(op.ints(n)) for n in ("strides", "pads", "dilations")]
        taps = self._prepared_weight(op, lambda w: f"rt.depthwise_taps({w})", "taps", True)
        bias = self._operand(op.bias).expr
        if not isinstance(self.alias.get(op.bias, op.bias).owner, WeightOp | ConstantOp):
            bias += ".contiguous()"
        alias = "_direct" if op.on_direct_kernel else "_depthwise"
        self.kernels.add(alias)
        relu = op.activation.data == "relu"
        return f"{alias}({self._operand(op.input)}, {taps}, {bias}, {kernel}, " + (
            f"{', '.join(map(str, geometry))}, {relu})"
        )

    def _pool_kernel(self, op: PoolOp) -> str:
        """`_pool(x, kernel, strides, pads, dilations, output size, average, count pads[,
        addend])`: Ramiel's pooling kernel; a subsampling (`PoolOp.is_subsample`) is the
        view `x[:, :, ::sh, ::sw]` instead (`x` itself at stride 1)."""
        if op.is_subsample:
            sh, sw = op.ints("strides")
            x = str(self._operand(op.input))
            return x if (sh, sw) == (1, 1) else f"{x}[:, :, ::{sh}, ::{sw}]"
        self.kernels.add("_pool")
        geometry = [list(op.ints(n)) for n in ("kernel_shape", "strides", "pads", "dilations")]
        size = list(op.output.type.get_shape()[2:])
        average = op.mode.data == "average"
        include_pad = op.count_include_pad is not None
        addend = "" if op.addend is None else f", {self._operand(op.addend)}"
        return f"_pool({self._operand(op.input)}, {', '.join(map(str, geometry))}, " + (
            f"{size}, {average}, {include_pad}{addend})"
        )

    def _weight_matrix(self, op: KernelConvOp | ConcatConvOp, lanes: int = 1) -> str:
        """`op`'s 1x1 weight as a (in channels, out channels) matrix, its columns padded to
        a multiple of `lanes`: an attribute made at load time for a constant weight, else
        computed in place."""
        channels = cast(TensorType[Attribute], op.weight.type).get_shape()[0]
        extra = f", {lanes}" if channels % lanes else ""
        return self._prepared_weight(op, lambda w: f"rt.conv1x1_matrix({w}{extra})", "matrix", True)

    def _packed_weight(self, op: KernelConvOp, geometry: list[list[int]], group: int) -> str:
        """The attribute holding `op`'s weight in oneDNN's layout for this convolution,
        packed at load time for the threads it runs on; the plain weight when it is not a
        constant."""
        shape = list(cast(TensorType[Attribute], op.input.type).get_shape())
        extra = [*map(str, geometry), str(group), str(shape)]
        if self.pack_threads is not None:
            extra.append(f"threads={self.pack_threads}")
        return self._prepared_weight(
            op, lambda w: f"rt.pack_conv_weight({', '.join([w, *extra])})", "packed", False
        )

    def _prepared_weight(
        self,
        op: KernelConvOp | ConcatConvOp | LinearOp,
        prepare: Callable[[str], str],
        suffix: str,
        inline: bool,
    ) -> str:
        """`prepare(weight)` as an attribute built once at load time (`<hint>_<suffix>`)
        when `op`'s weight is a constant; otherwise `prepare` applied in place (`inline`)
        or the plain weight."""
        owner = self.alias.get(op.weight, op.weight).owner
        if isinstance(owner, WeightOp):
            source = f"weights[{owner.key.data!r}]"
            hint = self.exprs[owner.result].removeprefix("self.")
        else:
            source = self._operand(op.weight).expr
            if not source.startswith("self."):
                return prepare(source) if inline else source
            hint = source.removeprefix("self.")
        expr = prepare(source)
        attribute = self.packed_exprs.get(expr)
        if attribute is None:
            attribute = self.packed_exprs[expr] = self.names.fresh(f"{hint}_{suffix}", "w")
            self.packed[attribute] = expr
        return f"self.{attribute}"

    def _hoistable(self, op: OnnxOp) -> bool:
        """Whether `op` computes a constant tensor from constants: build it once, at load time."""
        return (
            len(op.results) == 1
            and isinstance(op.results[0].type, TensorType)
            and not op.regions
            and op.has_trait(Pure)
            and all(self.exprs[self.alias.get(v, v)].startswith("self.") for v in op.operands)
        )

    def _hoist(self, value: SSAValue, expr: str, deps: set[SSAValue], default: str) -> None:
        key = (expr, value.name_hint)
        attribute = self.hoisted_exprs.get(key)
        if attribute is None:
            attribute = self.names.fresh(value.name_hint, default)
            self.hoisted_exprs[key] = attribute
        self.hoisted[value] = _Hoisted(attribute, expr, deps)
        self.exprs[value] = f"self.{attribute}"

    def _hoist_constant(self, op: ConstantOp) -> None:
        value = op.output
        lowering = lowering_for(ConstantOp)
        assert lowering is not None
        emit = Emit(op, [], [Operand("", value.type)])
        try:
            expr = lowering(emit, op)
        except Unsupported as error:
            raise RamielError(f"{op.name}: {error}", _where(op)) from None
        self._hoist(value, cast(str, expr), set(), "c")
        array = constant_value(op)
        if array is not None:
            self.constants[value] = array
        return None

    # ---- blocks ---------------------------------------------------------------------

    def _block_lines(self, block: Block, outputs: Sequence[SSAValue]) -> list[str]:
        """The statements of a block: one line per op, frees after last uses."""
        ops = [op for op in block.ops if not _is_terminator(op)]
        return self._emit(self._lower_all(ops), set(block.args), outputs)

    def _lower_all(self, ops: Sequence[Operation]) -> list[_Line]:
        self.frames.append(_Frame())
        lines: list[_Line] = []
        try:
            for op in ops:
                line = self._lower(op)
                if line is not None:
                    lines.append(line)
        finally:
            self.frames.pop()
        return lines

    def _emit(
        self,
        lines: Sequence[_Line],
        defined: set[SSAValue],
        outputs: Sequence[SSAValue],
        fetch: dict[SSAValue, str] | None = None,
        publish: dict[SSAValue, str] | None = None,
    ) -> list[str]:
        """Lines as text, each value deleted after its last use; values in `fetch` are
        taken from the exchange (by name) before their first use, values in `publish` sent
        right after their definition."""
        fetch = fetch or {}
        publish = publish or {}
        args = defined
        defined = set(defined)
        for line in lines:
            defined.update(line.op.results)
        keep = {self.alias.get(v, v) for v in outputs}
        last_use: dict[SSAValue, int] = {}
        for index, line in enumerate(lines):
            for value in line.uses:
                if value in defined:
                    last_use[value] = index
        freed: dict[int, list[str]] = {}
        for value, index in last_use.items():
            name = self.exprs[value]
            if value not in keep and not name.startswith("self."):
                freed.setdefault(index, []).append(name)
        out: list[str] = []
        fetched: set[SSAValue] = set()
        for value, key in publish.items():
            if value not in defined or value in args:  # not computed here: send it first
                out.append(self._send(key, self.exprs[value]))
        tick = self.trace and self.frames == []
        for index, line in enumerate(lines):
            waits = sorted(line.uses & fetch.keys() - fetched, key=lambda v: fetch[v])
            for value in waits:
                fetched.add(value)
                out.append(f"{self.exprs[value]} = {self._receive(fetch[value])}")
            if waits and tick:
                out.append(self._tick(-1))
            out.extend(line.prelude)
            text = line.text
            names = sorted(set(freed.get(index, [])), key=_natural)
            if names:
                text += f"; del {', '.join(names)}"
            if self.profile and self.frames == []:
                text += "; _ticks.append(_clock())"
                self.profiled_ops.append(line.op)
            label = node_name(line.op)
            if tick:
                results = line.op.results
                name = label or (self.exprs.get(results[0], "") if results else "")
                text += f"; {self._tick(len(self.traced))}"
                self.traced.append((name or line.op.name, op_kind(line.op)))
            out.append(text + self._label_comment(line.op))
            for result in line.op.results:
                if result in publish:
                    out.append(self._send(publish[result], self.exprs[result]))
        return out

    def _tick(self, index: int) -> str:
        """A trace tick of the current worker: op `index` ended (-1: a wait began or ended)."""
        self.tick_sites += 1
        return f"rt.tick(_trace, {self.worker}, {index})"

    def _send(self, key: str, expr: str) -> str:
        return f"rt.send(ex, {self.slots[key][0]}, {expr})"

    def _receive(self, key: str) -> str:
        """A wait for value `key`; its only reader takes it (the exchange lets go of it)."""
        slot, reads = self.slots[key]
        return f"rt.{'take' if reads == 1 else 'receive'}(ex, {slot})"

    def _label_comment(self, op: Operation) -> str:
        """`  # <ONNX node name>` when the op's result is named otherwise, else nothing."""
        label = node_name(op)
        if label and label not in {self.exprs.get(r) for r in op.results}:
            return f"  # {label}"
        return ""

    def _subgraph(self, region: Region, hint: str) -> tuple[str, list[str]]:
        block = region.block
        name = self.names.fresh(hint, "f")
        params = [self._name_value(arg, "a") for arg in block.args]
        terminator = block.last_op
        if not isinstance(terminator, YieldOp):
            raise RamielError(f"subgraph '{hint}' does not end in onnx.Yield")
        body = self._block_lines(block, list(terminator.values))
        self.roots.update(terminator.values)
        results = [self._operand(v).expr for v in terminator.values]
        frame_lines = [f"def {name}({', '.join(params)}):"]
        frame_lines += [f"    {line}" for line in body]
        frame_lines.append(f"    return {_tuple(results)}")
        return name, frame_lines

    # ---- clusters -------------------------------------------------------------------

    def _serial_reason(self, main: func.FuncOp, clusters: Sequence[ClusterOp]) -> str | None:
        """Why the clusters are printed as serial code, or None to print them in parallel."""
        workers = {c.worker_index for c in clusters}
        if len(workers) < 2:
            return "Serial: the schedule uses one worker."
        record = main.attributes.get(SCHEDULE_ATTR)
        if not isinstance(record, DictionaryAttr):
            return None
        work = _float_entry(record, "t1_us")
        makespan = _float_entry(record, "makespan_us")
        if work is None or makespan is None or makespan <= 0:
            return None
        serial = _float_entry(record, "serial_us")
        threads = _float_entry(record, "threads")
        if serial is not None and threads is not None:
            gain = serial / makespan
            if gain >= self.min_gain:
                return None
            return (
                f"Serial: every op on {threads:.0f} intra-op threads (estimated {serial:,.0f} "
                f"us) is within {self.min_gain:.2f}x of {len(workers)} workers (makespan "
                f"{makespan:,.0f} us), so the ops run in order."
            )
        gain = work / makespan
        if gain >= self.min_gain:
            return None
        return (
            f"Serial: on {len(workers)} workers the schedule's estimated gain is {gain:.2f}x "
            f"(T1 {work:,.0f} us, makespan {makespan:,.0f} us), below the {self.min_gain:.2f}x "
            "that pays for running clusters on threads."
        )

    def _scripted_serial(self, clusters: Sequence[ClusterOp]) -> bool:
        """Whether serial code chosen over several workers runs as one TorchScript-compiled
        worker method: it does where nothing asks for per-op ticks, saving the Python
        interpreter's time per op (ResNet-50 on two threads: 39.5 ms against 40.3)."""
        several = len({c.worker_index for c in clusters}) > 1
        return several and not self.profile and not self.trace

    def _serial_worker(
        self, block: Block, outputs: Sequence[SSAValue], reason: str
    ) -> tuple[list[str], list[str]]:
        """`forward`'s body and results for serial code run by one worker (`Workers` with
        a single entry: the calling thread, all the cores as intra-op threads, TorchScript
        where it compiles): the ops in order in method `_worker_0`."""
        self.worker = 0
        args = list(block.args)
        lines = self._lower_all(self._serial_ops(block))
        method = self.names.fresh("_worker_0")
        self.workers.append(method)
        unpack = [f"    {self.exprs[a]} = inputs[{i}]" for i, a in enumerate(args)]
        text = self._emit(lines, set(args), outputs)
        self.roots.update(self.alias.get(v, v) for v in outputs)
        returned = [self._operand(v).expr for v in outputs]
        self.methods.append(
            [
                f"def {method}(self, inputs: list[torch.Tensor]) -> list[torch.Tensor]:",
                '    """Every op in order, on the calling thread."""',
                *[f"    # {line}" for line in textwrap.wrap(reason, 88)],
                *unpack,
                *[f"    {line}" for line in text],
                f"    return [{', '.join(returned)}]",
            ]
        )
        # forward's own scope: the method's names for its results where they are names
        names = [
            e if e.isidentifier() and e not in returned[:i] else self.names.fresh(f"output_{i}")
            for i, e in enumerate(returned)
        ]
        run = f"self.workers.run([{', '.join(self.exprs[a] for a in args)}])"
        return [f"{_unpack(names)} = {run}" if names else run], names

    def _serial_ops(self, block: Block) -> list[Operation]:
        """`block`'s ops with every cluster's body inlined, in order."""
        ops: list[Operation] = []
        for op in block.ops:
            if isinstance(op, ClusterOp):
                for arg, outer in zip(op.block.args, op.inputs, strict=True):
                    self.alias[arg] = self.alias.get(outer, outer)
                terminator = op.block.last_op
                assert isinstance(terminator, DataflowYieldOp)
                for result, inner in zip(op.outputs, terminator.values, strict=True):
                    self.alias[result] = self.alias.get(inner, inner)
                ops.extend(o for o in op.block.ops if o is not terminator)
            elif not _is_terminator(op):
                ops.append(op)
        return ops

    def _parallel_forward(
        self, block: Block, clusters: Sequence[ClusterOp], outputs: Sequence[SSAValue]
    ) -> tuple[list[str], list[str]]:
        """`forward`'s body and results when the clusters run on workers; one method each."""
        readers: dict[SSAValue, int] = {}
        for cluster in clusters:
            for value in set(cluster.inputs):
                readers[value] = readers.get(value, 0) + 1
        for value in outputs:  # an output returned twice is read twice
            if isinstance(value.owner, ClusterOp):
                readers[value] = readers.get(value, 0) + 1
        for op in block.ops:
            if not isinstance(op, ClusterOp) and not _is_terminator(op) and self._lower_all([op]):
                raise RamielError(
                    f"{op.name} runs outside every dataflow.cluster of a clustered @main",
                    _where(op),
                )
        inputs = [arg for arg in block.args if readers.get(arg)]
        for arg in inputs:
            self.slots[self.exprs[arg]] = (len(self.slots) + 1, readers[arg])
        chains: dict[int, list[str]] = {}
        share = f"rt.threads_per_worker({len({c.worker_index for c in clusters})})"
        for index, cluster in enumerate(clusters):
            threads = cluster.thread_count
            self.pack_threads = str(threads) if threads > 1 else share
            method = self.names.fresh(f"_cluster_{index}")
            chains.setdefault(cluster.worker_index, []).append(method)
            self.methods.append(self._cluster_method(method, cluster, readers))
        self.pack_threads = None
        from_clusters = [v for v in outputs if isinstance(v.owner, ClusterOp)]
        for worker, (_, chain) in enumerate(sorted(chains.items())):
            method = self.names.fresh(f"_worker_{worker}")
            self.workers.append(method)
            calls = [f"    self.{name}()" for name in chain]
            if worker:
                doc = f'    """Worker {worker}: runs its clusters in order."""'
                self.methods.append([f"def {method}(self) -> None:", doc, *calls])
                continue
            sends = [
                f"    {self._send(self.exprs[a], f'inputs[{i}]')}" for i, a in enumerate(inputs)
            ]
            taken = ", ".join(
                f"rt.receive(ex, {self.slots[self.exprs[v]][0]})" for v in from_clusters
            )
            self.methods.append(
                [
                    f"def {method}(self, inputs: list[torch.Tensor]) -> list[torch.Tensor]:",
                    '    """Worker 0, on the calling thread: sends the inputs, runs its clusters,',
                    '    waits for the outputs."""',
                    "    ex = self.exchange",
                    *sends,
                    *calls,
                    f"    outputs = [{taken}]",
                    "    rt.clear(ex)",
                    "    return outputs",
                ]
            )
        body = ["rt.reset_ticks(self.trace_ticks)"] if self.trace else []
        names = [self.exprs[v] for v in from_clusters]  # forward's own scope
        run = f"self.workers.run([{', '.join(self.exprs[a] for a in inputs)}])"
        body.append(f"{_unpack(names)} = {run}" if names else run)
        results: list[str] = []
        for value in outputs:
            if isinstance(value.owner, ClusterOp):
                results.append(names[from_clusters.index(value)])
            else:
                self.roots.add(value)
                results.append(self._operand(value).expr)
        return body, results

    def _cluster_method(
        self, method: str, cluster: ClusterOp, readers: dict[SSAValue, int]
    ) -> list[str]:
        fetch: dict[SSAValue, str] = {}  # value -> its name in the exchange
        for arg, outer in zip(cluster.block.args, cluster.inputs, strict=True):
            expr = self.exprs[outer]
            self.exprs[arg] = expr
            if not expr.startswith("self."):
                fetch[arg] = expr
        terminator = cluster.block.last_op
        assert isinstance(terminator, DataflowYieldOp)
        ops = [op for op in cluster.block.ops if op is not terminator]
        self.worker = cluster.worker_index
        lines = self._lower_all(ops)
        publish: dict[SSAValue, str] = {}
        for inner, result in zip(terminator.values, cluster.outputs, strict=True):
            self.exprs[result] = self.exprs[inner]
            key = self.exprs[inner]
            if readers.get(result) and not key.startswith("self."):
                if key in self.slots:
                    raise RamielError(f"value '{key}' leaves two clusters", _where(cluster))
                self.slots[key] = (len(self.slots) + 1, readers[result])
                publish[inner] = key
        for line in lines:
            self.roots |= line.uses
        self.roots.update(terminator.values)
        text = [
            "ex = self.exchange",
            *self._emit(lines, set(cluster.block.args), [], fetch, publish),
        ]
        if self.trace:
            text.insert(0, self._tick(-1))
            text.insert(0, "_trace = self.trace_ticks")
        cost = given_cost(cluster)
        about = f", about {cost:,.0f} us" if cost is not None else ""
        count = f"{len(lines)} op" + ("" if len(lines) == 1 else "s")
        doc = f"Worker {cluster.worker_index}: {count}{about}."
        threads = cluster.thread_count
        if threads > 1:
            # The other workers are idle meanwhile (as scheduled): use their cores too.
            doc = doc[:-1] + f", on {threads} intra-op threads."
            text = [
                f"threads = rt.set_intra_op_threads({threads})",
                *text,
                "rt.set_intra_op_threads(threads)",
            ]
        return [
            f"def {method}(self) -> None:",
            f'    """{doc}"""',
            *[f"    {line}" for line in text],
        ]

    def _needed_hoisted(self) -> set[SSAValue]:
        """The hoisted values that `forward` needs, directly or through other hoisted ones."""
        needed: set[SSAValue] = set()
        stack = [v for v in self.roots if v in self.hoisted]
        while stack:
            value = stack.pop()
            if value not in needed:
                needed.add(value)
                stack.extend(d for d in self.hoisted[value].deps if d in self.hoisted)
        return needed

    # ---- module ---------------------------------------------------------------------

    def _main_signature(self) -> tuple[func.FuncOp, list[str], list[InputSignature]]:
        """`@main`, with its arguments named: the parameter names and input signatures."""
        main = main_function(self.module)
        block = main.body.block
        input_names = _string_list(main.attributes.get(INPUT_NAMES_ATTR))
        params: list[str] = []
        signatures: list[InputSignature] = []
        for index, arg in enumerate(block.args):
            fallback = arg.name_hint or f"input_{index}"
            onnx_name = input_names[index] if index < len(input_names) else fallback
            name = self.names.fresh(arg.name_hint or onnx_name, "x")
            self.exprs[arg] = name
            params.append(name)
            signatures.append(_signature(onnx_name, arg.type))
        if not isinstance(block.last_op, func.ReturnOp):
            raise RamielError("@main does not end in func.return")
        return main, params, signatures

    def print_module(self) -> str:
        """The generated Python module's source."""
        main, params, signatures = self._main_signature()
        block = main.body.block
        output_names = _string_list(main.attributes.get(OUTPUT_NAMES_ATTR))
        terminator = block.last_op
        assert isinstance(terminator, func.ReturnOp)
        outputs = list(terminator.arguments)
        clusters = [op for op in block.ops if isinstance(op, ClusterOp)]
        reason = self._serial_reason(main, clusters) if clusters else None
        if clusters and reason is None:
            body, results = self._parallel_forward(block, clusters, outputs)
        elif reason is not None and self._scripted_serial(clusters):
            body, results = self._serial_worker(block, outputs, reason)
        else:
            body = [f"# {line}" for line in textwrap.wrap(reason or "", 92)]
            if self.profile:
                body.append("_clock = rt.perf_counter; _ticks = self.profile_ticks = [_clock()]")
            if self.trace:
                body.append("_trace = self.trace_ticks")
                body.append("rt.reset_ticks(_trace)")
                body.append(self._tick(-1))
            self.worker = 0
            lines = self._lower_all(self._serial_ops(block))
            body += self._emit(lines, set(block.args), outputs)
            self.roots.update(self.alias.get(v, v) for v in outputs)
            results = [self._operand(v).expr for v in outputs]
        return self._module_text(params, signatures, body, results, output_names)

    def _preamble(
        self,
        signatures: list[InputSignature],
        output_names: list[str],
        *,
        title: str = "PyTorch code generated by Ramiel from an ONNX model.",
        abc_imports: str = "Mapping",
    ) -> list[str]:
        """The module docstring, imports, `INPUTS` and `WEIGHTS` (and `TRACE_NAMES`)."""
        w: list[str] = [
            f'"""{title}',
            "",
            f"Inputs: {', '.join(s.name for s in signatures) or 'none'}.",
            f"Outputs: {', '.join(output_names) or 'none'}.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            f"from collections.abc import {abc_imports}",
            "from pathlib import Path",
            "",
            "import torch",
            "import torch.nn.functional as F",
            "",
            "from ramiel import runtime as rt",
            "",
        ]
        if self.kernels - set(_NATIVE_KERNELS):
            w.append("# oneDNN convolutions with fused post-ops, on weights packed at load time")
            if "_conv" in self.kernels:
                w.append("_conv = torch.ops.mkldnn._convolution_pointwise")
            if "_conv_add" in self.kernels:
                # The overload packet (its binary overload, picked by the arguments):
                # TorchScript cannot call an overload object held in a global.
                w.append("_conv_add = torch.ops.mkldnn._convolution_pointwise  # .binary")
            w.append("")
        if self.kernels & set(_NATIVE_KERNELS):
            w.append("# Ramiel's kernels (ramiel.kernels, built for this machine)")
            for alias, name in _NATIVE_KERNELS.items():
                if alias in self.kernels:
                    w.append(f'{alias} = rt.native_op("{name}")')
            w.append("")
        w += [
            "INPUTS = (",
        ]
        for s in signatures:
            kind = "" if s.kind == "tensor" else f", kind={s.kind!r}"
            w.append(f"    rt.InputSpec({s.name!r}, {s.dtype}, {py_literal(s.shape)}{kind}),")
        w.append(")")
        w.append("")
        needed = self._needed_hoisted()
        used = self.roots | {d for v in needed for d in self.hoisted[v].deps}
        attributes = {self.exprs[v].removeprefix("self.") for v in used if v in self.exprs}
        w.append("WEIGHTS = {  # attribute: key in the weights file")
        for attribute, key in self.weights.items():
            if attribute in attributes:
                w.append(f"    {attribute!r}: {key!r},")
        w.append("}")
        if self.trace:
            w.append("")
            w.append("TRACE_NAMES = (  # (name, kind) of each traced op, by op index")
            w += [f"    {entry!r}," for entry in self.traced]
            w.append(")")
        return w

    def _loading_lines(self) -> list[str]:
        """`__init__` lines that load the weights and build the load-time constants."""
        w: list[str] = [
            "        if weights is None:",
            f"            path = Path(__file__).with_name({self.weights_file!r})",
            "            weights = rt.load_weights(path)",
            "        for attribute, key in WEIGHTS.items():",
            "            self.register_buffer(attribute, weights[key])",
        ]
        needed = self._needed_hoisted()
        built: set[str] = set()
        for value, hoisted in self.hoisted.items():
            if value in needed and hoisted.attribute not in built:
                built.add(hoisted.attribute)
                w.append(f"        self.register_buffer({hoisted.attribute!r}, {hoisted.expr})")
        return w

    def _module_text(
        self,
        params: list[str],
        signatures: list[InputSignature],
        body: list[str],
        results: list[str],
        output_names: list[str],
    ) -> str:
        w = self._preamble(signatures, output_names)
        w += [
            "",
            "",
            "class Model(torch.nn.Module):",
            '    """The ONNX graph as a module; `forward` returns the outputs as a tuple."""',
            "",
            "    def __init__(self, weights: Mapping[str, torch.Tensor] | None = None) -> None:",
            "        super().__init__()",
            "        rt.tune_malloc()  # keep freed activations for the next call",
        ]
        w += self._loading_lines()
        if self.packed:
            w.append(
                "        # Kernel weights made at load time (oneDNN's opaque packed tensors, 1x1"
            )
            w.append("        # weight matrices, taps, column blocks): plain attributes, not")
            w.append("        # state_dict buffers.")
        for attribute, expr in self.packed.items():
            w.append(f"        self.{attribute} = {expr}")
        if self.trace:  # before the workers: TorchScript copies attributes
            w.append("        self.trace_names = TRACE_NAMES")
            w.append(f"        self.trace_ticks = rt.tick_buffer({self.tick_sites})")
        if self.workers:
            w.append(f"        self.exchange = rt.Exchange({len(self.slots)})")
            entries = _tuple([repr(m) for m in self.workers])
            w.append(f"        self.workers = rt.Workers(self, {entries})")
        for method in self.methods:
            w.append("")
            w += [f"    {line}" for line in method]
        w += [
            "",
            "    def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:",
            f"        {_unpack(params)} = rt.check_inputs(inputs, INPUTS)",
        ]
        w += [f"        {line}" for line in body]
        if self.profile:
            w.append("        _ticks.append(_clock())")
        w.append(f"        return {_tuple(results)}")
        return "\n".join(w) + "\n"


def op_kind(op: Operation) -> str:
    """An op's type as traces and graphs show it: the ONNX operator (`Conv`), what a fused
    kernel computes (`Conv+Relu`), else the op name."""
    if isinstance(op, OnnxOp):
        return op.SCHEMA.name
    if isinstance(op, KernelConvOp | ConcatConvOp | PoolOp | ChannelAffineOp | LinearOp | LrnOp):
        return op.kind
    return op.name


def _natural(name: str) -> tuple[str, int]:
    match = re.match(r"(.*?)(\d*)$", name)
    assert match is not None
    return match.group(1), int(match.group(2) or -1)


def _snake(name: str) -> str:
    """`BatchNormalization` -> `batch_normalization`: the default name of an op's result."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _is_terminator(op: Operation) -> bool:
    return isinstance(op, func.ReturnOp | YieldOp | DataflowYieldOp)


def _float_entry(record: DictionaryAttr, key: str) -> float | None:
    entry = record.data.get(key)
    if isinstance(entry, FloatAttr | IntegerAttr):
        return float(entry.value.data)
    return None


def _tuple(items: Sequence[str]) -> str:
    if len(items) == 1:
        return f"({items[0]},)"
    return f"({', '.join(items)})"


def _unpack(names: Sequence[str]) -> str:
    if not names:
        return "()"
    return _tuple(names) if len(names) == 1 else ", ".join(names)


def _where(op: Operation) -> str:
    name = node_name(op)
    return f"node '{name}'" if name else ""


def _string_list(attr: Attribute | None) -> list[str]:
    if not isinstance(attr, ArrayAttr):
        return []
    return [a.data for a in cast(ArrayAttr[Attribute], attr).data if isinstance(a, StringAttr)]


def _signature(name: str, value_type: Attribute) -> InputSignature:
    if isinstance(value_type, TensorType):
        shaped = cast(TensorType[Attribute], value_type)
        try:
            dtype = torch_dtype(shaped.element_type)
        except Unsupported as error:
            raise RamielError(f"input '{name}': {error}") from None
        shape = tuple(None if d < 0 else d for d in shaped.get_shape())
        return InputSignature(name, dtype, shape)
    if isinstance(value_type, UnrankedTensorType):
        element = cast(UnrankedTensorType[Attribute], value_type).element_type
        return InputSignature(name, torch_dtype(element), None)
    if isinstance(value_type, SeqType | OptType):
        inner = _signature(name, value_type.element_type)
        kind = "sequence" if isinstance(value_type, SeqType) else "optional"
        return InputSignature(name, inner.dtype, inner.shape, kind)
    raise RamielError(f"input '{name}': type {value_type} is not supported")


def _weights_file_of(module: ModuleOp) -> str:
    attr = module.attributes.get(WEIGHTS_FILE_ATTR)
    return attr.data if isinstance(attr, StringAttr) else DEFAULT_WEIGHTS_FILE


def print_python(
    module: ModuleOp,
    *,
    weights_file: str | None = None,
    min_gain: float = DEFAULT_MIN_GAIN,
    trace: bool = False,
) -> str:
    """The PyTorch module printed from `module` (see `PythonPrinter`)."""
    printer = PythonPrinter(module, weights_file=weights_file, min_gain=min_gain, trace=trace)
    return printer.print_module()


@dataclass(frozen=True)
class PythonTarget(Target):
    """`ramiel-opt -t python`: print the module as PyTorch code (`-t 'python{trace=true}'`:
    code that records when each op ends, see `PythonPrinter`)."""

    name = "python"

    trace: bool = False

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        del ctx
        output.write(print_python(module, trace=self.trace))
