"""`canonicalize`: constant folding, the `onnx` canonicalization patterns, DCE and CSE.

    ramiel-opt model.mlir --canonicalize
    ramiel-opt model.mlir -p 'canonicalize{fold-limit=1000000}'

Folding evaluates an op whose operands are all constants (inline `onnx.Constant`s or
`dataflow.weight`s) through its lowering in the table of op semantics, and puts the
result back as an inline constant when small or as a new weight when large. A fold
that would create a tensor larger than `fold-limit` elements and larger than its
operands together is left alone: the graph did not need that tensor materialized (a
ConstantOfShape or Expand of a scalar), and the printer builds it once at load time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import AnyDenseElement, ModuleOp, TensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)
from xdsl.traits import Pure
from xdsl.transforms.common_subexpression_elimination import CommonSubexpressionElimination
from xdsl.transforms.dead_code_elimination import region_dce

from ramiel.dialects.dataflow import WeightOp
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.dialects.onnx_ops import ConstantOp
from ramiel.importer.onnx_importer import ImportConfig, dense_attr
from ramiel.ops.evaluate import evaluate
from ramiel.passes.patterns import canonicalization_patterns
from ramiel.passes.values import only_onnx_users, value_of
from ramiel.weights import WeightStore, attach_weights, weights_of

DEFAULT_FOLD_LIMIT = 1 << 22


@dataclass
class ConstantValues:
    """The values of the constants of one module: inline constants and weights."""

    store: WeightStore
    config: ImportConfig = field(default_factory=ImportConfig)

    def value(self, value: SSAValue) -> np.ndarray | None:
        """The value of `value` when it is an inline constant or a weight."""
        return value_of(value, self.store)

    def materialize(self, array: np.ndarray, result: SSAValue, like: Operation) -> Operation:
        """An op producing `array` (typed as `result`): inline when small, else a weight."""
        element = cast(TensorType[AnyDenseElement], result.type).element_type
        return self.build(array, element, result.name_hint, like)

    def build(
        self, array: np.ndarray, element: Attribute, name: str | None, like: Operation
    ) -> Operation:
        """An op producing `array` with element type `element`, named `name`, at `like`'s
        location: an inline `onnx.Constant` when small, else a new weight."""
        static = TensorType(cast(AnyDenseElement, element), list(array.shape))
        op: Operation
        if self.config.inline(array):
            op = ConstantOp.build(
                result_types=[static], properties={"value": dense_attr(static, array, "fold")}
            )
        else:
            key = _fresh_key(self.store, name or "folded")
            self.store.add(key, np.ascontiguousarray(array))
            op = WeightOp(key, static)
        op.location = like.location
        op.results[0].name_hint = name
        return op


def _fresh_key(store: WeightStore, hint: str) -> str:
    key = hint
    suffix = 0
    while key in store:
        suffix += 1
        key = f"{hint}_{suffix}"
    return key


def _elements(value: SSAValue) -> int | None:
    value_type: Attribute = value.type
    if not isinstance(value_type, TensorType):
        return None
    shape = cast(TensorType[Attribute], value_type).get_shape()
    return None if any(d < 0 for d in shape) else math.prod(shape)


class FoldConstants(RewritePattern):
    """`op(c1, ..., cn)` -> `c`: an op on constants only becomes its value.

    The value comes from `ramiel.ops.evaluate`, which runs the op's lowering.
    """

    def __init__(self, constants: ConstantValues, limit: int) -> None:
        self.constants = constants
        self.limit = limit

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if (
            not isinstance(op, OnnxOp)
            or isinstance(op, ConstantOp)
            or op.regions
            or not op.results
            or not op.has_trait(Pure)
        ):
            return
        values: dict[SSAValue, np.ndarray] = {}
        for operand in op.operands:
            array = self.constants.value(operand)
            if array is None:
                return
            values[operand] = array
        operand_size = sum(a.size for a in values.values())
        for result in op.results:
            size = _elements(result)
            if size is not None and size > max(self.limit, operand_size):
                return
        arrays = evaluate(op, values)
        if arrays is None:
            return
        if sum(a.size for a in arrays) > max(self.limit, operand_size):
            return
        for array, result in zip(arrays, op.results, strict=True):
            refined = list(array.shape) != list(
                cast(TensorType[Attribute], result.type).get_shape()
            )
            if refined and not only_onnx_users(result):
                return
        new_ops = [
            self.constants.materialize(a, r, op) for a, r in zip(arrays, op.results, strict=True)
        ]
        rewriter.replace(op, new_ops, [o.results[0] for o in new_ops])


@dataclass(frozen=True)
class CanonicalizePass(ModulePass):
    """Fold constants, apply the `onnx` canonicalization patterns, then DCE and CSE."""

    name = "canonicalize"

    fold_limit: int = DEFAULT_FOLD_LIMIT
    """Largest folded tensor (elements) that is not smaller than the fold's operands."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        store = weights_of(op)
        if store is None:
            store = WeightStore({})
            attach_weights(op, store)
        patterns: list[RewritePattern] = [
            FoldConstants(ConstantValues(store), self.fold_limit),
            *canonicalization_patterns(),
        ]
        PatternRewriteWalker(
            GreedyRewritePatternApplier(patterns, ctx=ctx, folding_enabled=False, dce_enabled=True),
            apply_recursively=True,
            post_walk_func=region_dce,
        ).rewrite_module(op)
        CommonSubexpressionElimination().apply(ctx, op)
        region_dce(op.body)
