"""Canonicalization patterns: ops that return their input unchanged (a Relu of a Relu's
result among them).

Each pattern replaces an op that is the identity on its data operand by that
operand. They all require the operand's type to equal the result's type exactly
(the replaced value flows into the uses unchanged, `func.return` included), so
an op whose result type is more or less static than its input is left alone.
Shape-based patterns (Reshape, Expand, Squeeze, Unsqueeze, Slice) only fire on
fully static shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
from xdsl.dialects.builtin import AnyDenseElement, TensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from ramiel.dialects.onnx_ops import (
    CastLikeOp,
    CastOp,
    ConcatOp,
    ConstantOp,
    DropoutOp,
    ExpandOp,
    IdentityOp,
    PadOp,
    ReluOp,
    ReshapeOp,
    SliceOp,
    SqueezeOp,
    TransposeOp,
    UnsqueezeOp,
)
from ramiel.importer.onnx_importer import dense_attr
from ramiel.passes.values import rank, static_shape, value_of

# ---- helpers shared with merges.py ---------------------------------------------------


def permutation(op: TransposeOp) -> tuple[int, ...] | None:
    """The `perm` of a Transpose (default: reversed axes), None if the rank is unknown."""
    perm = op.onnx_attribute("perm")
    if perm is not None:
        return tuple(cast(Sequence[int], perm))
    r = rank(op.data)
    return None if r is None else tuple(range(r - 1, -1, -1))


def _forward(op: Operation, value: SSAValue, rewriter: PatternRewriter) -> None:
    """Replace the single result of `op` by `value` (of the same type) and erase `op`."""
    rewriter.replace(op, [], [value])


def _same_static(source: SSAValue, result: SSAValue) -> bool:
    return source.type == result.type and static_shape(source) is not None


# ---- patterns -------------------------------------------------------------------------


class RemoveIdentity(RewritePattern):
    """Identity(x) = x.

    Does not fire when the result type differs from x's type (a refined or
    loosened shape): the uses expect the result's type.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: IdentityOp, rewriter: PatternRewriter) -> None:
        if op.input.type == op.output.type:
            _forward(op, op.input, rewriter)


def _is_false(value: np.ndarray | None) -> bool:
    return value is not None and value.size == 1 and not bool(value.reshape(()))


def _is_zero(value: np.ndarray | None) -> bool:
    return value is not None and value.size == 1 and float(value.reshape(())) == 0.0


class RemoveInferenceDropout(RewritePattern):
    """Dropout(x) = (x, true) outside training mode, or with ratio 0.

    Inference is: `training_mode` absent or a constant false. A constant ratio 0
    drops nothing in either mode (the scale 1/(1-0) is 1 and every mask element
    is true). The mask, when used, becomes an all-true constant of its type.
    Does not fire when `training_mode` is true or not a constant (and the ratio is
    not a constant 0), when the mask is used and its shape is not static, or when
    the output type differs from x's.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: DropoutOp, rewriter: PatternRewriter) -> None:
        if op.data.type != op.output.type:
            return
        inference = op.training_mode is None or _is_false(value_of(op.training_mode))
        if not inference and not (op.ratio is not None and _is_zero(value_of(op.ratio))):
            return
        mask = op.mask
        if mask is None or not mask.uses:
            rewriter.replace(op, [], [op.data, None][: len(op.results)])
            return
        shape = static_shape(mask)
        if shape is None:
            return
        mask_type = cast(TensorType[AnyDenseElement], mask.type)
        constant = ConstantOp.build(
            result_types=[mask_type],
            properties={"value": dense_attr(mask_type, np.array(True), "dropout mask")},
        )
        constant.location = op.location
        rewriter.replace(op, [constant], [op.data, constant.output])


class RemoveNoOpCast(RewritePattern):
    """Cast(x, to=T) = x when x already has element type T.

    Does not fire when the cast changes the element type, or when the result
    type otherwise differs from x's.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: CastOp, rewriter: PatternRewriter) -> None:
        if op.input.type == op.output.type:
            _forward(op, op.input, rewriter)


class RemoveNoOpCastLike(RewritePattern):
    """CastLike(x, t) = x when x has t's element type.

    Does not fire when the element types differ.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: CastLikeOp, rewriter: PatternRewriter) -> None:
        source, target = op.input.type, op.target_type.type
        if not isinstance(source, TensorType) or not isinstance(target, TensorType):
            return
        source_t = cast(TensorType[Attribute], source)
        target_t = cast(TensorType[Attribute], target)
        if source_t.element_type == target_t.element_type and source == op.output.type:
            _forward(op, op.input, rewriter)


class RemoveNoOpReshape(RewritePattern):
    """Reshape(x, s) = x when x and the result have the same static shape.

    A reshape keeps the row-major order of the elements, so reshaping to the
    shape a tensor already has is the identity, whatever `s` and `allowzero`
    are. Does not fire on dynamic shapes.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ReshapeOp, rewriter: PatternRewriter) -> None:
        if _same_static(op.data, op.reshaped):
            _forward(op, op.data, rewriter)


class RemoveIdentityTranspose(RewritePattern):
    """Transpose(x, perm=(0, 1, ..., n-1)) = x.

    The default perm (reversed axes) is the identity only for rank 0 and 1.
    Does not fire for any other permutation, even one that only swaps unit
    dimensions (the rewrite depends on the perm, not on the shape).
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TransposeOp, rewriter: PatternRewriter) -> None:
        perm = permutation(op)
        if perm is None or perm != tuple(range(len(perm))):
            return
        if op.data.type == op.transposed.type:
            _forward(op, op.data, rewriter)


class RemoveNoOpExpand(RewritePattern):
    """Expand(x, s) = x when the result has x's static shape.

    Broadcasting that adds no dimension and stretches none copies x. Does not
    fire on dynamic shapes.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ExpandOp, rewriter: PatternRewriter) -> None:
        if _same_static(op.input, op.output):
            _forward(op, op.input, rewriter)


class RemoveNoOpSqueeze(RewritePattern):
    """Squeeze(x, axes) = x when the result has x's static shape (nothing squeezed).

    Covers Squeeze without axes of a tensor with no unit dimension and Squeeze
    with empty axes. Does not fire on dynamic shapes.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: SqueezeOp, rewriter: PatternRewriter) -> None:
        if _same_static(op.data, op.squeezed):
            _forward(op, op.data, rewriter)


class RemoveNoOpUnsqueeze(RewritePattern):
    """Unsqueeze(x, axes) = x when the result has x's static shape (empty axes).

    Does not fire on dynamic shapes.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: UnsqueezeOp, rewriter: PatternRewriter) -> None:
        if _same_static(op.data, op.expanded):
            _forward(op, op.data, rewriter)


class RemoveSingleConcat(RewritePattern):
    """Concat(x) = x: concatenating one tensor copies it.

    Does not fire with more than one input or when the result type differs.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ConcatOp, rewriter: PatternRewriter) -> None:
        if len(op.inputs) == 1 and op.inputs[0].type == op.concat_result.type:
            _forward(op, op.inputs[0], rewriter)


class RemoveFullSlice(RewritePattern):
    """Slice(x, starts, ends, axes, steps) = x when it keeps every element in order.

    With every step a positive constant (or steps absent: all 1) and a result of
    x's static shape, each sliced axis of size n yields n elements; a positive
    step can only do that by starting at 0 with step 1 (or n <= 1), so the slice
    is the whole tensor. Does not fire with a negative or unknown step (a
    reversal keeps the shape), or on dynamic shapes.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: SliceOp, rewriter: PatternRewriter) -> None:
        if not _same_static(op.data, op.output):
            return
        if op.steps is not None:
            steps = value_of(op.steps)
            if steps is None or not bool(np.all(steps > 0)):
                return
        _forward(op, op.data, rewriter)


class RemoveZeroPad(RewritePattern):
    """Pad(x, pads=0) = x, in every mode: nothing is added or cropped.

    Does not fire when the pads are not a constant or any pad is not 0, or
    when the result type differs from x's.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: PadOp, rewriter: PatternRewriter) -> None:
        if op.data.type != op.output.type:
            return
        pads = value_of(op.pads)
        if pads is not None and not bool(np.any(pads != 0)):
            _forward(op, op.data, rewriter)


class RemoveReluOfRelu(RewritePattern):
    """Relu(Relu(x)) = Relu(x): the outer Relu returns its input unchanged (NASNet's first
    cell begins with a Relu of the stem's Relu)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ReluOp, rewriter: PatternRewriter) -> None:
        if isinstance(op.X.owner, ReluOp) and op.X.type == op.Y.type:
            _forward(op, op.X, rewriter)


PATTERNS: tuple[RewritePattern, ...] = (
    RemoveIdentity(),
    RemoveReluOfRelu(),
    RemoveInferenceDropout(),
    RemoveNoOpCast(),
    RemoveNoOpCastLike(),
    RemoveNoOpReshape(),
    RemoveIdentityTranspose(),
    RemoveNoOpExpand(),
    RemoveNoOpSqueeze(),
    RemoveNoOpUnsqueeze(),
    RemoveSingleConcat(),
    RemoveFullSlice(),
    RemoveZeroPad(),
)
