"""Lowerings of the reduce operators (ReduceSum, ReduceMean, ReduceMax, ...)."""

from __future__ import annotations

import math

from ramiel.dialects.onnx_ops import (
    ReduceL1Op,
    ReduceL2Op,
    ReduceLogSumExpOp,
    ReduceLogSumOp,
    ReduceMaxOp,
    ReduceMeanOp,
    ReduceMinOp,
    ReduceProdOp,
    ReduceSumOp,
    ReduceSumSquareOp,
)
from ramiel.ops.registry import Emit, lowers, normalize_axis, py_literal

_SMALL_INTS = ("torch.int8", "torch.int16", "torch.int32", "torch.uint8")
_NEEDS_FLOAT = ("mean", "l2", "log_sum", "log_sum_exp")


def _reduction(e: Emit, kind: str) -> str:
    """The expression of reduction `kind` (a name `rt.reduce` knows)."""
    x, axes = e.arg(0), e.opt(1)
    keep = bool(e.attr("keepdims"))
    noop = bool(e.attr("noop_with_empty_axes"))
    values = () if axes is None else axes.const_ints()
    rank = x.rank
    if values is None or rank is None:
        flags = ("" if keep else ", keepdims=False") + (
            ", noop_with_empty_axes=True" if noop else ""
        )
        return f"rt.reduce({kind!r}, {x}, {'None' if axes is None else axes.expr}{flags})"
    if not values:
        if noop:
            return x.expr
        dims = tuple(range(rank))
    else:
        dims = tuple(sorted({normalize_axis(a, rank) for a in values}))
    everything = dims == tuple(range(rank)) and not keep
    dim_text = str(dims[0]) if len(dims) == 1 else py_literal(dims)
    keep_text = ", keepdim=True" if keep else ""
    args = "" if everything else f"dim={dim_text}{keep_text}"
    dtype = x.dtype
    if dtype in ("torch.uint16", "torch.uint32", "torch.uint64", "torch.bool") or (
        kind in _NEEDS_FLOAT and not x.is_float
    ):
        return f"rt.reduce_dims({kind!r}, {x}, {py_literal(dims)}{keep_text})"
    if kind in ("max", "min"):
        largest = kind == "max"
        shape = x.shape
        if shape is None or any(d is None for d in shape):
            return f"rt.reduce_{kind}({x}, {py_literal(dims)}{keep_text})"
        if math.prod(d or 0 for d in shape) == 0:
            out = e.out().static_shape
            if out is None:
                return f"rt.reduce_{kind}({x}, {py_literal(dims)}{keep_text})"
            if x.is_float:
                fill = py_literal(-math.inf if largest else math.inf)
            else:
                fill = f"torch.iinfo({dtype}).{'min' if largest else 'max'}"
            return f"torch.full({py_literal(out)}, {fill}, dtype={dtype})"
        return f"{x}.{'amax' if largest else 'amin'}({args})"
    int_dtype = f"dtype={dtype}" if dtype in _SMALL_INTS else ""

    def call(method: str, base: str) -> str:
        parts = [p for p in (args, int_dtype) if p]
        return f"{base}.{method}({', '.join(parts)})"

    if kind == "sum":
        return call("sum", x.expr)
    if kind == "mean":
        return f"{x}.mean({args})"
    if kind == "prod":
        if everything:
            return call("prod", x.expr)
        expr = x.expr
        for d in sorted(dims, reverse=True):
            parts = (
                [str(d)] + (["keepdim=True"] if keep else []) + ([int_dtype] if int_dtype else [])
            )
            expr += f".prod({', '.join(parts)})"
        return expr
    if kind == "l1":
        return call("sum", f"{x}.abs()")
    if kind == "l2":
        return f"torch.linalg.vector_norm({x}{', ' + args if args else ''})"
    if kind == "log_sum":
        return f"{x}.sum({args}).log()"
    if kind == "log_sum_exp":
        return f"torch.logsumexp({x}, dim={dim_text}{keep_text})"
    return call("sum", f"{x}.square()")


@lowers(ReduceSumOp)
def reduce_sum(e: Emit, op: ReduceSumOp) -> str:
    return _reduction(e, "sum")


@lowers(ReduceMeanOp)
def reduce_mean(e: Emit, op: ReduceMeanOp) -> str:
    return _reduction(e, "mean")


@lowers(ReduceMaxOp)
def reduce_max(e: Emit, op: ReduceMaxOp) -> str:
    return _reduction(e, "max")


@lowers(ReduceMinOp)
def reduce_min(e: Emit, op: ReduceMinOp) -> str:
    return _reduction(e, "min")


@lowers(ReduceProdOp)
def reduce_prod(e: Emit, op: ReduceProdOp) -> str:
    return _reduction(e, "prod")


@lowers(ReduceL1Op)
def reduce_l1(e: Emit, op: ReduceL1Op) -> str:
    return _reduction(e, "l1")


@lowers(ReduceL2Op)
def reduce_l2(e: Emit, op: ReduceL2Op) -> str:
    return _reduction(e, "l2")


@lowers(ReduceLogSumOp)
def reduce_log_sum(e: Emit, op: ReduceLogSumOp) -> str:
    return _reduction(e, "log_sum")


@lowers(ReduceLogSumExpOp)
def reduce_log_sum_exp(e: Emit, op: ReduceLogSumExpOp) -> str:
    return _reduction(e, "log_sum_exp")


@lowers(ReduceSumSquareOp)
def reduce_sum_square(e: Emit, op: ReduceSumSquareOp) -> str:
    return _reduction(e, "sum_square")
