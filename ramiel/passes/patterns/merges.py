"""Canonicalization patterns: chains of data movement ops merged into one op.

The inner op of a chain may have other uses: it then stays for them, and the
merged op reads the inner op's input directly. Transposes and reshapes are
cheap (views in the lowering), so a merge never costs more than the chain and
shortens the dependency path; the trivial DCE of the pass removes an inner op
left without uses.
"""

from __future__ import annotations

from xdsl.dialects.builtin import DenseArrayBase, i64
from xdsl.ir import SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from ramiel.dialects.onnx_ops import FlattenOp, ReshapeOp, SqueezeOp, TransposeOp, UnsqueezeOp
from ramiel.passes.patterns.identities import permutation
from ramiel.passes.values import value_of


class MergeTransposes(RewritePattern):
    """Transpose(Transpose(x, p), q) = Transpose(x, c) with c[i] = p[q[i]]; x when c is 1.

    The outer result's axis i is the inner result's axis q[i], which is x's axis
    p[q[i]]. Does not fire when a perm is the default (reversed axes) and x's rank
    is unknown. A composed identity whose result type differs from x's stays a
    Transpose with the identity perm.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TransposeOp, rewriter: PatternRewriter) -> None:
        inner = op.data.owner
        if not isinstance(inner, TransposeOp):
            return
        p, q = permutation(inner), permutation(op)
        if p is None or q is None or len(p) != len(q):
            return
        composed = tuple(p[i] for i in q)
        source = inner.data
        if composed == tuple(range(len(composed))) and source.type == op.transposed.type:
            rewriter.replace(op, [], [source])
            return
        new = TransposeOp.build(
            operands=[source],
            result_types=[op.transposed.type],
            properties={"perm": DenseArrayBase.from_list(i64, composed)},
        )
        new.location = op.location
        rewriter.replace(op, new)


def _shape_is_absolute(op: ReshapeOp) -> bool:
    """Whether the target shape of `op` is a constant that does not copy input dimensions.

    A 0 entry copies the input's dimension unless `allowzero` is 1; an entry 0 with
    allowzero 1 is a literal empty dimension, which is absolute too, but such a
    chain is rare and left alone. -1 is inferred from the element count, which a
    chain of reshapes keeps.
    """
    shape = value_of(op.shape)
    return shape is not None and shape.ndim == 1 and bool((shape != 0).all())


def _reshape_from(op: ReshapeOp, source: SSAValue, rewriter: PatternRewriter) -> None:
    new = ReshapeOp.build(
        operands=[source, op.shape],
        result_types=[op.reshaped.type],
        properties=dict(op.properties),
    )
    new.location = op.location
    rewriter.replace(op, new)


class MergeReshapes(RewritePattern):
    """Reshape(Reshape(x, s1), s2) = Reshape(x, s2) when s2 is constant without 0 entries.

    A reshape only depends on its input's element order and count, which the
    inner reshape keeps, unless s2 copies a dimension of the inner result (a 0
    entry with allowzero=0). Does not fire when s2 is not a constant or has a 0
    entry (whatever allowzero is).
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ReshapeOp, rewriter: PatternRewriter) -> None:
        inner = op.data.owner
        if isinstance(inner, ReshapeOp) and _shape_is_absolute(op):
            _reshape_from(op, inner.data, rewriter)


class MergeSqueezeIntoReshape(RewritePattern):
    """Reshape(Squeeze | Unsqueeze | Flatten(x), s) = Reshape(x, s) for a constant s without 0s.

    Squeeze, Unsqueeze and Flatten are reshapes: they keep the element order and
    count. Does not fire when s is not a constant or has a 0 entry (it would
    copy a dimension of the inner result).
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ReshapeOp, rewriter: PatternRewriter) -> None:
        inner = op.data.owner
        if isinstance(inner, SqueezeOp | UnsqueezeOp | FlattenOp) and _shape_is_absolute(op):
            source = inner.input if isinstance(inner, FlattenOp) else inner.data
            _reshape_from(op, source, rewriter)


PATTERNS: tuple[RewritePattern, ...] = (
    MergeTransposes(),
    MergeReshapes(),
    MergeSqueezeIntoReshape(),
)
