"""Lowerings of the elementwise operators: math, activations, comparisons, casts.

Binary operators broadcast the NumPy way, which is PyTorch's way too, so most lower to
one operator or `torch` call. PyTorch lacks most arithmetic on uint16/uint32/uint64:
those operands are widened (`.long()`, or for uint64 reinterpreted as int64) and the
result narrowed back. A scalar constant operand is printed as a literal (`x * 0.5`).
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import Float4E2M1FNType, IntegerType, Signedness
from xdsl.ir import Attribute

from ramiel.dialects.onnx_base import OnnxOp
from ramiel.dialects.onnx_ops import (
    AbsOp,
    AcoshOp,
    AcosOp,
    AddOp,
    AndOp,
    AsinhOp,
    AsinOp,
    AtanhOp,
    AtanOp,
    BitCastOp,
    BitShiftOp,
    BitwiseAndOp,
    BitwiseNotOp,
    BitwiseOrOp,
    BitwiseXorOp,
    CastLikeOp,
    CastOp,
    CeilOp,
    CeluOp,
    ClipOp,
    CoshOp,
    CosOp,
    DequantizeLinearOp,
    DivOp,
    DynamicQuantizeLinearOp,
    EluOp,
    EqualOp,
    ErfOp,
    ExpOp,
    FloorOp,
    GeluOp,
    GreaterOp,
    GreaterOrEqualOp,
    HardSigmoidOp,
    HardSwishOp,
    IdentityOp,
    IsInfOp,
    IsNaNOp,
    LeakyReluOp,
    LessOp,
    LessOrEqualOp,
    LogOp,
    MaxOp,
    MeanOp,
    MinOp,
    MishOp,
    ModOp,
    MulOp,
    NegOp,
    NotOp,
    OrOp,
    PowOp,
    PReluOp,
    QuantizeLinearOp,
    ReciprocalOp,
    ReluOp,
    RoundOp,
    SeluOp,
    ShrinkOp,
    SigmoidOp,
    SignOp,
    SinhOp,
    SinOp,
    SoftplusOp,
    SoftsignOp,
    SqrtOp,
    SubOp,
    SumOp,
    SwishOp,
    TanhOp,
    TanOp,
    ThresholdedReluOp,
    WhereOp,
    XorOp,
)
from ramiel.ops.registry import (
    Emit,
    Multi,
    Operand,
    Unsupported,
    lowers,
    normalize_axis,
    py_literal,
    short_float32,
)

# ---- helpers ------------------------------------------------------------------------------

_NARROW_UNSIGNED = frozenset({"torch.uint16", "torch.uint32"})
_FLOAT8 = frozenset(
    {
        "torch.float8_e4m3fn",
        "torch.float8_e4m3fnuz",
        "torch.float8_e5m2",
        "torch.float8_e5m2fnuz",
    }
)

_FLOAT8_MAX = {
    "torch.float8_e4m3fn": 448,
    "torch.float8_e4m3fnuz": 240,
    "torch.float8_e5m2": 57344,
    "torch.float8_e5m2fnuz": 57344,
}
"""The largest finite value of each float8 type (saturating casts clamp to it)."""


def _num(value: float | int, is_float: bool) -> str:
    """A Python literal for a scalar: floats in their shortest float32-exact spelling."""
    if not is_float:
        return py_literal(int(value))
    return py_literal(short_float32(float(value)))


def _attr_num(e: Emit, name: str) -> float:
    return float(e.attr(name))


def _f(value: float) -> str:
    return _num(value, True)


def _same_f32(a: float, b: float) -> bool:
    return bool(np.float32(a) == np.float32(b))


def _scalar(x: Operand, other: Operand | None) -> str | None:
    """`x` as a Python scalar literal, when it is a one-element constant that broadcasting
    against `other` (a non-constant tensor) turns into a scalar anyway."""
    c = x.const
    if c is None or c.size != 1 or c.dtype.kind not in "fiu":
        return None
    if x.dtype not in ("torch.float32", "torch.float64", "torch.float16") and x.is_float:
        return None
    if x.dtype in _NARROW_UNSIGNED or x.dtype == "torch.uint64":
        return None
    if other is None or other.const is not None:
        return None
    if c.ndim > 0 and (other.rank is None or other.rank < c.ndim):
        return None
    return _num(c.reshape(()).item(), x.is_float)


def _wide(x: Operand) -> str:
    """`x` in a dtype PyTorch computes with (uint16/uint32 -> int64, uint64 -> int64 bits)."""
    if x.dtype in _NARROW_UNSIGNED:
        return f"{x}.long()"
    if x.dtype == "torch.uint64":
        return f"{x}.view(torch.int64)"
    return x.expr


def _needs_widening(x: Operand) -> bool:
    return x.dtype in _NARROW_UNSIGNED or x.dtype == "torch.uint64"


def _is_call(expr: str) -> bool:
    """Whether `expr` is one call (`torch.f(...)`), which needs no parentheses."""
    start = expr.find("(")
    if start <= 0 or not expr.endswith(")") or not expr[:start].replace(".", "").isidentifier():
        return False
    depth = 0
    for index, char in enumerate(expr[start:], start):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index == len(expr) - 1
    return False


def _narrow(expr: str, dtype: str) -> str:
    """The inverse of `_wide` on a result of dtype `dtype`."""
    if not _is_call(expr):
        expr = f"({expr})"
    if dtype == "torch.uint64":
        return f"{expr}.view(torch.uint64)"
    return f"{expr}.to({dtype})"


def _binary_operands(e: Emit, *, literals: str = "both") -> tuple[str, str, bool]:
    """The two operand expressions, and whether they were widened."""
    a, b = e.arg(0), e.arg(1)
    if _needs_widening(a):
        return _wide(a), _wide(b), True
    sa = _scalar(a, b) if literals == "both" else None
    sb = _scalar(b, a) if sa is None else None
    return (sa if sa is not None else a.expr), (sb if sb is not None else b.expr), False


def _arith(e: Emit, template: str, *, literals: str = "both") -> str:
    """A binary op whose result has its operands' dtype."""
    a, b, widened = _binary_operands(e, literals=literals)
    expr = template.format(a=a, b=b)
    return _narrow(expr, e.arg(0).dtype) if widened else expr


def _compare(e: Emit, operator: str) -> str:
    a, b = e.arg(0), e.arg(1)
    if a.dtype == "torch.uint64" and operator not in ("==", "!="):
        # Ordered as unsigned: compare the int64 bits with the sign bit flipped.
        return f"rt.uint64_key({a}) {operator} rt.uint64_key({b})"
    if a.dtype in _NARROW_UNSIGNED and operator in ("==", "!="):
        return f"{a} {operator} {b}"
    left, right, _ = _binary_operands(e)
    return f"{left} {operator} {right}"


def _unary(e: Emit, template: str) -> str:
    return template.format(x=e.arg(0))


# ---- arithmetic ---------------------------------------------------------------------------


@lowers(AddOp)
def add(e: Emit, op: AddOp) -> str:
    return _arith(e, "{a} + {b}")


@lowers(SubOp)
def sub(e: Emit, op: SubOp) -> str:
    return _arith(e, "{a} - {b}")


@lowers(MulOp)
def mul(e: Emit, op: MulOp) -> str:
    return _arith(e, "{a} * {b}")


@lowers(DivOp)
def div(e: Emit, op: DivOp) -> str:
    """Integer division truncates toward zero, as in C."""
    a = e.arg(0)
    if a.is_float:
        return _arith(e, "{a} / {b}")
    if a.is_bool:
        raise Unsupported("Div on bool tensors")
    return _arith(e, 'torch.div({a}, {b}, rounding_mode="trunc")', literals="right")


@lowers(ModOp)
def mod(e: Emit, op: ModOp) -> str:
    """fmod=1: the sign of the dividend (C fmod); fmod=0: the sign of the divisor."""
    if e.attr("fmod"):
        return _arith(e, "torch.fmod({a}, {b})", literals="right")
    return _arith(e, "torch.remainder({a}, {b})", literals="right")


@lowers(PowOp)
def pow_(e: Emit, op: PowOp) -> str:
    """The result has the base's dtype, whatever the exponent's."""
    a, b = e.arg(0), e.arg(1)
    base = _wide(a) if _needs_widening(a) else a.expr
    literal = None if _needs_widening(b) else _scalar(b, a)
    if literal is not None:
        exponent = literal
        cast = not a.is_float and b.is_float
    else:
        exponent = f"{b.expr}.long()" if b.dtype in _NARROW_UNSIGNED else b.expr
        if b.dtype == "torch.uint64":
            exponent = f"{b.expr}.view(torch.int64)"
        cast = not (a.dtype == b.dtype or (a.is_float and not b.is_float))
    expr = f"torch.pow({base}, {exponent})"
    if _needs_widening(a):
        return _narrow(expr, a.dtype)
    return f"{expr}.to({a.dtype})" if cast else expr


@lowers(NegOp)
def neg(e: Emit, op: NegOp) -> str:
    return _unary(e, "-{x}")


@lowers(AbsOp)
def abs_(e: Emit, op: AbsOp) -> str:
    x = e.arg(0)
    if x.is_unsigned:
        return x.expr
    return f"torch.abs({x})"


@lowers(ReciprocalOp)
def reciprocal(e: Emit, op: ReciprocalOp) -> str:
    return _unary(e, "torch.reciprocal({x})")


@lowers(SignOp)
def sign(e: Emit, op: SignOp) -> str:
    x = e.arg(0)
    if _needs_widening(x):
        return f"({x} != 0).to({x.dtype})"
    return f"torch.sign({x})"


def _terms(e: Emit) -> list[str]:
    """The operands of Sum or Mean (a scalar constant as a literal when there are two)."""
    values = e.args_from(0)
    if not values:
        raise Unsupported("no inputs")
    if len(values) == 2 and not _needs_widening(values[0]):
        a, b, _ = _binary_operands(e)
        return [a, b]
    return [v.expr for v in values]


@lowers(SumOp)
def sum_(e: Emit, op: SumOp) -> str:
    values = e.args_from(0)
    if values and _needs_widening(values[0]):
        return _narrow(" + ".join(_wide(v) for v in values), values[0].dtype)
    return " + ".join(_terms(e))


@lowers(MeanOp)
def mean(e: Emit, op: MeanOp) -> str:
    terms = _terms(e)
    if len(terms) == 1:
        return terms[0]
    return f"({' + '.join(terms)}) / {len(terms)}"


def _fold(function: str, terms: list[str]) -> str:
    expr = terms[0]
    for term in terms[1:]:
        expr = f"{function}({expr}, {term})"
    return expr


def _extremum(e: Emit, function: str) -> str:
    values = e.args_from(0)
    if len(values) == 1:
        return values[0].expr
    if values[0].dtype == "torch.uint64":
        keys = _fold(function, [f"rt.uint64_key({v})" for v in values])
        return f"rt.uint64_key({keys}).view(torch.uint64)"
    if _needs_widening(values[0]):
        return _narrow(_fold(function, [_wide(v) for v in values]), values[0].dtype)
    return _fold(function, [v.expr for v in values])


@lowers(MaxOp)
def max_(e: Emit, op: MaxOp) -> str:
    return _extremum(e, "torch.maximum")


@lowers(MinOp)
def min_(e: Emit, op: MinOp) -> str:
    return _extremum(e, "torch.minimum")


@lowers(ClipOp)
def clip(e: Emit, op: ClipOp) -> str:
    x, low, high = e.arg(0), e.opt(1), e.opt(2)
    bounds: list[str] = []
    for name, bound in (("min", low), ("max", high)):
        if bound is None:
            continue
        c = bound.const
        if c is not None and c.size == 1:
            bounds.append(f"{name}={_num(c.reshape(()).item(), x.is_float)}")
        elif c is not None and c.size == 0:
            continue
        else:
            bounds.append(f"{name}={_wide(bound)}")
    if not bounds:
        return x.expr
    if len(bounds) == 2 and all("=" in b for b in bounds):
        args = ", ".join(b.split("=", 1)[1] for b in bounds)
    else:
        args = ", ".join(bounds)
    if _needs_widening(x):
        return _narrow(f"{_wide(x)}.clamp({args})", x.dtype)
    return f"{x}.clamp({args})"


# ---- math functions -----------------------------------------------------------------------

_UNARY_CALLS: dict[type[OnnxOp], str] = {
    AcosOp: "torch.acos",
    AcoshOp: "torch.acosh",
    AsinOp: "torch.asin",
    AsinhOp: "torch.asinh",
    AtanOp: "torch.atan",
    AtanhOp: "torch.atanh",
    CosOp: "torch.cos",
    CoshOp: "torch.cosh",
    SinOp: "torch.sin",
    SinhOp: "torch.sinh",
    TanOp: "torch.tan",
    TanhOp: "torch.tanh",
    ExpOp: "torch.exp",
    LogOp: "torch.log",
    SqrtOp: "torch.sqrt",
    ErfOp: "torch.erf",
    CeilOp: "torch.ceil",
    FloorOp: "torch.floor",
    RoundOp: "torch.round",
    SigmoidOp: "torch.sigmoid",
    IsNaNOp: "torch.isnan",
    SoftsignOp: "F.softsign",
    MishOp: "F.mish",
    HardSwishOp: "F.hardswish",
}


def _call(e: Emit, op: OnnxOp) -> str:
    return f"{_UNARY_CALLS[type(op)]}({e.arg(0)})"


lowers(*_UNARY_CALLS)(_call)


@lowers(IsInfOp)
def isinf(e: Emit, op: IsInfOp) -> str:
    x = e.arg(0)
    negative, positive = e.attr("detect_negative"), e.attr("detect_positive")
    if negative and positive:
        return f"torch.isinf({x})"
    if positive:
        return f"torch.isposinf({x})"
    if negative:
        return f"torch.isneginf({x})"
    return f"torch.zeros_like({x}, dtype=torch.bool)"


# ---- activations --------------------------------------------------------------------------


@lowers(ReluOp)
def relu(e: Emit, op: ReluOp) -> str:
    return f"torch.relu({e.arg(0)})"


@lowers(LeakyReluOp)
def leaky_relu(e: Emit, op: LeakyReluOp) -> str:
    alpha = _attr_num(e, "alpha")
    if _same_f32(alpha, 0.01):
        return f"F.leaky_relu({e.arg(0)})"
    return f"F.leaky_relu({e.arg(0)}, {_f(alpha)})"


@lowers(PReluOp)
def prelu(e: Emit, op: PReluOp) -> str:
    x, slope = e.arg(0), e.arg(1)
    literal = _scalar(slope, x)
    return f"torch.where({x} < 0, {x} * {literal or slope}, {x})"


@lowers(EluOp)
def elu(e: Emit, op: EluOp) -> str:
    alpha = _attr_num(e, "alpha")
    if alpha == 1.0:
        return f"F.elu({e.arg(0)})"
    return f"F.elu({e.arg(0)}, alpha={_f(alpha)})"


@lowers(CeluOp)
def celu(e: Emit, op: CeluOp) -> str:
    alpha = _attr_num(e, "alpha")
    if alpha == 1.0:
        return f"F.celu({e.arg(0)})"
    return f"F.celu({e.arg(0)}, alpha={_f(alpha)})"


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_GAMMA = 1.0507009873554804934193349852946


@lowers(SeluOp)
def selu(e: Emit, op: SeluOp) -> str:
    alpha, gamma = _attr_num(e, "alpha"), _attr_num(e, "gamma")
    x = e.arg(0)
    if _same_f32(alpha, _SELU_ALPHA) and _same_f32(gamma, _SELU_GAMMA):
        return f"torch.selu({x})"
    return f"{_f(gamma)} * F.elu({x}, alpha={_f(alpha)})"


@lowers(GeluOp)
def gelu(e: Emit, op: GeluOp) -> str:
    approximate = e.attr("approximate")
    if approximate == "tanh":
        return f'F.gelu({e.arg(0)}, approximate="tanh")'
    if approximate != "none":
        raise Unsupported(f"approximate={approximate!r}")
    return f"F.gelu({e.arg(0)})"


@lowers(HardSigmoidOp)
def hard_sigmoid(e: Emit, op: HardSigmoidOp) -> str:
    alpha, beta = _attr_num(e, "alpha"), _attr_num(e, "beta")
    x = e.arg(0)
    if _same_f32(alpha, 1 / 6) and beta == 0.5:
        return f"F.hardsigmoid({x})"
    return f"({x} * {_f(alpha)} + {_f(beta)}).clamp(0.0, 1.0)"


@lowers(SoftplusOp)
def softplus(e: Emit, op: SoftplusOp) -> str:
    return f"F.softplus({e.arg(0)})"


@lowers(SwishOp)
def swish(e: Emit, op: SwishOp) -> str:
    alpha = _attr_num(e, "alpha")
    x = e.arg(0)
    if alpha == 1.0:
        return f"F.silu({x})"
    return f"{x} * torch.sigmoid({x} * {_f(alpha)})"


@lowers(ThresholdedReluOp)
def thresholded_relu(e: Emit, op: ThresholdedReluOp) -> str:
    return f"F.threshold({e.arg(0)}, {_f(_attr_num(e, 'alpha'))}, 0.0)"


@lowers(ShrinkOp)
def shrink(e: Emit, op: ShrinkOp) -> str:
    bias, lambd = _attr_num(e, "bias"), _attr_num(e, "lambd")
    x = e.arg(0)
    if x.is_float and bias == 0.0:
        return f"F.hardshrink({x}, {_f(lambd)})"
    if x.is_float and bias == lambd:
        return f"F.softshrink({x}, {_f(lambd)})"
    low, high, offset = _num(-lambd, x.is_float), _num(lambd, x.is_float), _num(bias, x.is_float)
    return (
        f"torch.where({x} < {low}, {x} + {offset}, "
        f"torch.where({x} > {high}, {x} - {offset}, torch.zeros_like({x})))"
    )


# ---- logic and comparisons ----------------------------------------------------------------


@lowers(EqualOp)
def equal(e: Emit, op: EqualOp) -> str:
    return _compare(e, "==")


@lowers(GreaterOp)
def greater(e: Emit, op: GreaterOp) -> str:
    return _compare(e, ">")


@lowers(GreaterOrEqualOp)
def greater_or_equal(e: Emit, op: GreaterOrEqualOp) -> str:
    return _compare(e, ">=")


@lowers(LessOp)
def less(e: Emit, op: LessOp) -> str:
    return _compare(e, "<")


@lowers(LessOrEqualOp)
def less_or_equal(e: Emit, op: LessOrEqualOp) -> str:
    return _compare(e, "<=")


@lowers(AndOp, BitwiseAndOp)
def and_(e: Emit, op: AndOp | BitwiseAndOp) -> str:
    return f"{e.arg(0)} & {e.arg(1)}"


@lowers(OrOp, BitwiseOrOp)
def or_(e: Emit, op: OrOp | BitwiseOrOp) -> str:
    return f"{e.arg(0)} | {e.arg(1)}"


@lowers(XorOp, BitwiseXorOp)
def xor(e: Emit, op: XorOp | BitwiseXorOp) -> str:
    return f"{e.arg(0)} ^ {e.arg(1)}"


@lowers(NotOp)
def not_(e: Emit, op: NotOp) -> str:
    return f"torch.logical_not({e.arg(0)})"


_SIGNED_VIEW = {"torch.uint16": "torch.int16", "torch.uint32": "torch.int32"}


@lowers(BitwiseNotOp)
def bitwise_not(e: Emit, op: BitwiseNotOp) -> str:
    x = e.arg(0)
    if x.dtype == "torch.uint64":
        return f"(~{x}.view(torch.int64)).view(torch.uint64)"
    if x.dtype in _SIGNED_VIEW:
        return f"(~{x}.view({_SIGNED_VIEW[x.dtype]})).view({x.dtype})"
    return f"~{x}"


_BITS = {
    "torch.int8": 8,
    "torch.uint8": 8,
    "torch.int16": 16,
    "torch.uint16": 16,
    "torch.int32": 32,
    "torch.uint32": 32,
    "torch.int64": 64,
    "torch.uint64": 64,
}


@lowers(BitShiftOp)
def bit_shift(e: Emit, op: BitShiftOp) -> str:
    """Shifts by a negative amount or by the width or more give 0 (or -1: sign fill)."""
    x, y = e.arg(0), e.arg(1)
    direction = e.attr("direction")
    if direction not in ("LEFT", "RIGHT"):
        raise Unsupported(f"direction={direction!r}")
    bits = _BITS.get(x.dtype)
    if bits is None:
        raise Unsupported(f"BitShift on {x.dtype}")
    shifts = y.const_ints()
    if (
        shifts is not None
        and not _needs_widening(x)
        and all(0 <= s < bits for s in shifts)
        and (literal := _scalar(y, x)) is not None
    ):
        return f"{x} {'<<' if direction == 'LEFT' else '>>'} {literal}"
    return f"rt.bit_shift({x}, {y}, left={direction == 'LEFT'})"


@lowers(WhereOp)
def where(e: Emit, op: WhereOp) -> str:
    c, a, b = e.arg(0), e.arg(1), e.arg(2)
    if _needs_widening(a):
        return _narrow(f"torch.where({c}, {_wide(a)}, {_wide(b)})", a.dtype)
    sa = _scalar(a, b)
    sb = _scalar(b, a) if sa is None else None
    return f"torch.where({c}, {sa or a}, {sb or b})"


@lowers(IdentityOp)
def identity(e: Emit, op: IdentityOp) -> str:
    return e.arg(0).expr


# ---- casts --------------------------------------------------------------------------------


_SUB_BYTE_INTS: dict[Attribute, tuple[int, bool]] = {
    IntegerType(4): (4, True),
    IntegerType(2): (2, True),
    IntegerType(4, Signedness.UNSIGNED): (4, False),
    IntegerType(2, Signedness.UNSIGNED): (2, False),
}
"""int4/int2/uint4/uint2 -> (bits, signed). PyTorch has no such dtypes: a value of one
of them is held in the dtype `torch_dtype` names for it (int8 or uint8)."""


def _sub_byte(element: Attribute | None) -> tuple[int, bool] | None:
    return None if element is None else _SUB_BYTE_INTS.get(element)


def _wrap_int(x: Operand, bits: int, signed: bool, holder: str) -> str:
    """`x` converted to a `bits`-wide integer (truncating, then wrapping around)."""
    if signed:
        half = 1 << (bits - 1)
        return f"(({x}.long() + {half}) % {1 << bits} - {half}).to({holder})"
    return f"({x}.long() % {1 << bits}).to({holder})"


def _cast(e: Emit, x: Operand) -> str:
    result = e.out()
    narrow = _sub_byte(result.element_type)
    if result.element_type == x.element_type:
        return x.expr
    if narrow is not None:
        return _wrap_int(x, *narrow, result.dtype)
    if isinstance(result.element_type, Float4E2M1FNType):
        return f"rt.cast_float4e2m1({x}).to({result.dtype})"
    target = result.dtype
    source = x.dtype
    if target == source:
        return x.expr
    saturate = bool(e.attr("saturate"))
    if target in _FLOAT8:
        if x.is_float and saturate:
            largest = _f(float(_FLOAT8_MAX[target]))
            return f"{x}.clamp(-{largest}, {largest}).to({target})"
        if x.is_float and target != "torch.float8_e4m3fn":
            return f"{x}.to({target})"
        return f"rt.cast_float8({x}, {target}, saturate={saturate})"
    if target == "torch.float8_e8m0fnu":
        round_mode = e.attr("round_mode")
        if round_mode not in ("up", "down", "nearest"):
            raise Unsupported(f"round_mode={round_mode!r}")
        return f"rt.cast_e8m0({x}, saturate={saturate}, round_mode={round_mode!r})"
    return f"{x}.to({target})"


@lowers(CastOp)
def cast(e: Emit, op: CastOp) -> str:
    return _cast(e, e.arg(0))


@lowers(CastLikeOp)
def cast_like(e: Emit, op: CastLikeOp) -> str:
    return _cast(e, e.arg(0))


@lowers(BitCastOp)
def bit_cast(e: Emit, op: BitCastOp) -> str:
    x = e.arg(0)
    target = e.out().dtype
    if target == x.dtype:
        return x.expr
    return f"{x}.view({target})"


# ---- quantization -------------------------------------------------------------------------


def _quant_options(e: Emit, x: Operand, scale: Operand) -> str:
    """`, axis=..., block_size=...` for a per-axis or blocked scale (none for a scalar)."""
    block = int(e.attr("block_size"))
    shape = scale.shape
    if not block and shape is not None and (len(shape) == 0 or shape == (1,)):
        return ""
    axis = normalize_axis(int(e.attr("axis")), x.need_rank())
    extra = f", axis={axis}" if axis != 1 else ""
    return extra + (f", block_size={block}" if block else "")


@lowers(QuantizeLinearOp)
def quantize_linear(e: Emit, op: QuantizeLinearOp) -> str:
    x, scale, zero_point = e.arg(0), e.arg(1), e.opt(2)
    target = e.out().dtype
    args = [x.expr, scale.expr, "None" if zero_point is None else zero_point.expr]
    extra = _quant_options(e, x, scale)
    if target in _FLOAT8 and not e.attr("saturate"):
        extra += ", saturate=False"
    element = e.out().element_type
    narrow = _sub_byte(element)
    if narrow is not None:
        bits, signed = narrow
        low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        extra += f", bounds=({low}, {high})"
    elif isinstance(element, Float4E2M1FNType):
        extra += ", float4=True"
    return f"rt.quantize_linear({', '.join(args)}, {target}{extra})"


@lowers(DequantizeLinearOp)
def dequantize_linear(e: Emit, op: DequantizeLinearOp) -> str:
    x, scale, zero_point = e.arg(0), e.arg(1), e.opt(2)
    target = e.out().dtype
    args = [x.expr, scale.expr]
    if zero_point is not None:
        args.append(zero_point.expr)
    extra = _quant_options(e, x, scale)
    if target != scale.dtype:
        extra += f", dtype={target}"
    return f"rt.dequantize_linear({', '.join(args)}{extra})"


@lowers(DynamicQuantizeLinearOp)
def dynamic_quantize_linear(e: Emit, op: DynamicQuantizeLinearOp) -> Multi:
    return Multi(f"rt.dynamic_quantize_linear({e.arg(0)})")
