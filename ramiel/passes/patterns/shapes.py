"""Canonicalization patterns: shapes known statically.

`Shape` and `Size` of a tensor whose type is static become constants; with constant
folding, the `Shape -> Gather/Slice -> Unsqueeze -> Concat -> Reshape` chains that
exporters emit then fold away completely. Results typed unranked or with dynamic dims
(TorchScript exports type what follows a computed Reshape as `tensor<*xf32>`) get their
static type back from their operands, so the chains further down fold too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import numpy as np
from xdsl.dialects.builtin import IntegerType, TensorType, UnrankedTensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from ramiel.dialects import onnx_ops as onnx
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.importer.onnx_importer import dense_attr
from ramiel.passes.values import only_onnx_users, static_shape, value_of

_I64 = IntegerType(64)


def _int_constant(array: np.ndarray, like: Operation, result: SSAValue) -> onnx.ConstantOp | None:
    """An inline int64 `onnx.Constant` holding `array`, standing for `result` of `like`.

    None when its static type differs from `result`'s and a user is not an `onnx` op
    (a `func.return` must keep the function's signature).
    """
    data = np.asarray(array, dtype=np.int64)
    result_type = TensorType(_I64, list(data.shape))
    if result_type != result.type and not only_onnx_users(result):
        return None
    op = onnx.ConstantOp.build(
        result_types=[result_type], properties={"value": dense_attr(result_type, data, "shape")}
    )
    op.location = like.location
    op.results[0].name_hint = result.name_hint
    return op


class ShapeOfStatic(RewritePattern):
    """`Shape(x) {start, end}` -> `Constant(shape(x)[start:end])` when `x`'s type is static.

    `start`/`end` follow ONNX: negative counts from the back, both clamp to [0, rank].
    Must not fire when any dim of `x` is dynamic or `x` is unranked, nor when the
    result is typed less precisely and feeds a non-`onnx` op such as `func.return`.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: onnx.ShapeOp, rewriter: PatternRewriter) -> None:
        shape = static_shape(op.data)
        if shape is None:
            return
        rank = len(shape)
        start = cast(int, op.onnx_attribute("start"))
        end_attr = op.onnx_attribute("end")
        end = rank if end_attr is None else cast(int, end_attr)
        start = min(max(start + rank if start < 0 else start, 0), rank)
        end = min(max(end + rank if end < 0 else end, 0), rank)
        new = _int_constant(np.array(shape[start:end], dtype=np.int64), op, op.shape)
        if new is not None:
            rewriter.replace(op, new)


class SizeOfStatic(RewritePattern):
    """`Size(x)` -> `Constant(prod(shape(x)))` (a scalar) when `x`'s type is static.

    Must not fire when any dim of `x` is dynamic or `x` is unranked.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: onnx.SizeOp, rewriter: PatternRewriter) -> None:
        shape = static_shape(op.data)
        if shape is None:
            return
        new = _int_constant(np.array(math.prod(shape), dtype=np.int64), op, op.size)
        if new is not None:
            rewriter.replace(op, new)


def _refine(value: SSAValue, shape: Sequence[int], rewriter: PatternRewriter) -> None:
    """Give `value` (a result typed unranked or with dynamic dims) the static `shape`.

    Nothing happens when its type is static already, disagrees with `shape` (rank or
    a static dim), or when a user is not an `onnx` op (a `func.return` must keep the
    function's signature).
    """
    old = value.type
    if isinstance(old, UnrankedTensorType):
        element = cast(UnrankedTensorType[Attribute], old).element_type
    elif isinstance(old, TensorType):
        ranked = cast(TensorType[Attribute], old).get_shape()
        if len(ranked) != len(shape) or all(d >= 0 for d in ranked):
            return
        if any(d >= 0 and d != n for d, n in zip(ranked, shape, strict=True)):
            return
        element = cast(TensorType[Attribute], old).element_type
    else:
        return
    if any(d < 0 for d in shape):
        return
    if not only_onnx_users(value):
        return
    new_value = rewriter.replace_value_with_new_type(value, TensorType(element, list(shape)))
    for use in list(new_value.uses):
        rewriter.notify_op_modified(use.operation)


def reshape_result_shape(
    input_shape: Sequence[int], target: Sequence[int], allowzero: bool
) -> tuple[int, ...] | None:
    """The shape ONNX Reshape gives `input_shape` (dims < 0 dynamic) for `target`, when static.

    A 0 in `target` copies the input dim (unless `allowzero`, when it is left to the
    caller: None), one -1 is inferred from the element count. None when not static or
    not valid.
    """
    if allowzero and 0 in target:
        return None
    if sum(1 for d in target if d == -1) > 1 or any(d < -1 for d in target):
        return None
    dims: list[int] = []
    for index, d in enumerate(target):
        if d == 0:
            if index >= len(input_shape) or input_shape[index] < 0:
                return None
            dims.append(input_shape[index])
        else:
            dims.append(d)
    if -1 in dims:
        if any(d < 0 for d in input_shape):
            return None
        known = math.prod(d for d in dims if d != -1)
        total = math.prod(input_shape)
        if known == 0 or total % known:
            return None
        dims[dims.index(-1)] = total // known
    elif all(d >= 0 for d in input_shape) and math.prod(dims) != math.prod(input_shape):
        return None
    return tuple(dims)


class ReshapeStaticType(RewritePattern):
    """`Reshape(x, c) : -> tensor<*>` -> the same Reshape typed with its static result shape.

    The shape follows ONNX Reshape from the constant `c`: 0 copies `x`'s dim, -1 is
    inferred. Must not fire when `c` is not a constant, when a dim it needs from `x` is
    dynamic, with `allowzero` and a 0 in `c`, or when the result type is static already.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: onnx.ReshapeOp, rewriter: PatternRewriter) -> None:
        data_type: Attribute = op.data.type
        if not isinstance(data_type, TensorType):
            return
        target = value_of(op.shape)
        if target is None or target.ndim != 1:
            return
        input_shape = cast(TensorType[Attribute], data_type).get_shape()
        shape = reshape_result_shape(
            input_shape, [int(d) for d in target], op.onnx_attribute("allowzero") == 1
        )
        if shape is not None:
            _refine(op.reshaped, shape, rewriter)


_SAME_SHAPE_OPS: tuple[type[OnnxOp], ...] = tuple(
    cast(type[OnnxOp], getattr(onnx, name))
    for name in (
        "AbsOp",
        "CastOp",
        "CeilOp",
        "CosOp",
        "EluOp",
        "ErfOp",
        "ExpOp",
        "FloorOp",
        "GeluOp",
        "HardSigmoidOp",
        "HardSwishOp",
        "IdentityOp",
        "LeakyReluOp",
        "LogOp",
        "LogSoftmaxOp",
        "MishOp",
        "NegOp",
        "NotOp",
        "ReciprocalOp",
        "ReluOp",
        "RoundOp",
        "SigmoidOp",
        "SignOp",
        "SinOp",
        "SoftmaxOp",
        "SoftplusOp",
        "SqrtOp",
        "TanhOp",
    )
    if hasattr(onnx, name)
)

_BROADCAST_OPS: tuple[type[OnnxOp], ...] = tuple(
    cast(type[OnnxOp], getattr(onnx, name))
    for name in ("AddOp", "SubOp", "MulOp", "DivOp", "PowOp", "WhereOp")
    if hasattr(onnx, name)
)


class PropagateStaticType(RewritePattern):
    """`op(x : static) : -> tensor<*>` -> `op` typed with the shape its operands imply.

    For ops whose result shape is a plain function of their operands' static shapes
    and constant operands: one-input elementwise ops (and Cast, Softmax) keep `x`'s
    shape; Add/Sub/Mul/Div/Pow/Where broadcast; Transpose permutes; Unsqueeze/Squeeze
    with constant axes; Gather with static indices; Flatten. Must not fire when an
    operand it needs is dynamic or not constant, or when a user is not an `onnx` op.
    """

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, OnnxOp) or len(op.results) != 1:
            return
        result = op.results[0]
        result_type: Attribute = result.type
        if not isinstance(result_type, TensorType | UnrankedTensorType):
            return
        if static_shape(result) is not None:
            return
        shape = _inferred_shape(op)
        if shape is not None:
            _refine(result, shape, rewriter)


def _axes(value: SSAValue | None, rank: int) -> list[int] | None:
    if value is None:
        return None
    array = value_of(value)
    if array is None:
        return None
    axes = [int(a) + rank if int(a) < 0 else int(a) for a in array.reshape(-1)]
    if any(a < 0 or a >= rank for a in axes) or len(set(axes)) != len(axes):
        return None
    return axes


def _inferred_shape(op: OnnxOp) -> tuple[int, ...] | None:
    if isinstance(op, _SAME_SHAPE_OPS):
        return static_shape(op.operands[0])
    if isinstance(op, _BROADCAST_OPS):
        shapes = [static_shape(v) for v in op.operands]
        if any(s is None for s in shapes):
            return None
        try:
            return tuple(int(d) for d in np.broadcast_shapes(*cast(list[tuple[int, ...]], shapes)))
        except ValueError:
            return None
    if isinstance(op, onnx.TransposeOp):
        return _transpose_shape(op)
    if isinstance(op, onnx.UnsqueezeOp):
        shape = static_shape(op.data)
        if shape is None:
            return None
        count = value_of(op.axes)
        axes = None if count is None else _axes(op.axes, len(shape) + count.size)
        if axes is None:
            return None
        dims = list(shape)
        for axis in sorted(axes):
            dims.insert(axis, 1)
        return tuple(dims)
    if isinstance(op, onnx.SqueezeOp):
        shape = static_shape(op.data)
        if shape is None:
            return None
        if op.axes is None:
            return tuple(d for d in shape if d != 1)
        axes = _axes(op.axes, len(shape))
        if axes is None or any(shape[a] != 1 for a in axes):
            return None
        return tuple(d for i, d in enumerate(shape) if i not in axes)
    if isinstance(op, onnx.GatherOp):
        shape = static_shape(op.data)
        indices = static_shape(op.indices)
        if shape is None or indices is None or not shape:
            return None
        axis = cast(int, op.onnx_attribute("axis"))
        axis = axis + len(shape) if axis < 0 else axis
        if not 0 <= axis < len(shape):
            return None
        return (*shape[:axis], *indices, *shape[axis + 1 :])
    if isinstance(op, onnx.FlattenOp):
        shape = static_shape(op.input)
        if shape is None:
            return None
        axis = cast(int, op.onnx_attribute("axis"))
        axis = axis + len(shape) if axis < 0 else axis
        if not 0 <= axis <= len(shape):
            return None
        return (math.prod(shape[:axis]), math.prod(shape[axis:]))
    return None


def _transpose_shape(op: onnx.TransposeOp) -> tuple[int, ...] | None:
    shape = static_shape(op.data)
    if shape is None:
        return None
    perm_attr = op.onnx_attribute("perm")
    if perm_attr is None:
        perm = list(reversed(range(len(shape))))
    else:
        perm = [int(p) for p in cast(Sequence[int], perm_attr)]
    if sorted(perm) != list(range(len(shape))):
        return None
    return tuple(shape[p] for p in perm)


PATTERNS: tuple[RewritePattern, ...] = (
    ShapeOfStatic(),
    SizeOfStatic(),
    ReshapeStaticType(),
    PropagateStaticType(),
)
