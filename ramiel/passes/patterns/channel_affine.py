"""Canonicalization patterns: a per-channel constant Mul or Add folded into the op before it.

Exporters from Caffe2 and from frameworks that split BatchNormalization write
`Conv -> Mul(k) -> Add(t)` or `BatchNormalization -> Mul(k) -> Add(t)`, with `k` and
`t` constants that vary only along the channel axis, dim 1 (shaped `[C, 1, 1]` or
`[1, C, 1, 1]`, or a scalar; a `[C]` broadcasts along the last axis and is not one).
Each such op is a per-channel affine map `y -> s * y + t`, which the producer can
absorb:

- into a Conv or ConvTranspose: `W` scaled by `s` per output channel and the bias
  `b -> s * b + t` (the same algebra as folding BatchNormalization),
- into an inference BatchNormalization: `gamma -> s * gamma`, `beta -> s * beta + t`.

A pattern fires only when the producer's result has no other user, the constant is
per channel and the Mul or Add result has the producer's type (broadcasting grows
nothing).
"""

from __future__ import annotations

from typing import cast

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from ramiel.dialects import onnx_ops as onnx
from ramiel.passes.canonicalize import ConstantValues
from ramiel.passes.patterns.batch_norm import (
    bias_hint,
    is_inference,
    module_constants,
    scaled_conv,
    weight_and_bias,
)

Affine = tuple[np.ndarray, np.ndarray]
"""`(s, t)`: the map `y -> s * y + t`, one float64 entry per channel."""


def channel_vector(array: np.ndarray, result: SSAValue) -> np.ndarray | None:
    """`array` as one float64 value per channel of `result` (dim 1), or None.

    None unless `array` is floating point, `result` is a static tensor of rank 2 or
    more, and `array` broadcast against `result` varies along dim 1 at most.
    """
    result_type: Attribute = result.type
    if not isinstance(result_type, TensorType) or array.dtype.kind != "f":
        return None
    shape = cast(TensorType[Attribute], result_type).get_shape()
    if len(shape) < 2 or any(d < 0 for d in shape) or array.ndim > len(shape):
        return None
    aligned = (1,) * (len(shape) - array.ndim) + array.shape
    if any(d != 1 for i, d in enumerate(aligned) if i != 1) or aligned[1] not in (1, shape[1]):
        return None
    return np.broadcast_to(array.reshape(-1).astype(np.float64), (shape[1],)).copy()


_Producer = onnx.ConvOp | onnx.ConvTransposeOp | onnx.BatchNormalizationOp
"""The ops a per-channel Mul or Add folds into."""


def _affine(
    op: onnx.MulOp | onnx.AddOp, constants: ConstantValues
) -> tuple[_Producer, Affine] | None:
    """The producer of `op`'s non-constant operand and `op` as a per-channel affine map,
    when that producer is a `_Producer`, `op` its sole user, and `op` keeps its type.
    The constant is read only then: most Mul and Add ops are not such a fold."""
    for x, k in ((op.A, op.B), (op.B, op.A)):
        producer = x.owner
        if not isinstance(producer, _Producer) or not x.has_one_use() or x.type != op.C.type:
            continue
        value = constants.value(k)
        vector = None if value is None else channel_vector(value, op.C)
        if vector is None:
            continue
        if isinstance(op, onnx.MulOp):
            return producer, (vector, np.zeros_like(vector))
        return producer, (np.ones_like(vector), vector)
    return None


def _fold(op: onnx.MulOp | onnx.AddOp, rewriter: PatternRewriter) -> None:
    """Fold `op` into its producer when that is a Conv, ConvTranspose or inference BN."""
    constants = module_constants(op)
    found = None if constants is None else _affine(op, constants)
    if constants is None or found is None:
        return
    producer, affine = found
    if isinstance(producer, onnx.BatchNormalizationOp):
        _fold_into_batch_norm(op, producer, affine, constants, rewriter)
    else:
        _fold_into_conv(op, producer, affine, constants, rewriter)


def _fold_into_conv(
    op: onnx.MulOp | onnx.AddOp,
    conv: onnx.ConvOp | onnx.ConvTransposeOp,
    affine: Affine,
    constants: ConstantValues,
    rewriter: PatternRewriter,
) -> None:
    weights = weight_and_bias(conv.W, conv.B, constants)
    if weights is None:
        return
    new_ops = scaled_conv(conv, affine, weights, constants, op.C, bias_hint(conv.B, op.C))
    if new_ops is not None:
        rewriter.replace(op, new_ops, [new_ops[-1].results[0]])


def _fold_into_batch_norm(
    op: onnx.MulOp | onnx.AddOp,
    bn: onnx.BatchNormalizationOp,
    affine: Affine,
    constants: ConstantValues,
    rewriter: PatternRewriter,
) -> None:
    scale, shift = affine
    if not is_inference(bn):
        return
    gamma, beta = constants.value(bn.scale), constants.value(bn.B)
    if gamma is None or beta is None or gamma.shape != scale.shape or beta.shape != scale.shape:
        return
    new_gamma = constants.materialize(
        (gamma.astype(np.float64) * scale).astype(gamma.dtype), bn.scale, bn
    )
    new_beta = constants.materialize(
        (beta.astype(np.float64) * scale + shift).astype(beta.dtype), bn.B, bn
    )
    new_bn = onnx.BatchNormalizationOp.build(
        operands=[
            bn.X,
            new_gamma.results[0],
            new_beta.results[0],
            bn.input_mean,
            bn.input_var,
        ],
        result_types=[op.C.type, [], []],
        properties=dict(bn.properties),
    )
    new_bn.location = op.location
    new_bn.results[0].name_hint = op.C.name_hint
    rewriter.replace(op, [new_gamma, new_beta, new_bn], [new_bn.results[0]])
    rewriter.erase(bn)


class FoldChannelMul(RewritePattern):
    """`Conv(x, W, b) * k` -> `Conv(x, W * k, b * k)` and
    `BN(x; gamma, beta) * k` -> `BN(x; gamma * k, beta * k)`, `k` constant per channel."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: onnx.MulOp, rewriter: PatternRewriter) -> None:
        _fold(op, rewriter)


class FoldChannelAdd(RewritePattern):
    """`Conv(x, W, b) + t` -> `Conv(x, W, b + t)` and
    `BN(x; gamma, beta) + t` -> `BN(x; gamma, beta + t)`, `t` constant per channel."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: onnx.AddOp, rewriter: PatternRewriter) -> None:
        _fold(op, rewriter)


PATTERNS: tuple[RewritePattern, ...] = (FoldChannelMul(), FoldChannelAdd())
