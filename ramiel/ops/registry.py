"""The table of op semantics: one lowering per `onnx` op class.

A lowering turns one `onnx` op into one Python expression over PyTorch (and, for the
few ops PyTorch has no call for, a `ramiel.runtime` helper). The printer writes that
expression as the op's line of generated code; the constant folder evaluates the same
expression on constant operands (`evaluate`). So each op's meaning is written down in
exactly one place.

A lowering is registered for an op class:

    @lowers(ReluOp)
    def relu(e: Emit, op: ReluOp) -> str:
        return f"torch.relu({e.arg(0)})"

and returns either a `str`, the expression of the op's one output, or `Multi(expr)`,
an expression whose value is a sequence with one item per ONNX output position
(`Emit.outputs`; the items of absent optional outputs are ignored).

Operands are `Operand`s: formatting one (`f"{x}"`, `x.expr`) names it in the code and
counts as a use. Lowerings that can specialize on a compile-time constant read
`x.const` (a numpy array, or None), which does not count as a use, so a shape operand
that a lowering folds into a literal disappears from the generated code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numpy as np
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    BFloat16Type,
    ComplexType,
    Float4E2M1FNType,
    Float8E4M3FNType,
    Float8E4M3FNUZType,
    Float8E5M2FNUZType,
    Float8E5M2Type,
    Float8E8M0FNUType,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    Signedness,
    TensorType,
    UnrankedTensorType,
)
from xdsl.ir import Attribute, Region

from ramiel.dialects.onnx_base import OnnxOp

_UNSIGNED = Signedness.UNSIGNED

TORCH_DTYPES: dict[Attribute, str] = {
    Float32Type(): "torch.float32",
    Float64Type(): "torch.float64",
    Float16Type(): "torch.float16",
    BFloat16Type(): "torch.bfloat16",
    IntegerType(64): "torch.int64",
    IntegerType(32): "torch.int32",
    IntegerType(16): "torch.int16",
    IntegerType(8): "torch.int8",
    IntegerType(1): "torch.bool",
    IntegerType(8, _UNSIGNED): "torch.uint8",
    IntegerType(16, _UNSIGNED): "torch.uint16",
    IntegerType(32, _UNSIGNED): "torch.uint32",
    IntegerType(64, _UNSIGNED): "torch.uint64",
    ComplexType(Float32Type()): "torch.complex64",
    ComplexType(Float64Type()): "torch.complex128",
    Float8E4M3FNType(): "torch.float8_e4m3fn",
    Float8E4M3FNUZType(): "torch.float8_e4m3fnuz",
    Float8E5M2Type(): "torch.float8_e5m2",
    Float8E5M2FNUZType(): "torch.float8_e5m2fnuz",
    Float8E8M0FNUType(): "torch.float8_e8m0fnu",
    # Types torch has no arithmetic for are held in a wider dtype, values unchanged:
    # the lowerings of Cast and the quantize ops wrap or round them to their range.
    IntegerType(4): "torch.int8",
    IntegerType(2): "torch.int8",
    IntegerType(4, _UNSIGNED): "torch.uint8",
    IntegerType(2, _UNSIGNED): "torch.uint8",
    Float4E2M1FNType(): "torch.float32",
}
"""MLIR element type -> the torch dtype that holds it, as written in generated code.

int4, uint4, int2, uint2 and float4e2m1 values are held in int8, uint8 and float32
tensors: a model with such an input takes (and returns) the wider dtype."""

_FLOAT_TYPES = (Float16Type, BFloat16Type, Float32Type, Float64Type)


class Unsupported(Exception):
    """A lowering cannot express this op (an attribute value, a type, a dynamic shape).

    The message says what, without naming the op: the printer adds the op and its location.
    """


def torch_dtype(element_type: Attribute) -> str:
    """The torch dtype expression for an MLIR element type; `Unsupported` if torch has none."""
    name = TORCH_DTYPES.get(element_type)
    if name is None:
        raise Unsupported(f"element type {element_type} has no PyTorch dtype")
    return name


@dataclass(eq=False)
class Operand:
    """An operand or result of the op being lowered, as the generated code sees it."""

    expr_: str
    """The Python expression that names the value (a variable, `self.weight`)."""
    type: Attribute
    const: np.ndarray | None = None
    """The value, when it is a compile-time constant."""
    on_use: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def expr(self) -> str:
        """The expression naming this value; reading it records a use."""
        if self.on_use is not None:
            self.on_use()
        return self.expr_

    def __format__(self, spec: str) -> str:
        return format(self.expr, spec)

    def __str__(self) -> str:
        return self.expr

    @property
    def shape(self) -> tuple[int | None, ...] | None:
        """The static shape (None for dynamic dims), or None when unranked or not a tensor."""
        if isinstance(self.type, TensorType):
            dims = cast(TensorType[Attribute], self.type).get_shape()  # pyright: ignore[reportUnknownMemberType]
            return tuple(None if d == DYNAMIC_INDEX else d for d in dims)
        return None

    @property
    def static_shape(self) -> tuple[int, ...] | None:
        """The shape when every dim is static."""
        shape = self.shape
        if shape is None or any(d is None for d in shape):
            return None
        return cast(tuple[int, ...], shape)

    @property
    def rank(self) -> int | None:
        """The rank, when known."""
        shape = self.shape
        return None if shape is None else len(shape)

    def need_rank(self) -> int:
        """The rank; `Unsupported` when it is not known at compile time."""
        rank = self.rank
        if rank is None:
            raise Unsupported("the rank of an operand is not known at compile time")
        return rank

    @property
    def element_type(self) -> Attribute | None:
        """The element type of a tensor value."""
        value_type: Attribute = self.type
        if isinstance(value_type, TensorType | UnrankedTensorType):
            return cast(TensorType[Attribute], value_type).element_type
        return None

    @property
    def dtype(self) -> str:
        """The torch dtype expression of a tensor value (`torch.float32`)."""
        element = self.element_type
        if element is None:
            raise Unsupported(f"{self.type} is not a tensor type")
        return torch_dtype(element)

    @property
    def is_float(self) -> bool:
        """Whether the element type is a floating-point type."""
        return isinstance(self.element_type, _FLOAT_TYPES)

    @property
    def is_bool(self) -> bool:
        """Whether the element type is `i1` (ONNX bool)."""
        return self.element_type == IntegerType(1)

    @property
    def is_unsigned(self) -> bool:
        """Whether the element type is an unsigned integer."""
        element = self.element_type
        if not isinstance(element, IntegerType):
            return False
        return cast(IntegerType, element).signedness.data == _UNSIGNED

    def const_ints(self) -> tuple[int, ...] | None:
        """The constant value as a tuple of Python ints, when it is a constant."""
        if self.const is None:
            return None
        return tuple(int(v) for v in self.const.reshape(-1).tolist())

    def const_floats(self) -> tuple[float, ...] | None:
        """The constant value as a tuple of Python floats, when it is a constant."""
        if self.const is None:
            return None
        return tuple(float(v) for v in self.const.reshape(-1).tolist())


@dataclass(frozen=True)
class Multi:
    """A lowering result: `expr` evaluates to one item per ONNX output position."""

    expr: str


Lowered = str | Multi
Lowering = Callable[["Emit", Any], Lowered]

_LOWERINGS: dict[type[OnnxOp], Lowering] = {}

_OpT = TypeVar("_OpT", bound=OnnxOp)


def lowers(
    *op_classes: type[_OpT],
) -> Callable[[Callable[[Emit, _OpT], Lowered]], Callable[[Emit, _OpT], Lowered]]:
    """Register the decorated function as the lowering of `op_classes`."""

    def register(function: Callable[[Emit, _OpT], Lowered]) -> Callable[[Emit, _OpT], Lowered]:
        for op_class in op_classes:
            if op_class in _LOWERINGS:
                raise ValueError(f"{op_class.name} already has a lowering")
            _LOWERINGS[op_class] = function
        return function

    return register


def lowering_for(op_class: type[OnnxOp]) -> Lowering | None:
    """The lowering registered for an op class, if any."""
    _load_families()
    return _LOWERINGS.get(op_class)


def lowered_op_classes() -> frozenset[type[OnnxOp]]:
    """The op classes that have a lowering."""
    _load_families()
    return frozenset(_LOWERINGS)


_families_loaded = False


def _load_families() -> None:
    global _families_loaded
    if not _families_loaded:
        _families_loaded = True
        import ramiel.ops  # noqa: F401  # pyright: ignore[reportUnusedImport]


class Emit:
    """What a lowering sees of the op it lowers, and how it asks the printer for more.

    `inputs` and `outputs` are flattened by ONNX position: an absent optional input or
    output is None, a variadic one contributes one entry per value.
    """

    def __init__(
        self,
        op: OnnxOp,
        inputs: Sequence[Operand | None],
        outputs: Sequence[Operand | None],
        *,
        subgraph: Callable[[Region, str], tuple[str, list[str]]] | None = None,
        fresh: Callable[[str], str] | None = None,
    ) -> None:
        self.op = op
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.prelude: list[str] = []
        """Statements the printer writes before the op's line (nested functions)."""
        self._subgraph = subgraph
        self._fresh = fresh

    def attr(self, name: str) -> Any:
        """ONNX attribute `name` as a Python value, or its schema default."""
        return self.op.onnx_attribute(name)

    def arg(self, index: int) -> Operand:
        """Required input `index`."""
        value = self.opt(index)
        if value is None:
            raise Unsupported(f"input {index} is missing")
        return value

    def opt(self, index: int) -> Operand | None:
        """Optional input `index`, or None when absent."""
        return self.inputs[index] if index < len(self.inputs) else None

    def args_from(self, index: int) -> list[Operand]:
        """The inputs from `index` on (a variadic input), absent ones skipped."""
        return [v for v in self.inputs[index:] if v is not None]

    def out(self, index: int = 0) -> Operand:
        """Output `index`; `Unsupported` when absent."""
        value = self.outputs[index] if index < len(self.outputs) else None
        if value is None:
            raise Unsupported(f"output {index} is missing")
        return value

    def has_output(self, index: int) -> bool:
        """Whether output `index` is present."""
        return index < len(self.outputs) and self.outputs[index] is not None

    def subgraph(self, region: Region, name: str) -> str:
        """Define `region` as a nested function before the op's line and return its name.

        The function takes the region's block arguments and returns the tuple of values
        its `onnx.Yield` yields.
        """
        if self._subgraph is None:
            raise Unsupported("subgraphs cannot be lowered here")
        function, lines = self._subgraph(region, name)
        self.prelude.extend(lines)
        return function

    def fresh(self, name: str) -> str:
        """A new local identifier based on `name`."""
        if self._fresh is None:
            raise Unsupported("local names cannot be created here")
        return self._fresh(name)


# ---- literals ---------------------------------------------------------------------------


def py_literal(value: object) -> str:
    """A Python literal for an attribute-like value: ints, floats (inf/nan too), strings,
    and nested tuples or lists of them."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else '-float("inf")'
        return repr(value)
    if isinstance(value, tuple | list):
        items = [py_literal(v) for v in cast(Iterable[object], value)]
        if isinstance(value, tuple) and len(items) == 1:
            return f"({items[0]},)"
        inner = ", ".join(items)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, np.generic):
        return py_literal(cast(object, value.item()))
    return repr(value)


def short_float32(value: float) -> float:
    """A float32 value as the shortest Python float that reads back as the same float32
    (`1e-05`, not `9.999999747378752e-06`): how float attributes are printed. A value
    that is not exactly a float32 is returned unchanged."""
    if not math.isfinite(value) or float(np.float32(value)) != value:
        return value
    short = float(str(np.float32(value)))
    return short if float(np.float32(short)) == value else value


def tensor_literal(array: np.ndarray, dtype: str) -> str:
    """`torch.tensor(...)` building `array` with torch dtype `dtype`."""
    if array.size == 0:
        return f"torch.empty({py_literal(tuple(array.shape))}, dtype={dtype})"
    values: object = array.tolist() if array.dtype.kind in "iubfc" else array.astype(float).tolist()
    return f"torch.tensor({py_literal(values)}, dtype={dtype})"


def normalize_axis(axis: int, rank: int) -> int:
    """A possibly negative ONNX axis as an index in `range(rank)`."""
    if not -rank <= axis < max(rank, 1):
        raise Unsupported(f"axis {axis} is out of range for rank {rank}")
    return axis + rank if axis < 0 else axis
