"""Canonicalization patterns: inference BatchNormalization folded into the op before it.

In inference mode BatchNormalization is a per-channel affine map,
`BN(y) = s * (y - mean) + beta` with `s = gamma / sqrt(var + eps)`, and the channel
is an output channel of the Conv, ConvTranspose or Gemm that produces `y`. Scaling
that op's weight per output channel by `s` and its bias to `s * (b - mean) + beta`
gives the same result with one op less.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
from xdsl.dialects.builtin import Float32Type, FloatAttr, ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from ramiel.dialects import onnx_ops as onnx
from ramiel.passes.canonicalize import ConstantValues
from ramiel.weights import weights_of


def module_constants(op: Operation) -> ConstantValues | None:
    """The constant values of the module holding `op` (None outside a module with weights)."""
    module = op.get_toplevel_object()
    store = weights_of(module) if isinstance(module, ModuleOp) else None
    return None if store is None else ConstantValues(store)


def is_inference(bn: onnx.BatchNormalizationOp) -> bool:
    """Whether `bn` normalizes with its given mean and variance and nothing reads its
    running statistics: a per-channel affine map of its input."""
    if bn.onnx_attribute("training_mode") != 0:
        return False
    return not any(extra is not None and extra.uses for extra in (bn.running_mean, bn.running_var))


def inference_affine(
    bn: onnx.BatchNormalizationOp, constants: ConstantValues
) -> tuple[np.ndarray, np.ndarray] | None:
    """`(s, t)` with `BN(y) = s * y + t` per channel (float64), for an inference BN on constants.

    None in training mode, when `running_mean`/`running_var` are used, or when a
    parameter is not a constant 1-D tensor of one length.
    """
    if not is_inference(bn):
        return None
    params: list[np.ndarray] = []
    for value in (bn.scale, bn.B, bn.input_mean, bn.input_var):
        array = constants.value(value)
        if array is None or array.ndim != 1 or array.dtype.kind != "f":
            return None
        params.append(array.astype(np.float64))
    gamma, beta, mean, var = params
    if not gamma.shape == beta.shape == mean.shape == var.shape:
        return None
    epsilon = cast(float, bn.onnx_attribute("epsilon"))
    scale = gamma / np.sqrt(var + epsilon)
    return scale, beta - mean * scale


def _sole_producer(bn: onnx.BatchNormalizationOp) -> Operation | None:
    """The op producing BN's input when BN is its only user."""
    value = bn.X
    if not value.has_one_use():
        return None
    owner = value.owner
    return owner if isinstance(owner, Operation) else None


def weight_and_bias(
    weight: SSAValue, bias: SSAValue | None, constants: ConstantValues
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """The constant weight and optional constant bias (None when either is not constant)."""
    w = constants.value(weight)
    if w is None or w.dtype.kind != "f":
        return None
    if bias is None:
        return w, None
    b = constants.value(bias)
    return None if b is None else (w, b)


class FoldBatchNormIntoConv(RewritePattern):
    """`BN(Conv(x, W, b))` -> `Conv(x, W * s[:, None, ...], (b - mean) * s + beta)`.

    `s = gamma / sqrt(var + eps)` over Conv's output channels (dim 0 of `W`). For a
    ConvTranspose, whose `W` is `(C_in, C_out / group, k...)`, output channel
    `g * C_out/group + j` scales `W[g * C_in/group : ..., j]`.

    Must not fire when BN is in training mode or its mean/var outputs are used, when
    `W`, `b` or a BN parameter is not a constant, or when the conv has other users.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, bn: onnx.BatchNormalizationOp, rewriter: PatternRewriter) -> None:
        conv = _sole_producer(bn)
        if not isinstance(conv, onnx.ConvOp | onnx.ConvTransposeOp):
            return
        constants = module_constants(bn)
        if constants is None:
            return
        affine = inference_affine(bn, constants)
        found = weight_and_bias(conv.W, conv.B, constants)
        if affine is None or found is None:
            return
        new_ops = scaled_conv(conv, affine, found, constants, bn.Y, bias_hint(conv.B, bn.Y))
        if new_ops is not None:
            _replace(bn, new_ops, new_ops[-1].results[0], rewriter)


def scaled_conv(
    conv: onnx.ConvOp | onnx.ConvTransposeOp,
    affine: tuple[np.ndarray, np.ndarray],
    found: tuple[np.ndarray, np.ndarray | None],
    constants: ConstantValues,
    result: SSAValue,
    bias_hint: str | None,
) -> list[Operation] | None:
    """New weight, bias and conv computing `s * conv(x) + t` per output channel.

    `affine` is `(s, t)` (float64, one entry per output channel), `found` the conv's
    constant weight and optional bias; the new conv is typed and named as `result`,
    the value it replaces. None when the shapes do not fit.
    """
    scale, shift = affine
    w, b = found
    channels = scale.shape[0]
    if w.ndim < 2 or (b is not None and b.shape != (channels,)):
        return None
    kernel = (1,) * (w.ndim - 2)
    if isinstance(conv, onnx.ConvOp):
        if w.shape[0] != channels:
            return None
        new_w = w.astype(np.float64) * scale.reshape(channels, 1, *kernel)
    else:
        group = cast(int, conv.onnx_attribute("group"))
        if group < 1 or w.shape[0] % group or w.shape[1] * group != channels:
            return None
        per_group = w.reshape(group, w.shape[0] // group, *w.shape[1:]).astype(np.float64)
        factors = scale.reshape(group, 1, w.shape[1], *kernel)
        new_w = (per_group * factors).reshape(w.shape)
    old_b = np.zeros(channels) if b is None else b.astype(np.float64)
    new_b = old_b * scale + shift
    weight_op = constants.materialize(new_w.astype(w.dtype), conv.W, conv)
    bias_op = constants.materialize(new_b.astype(w.dtype), conv.B or conv.W, conv)
    bias_op.results[0].name_hint = bias_hint
    new_conv = type(conv).build(
        operands=[conv.X, weight_op.results[0], [bias_op.results[0]]],
        result_types=[result.type],
        properties=dict(conv.properties),
    )
    owner = result.owner
    new_conv.location = owner.location if isinstance(owner, Operation) else conv.location
    new_conv.results[0].name_hint = result.name_hint
    return [weight_op, bias_op, new_conv]


class FoldBatchNormIntoGemm(RewritePattern):
    """`BN(Gemm(A, B, C))` -> `Gemm(A, B' * s, (beta_g * C - mean) * s + beta)` with beta 1.

    BN normalizes dim 1 of the 2-D Gemm result, the columns of `B'` (`B`, or `B`
    transposed when `transB`): `s = gamma / sqrt(var + eps)` scales them, and the new
    bias absorbs the Gemm's `beta`; `alpha` stays.

    Must not fire when BN is in training mode or its mean/var outputs are used, when
    `B`, `C` or a BN parameter is not a constant, or when the Gemm has other users.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, bn: onnx.BatchNormalizationOp, rewriter: PatternRewriter) -> None:
        gemm = _sole_producer(bn)
        if not isinstance(gemm, onnx.GemmOp):
            return
        constants = module_constants(bn)
        if constants is None:
            return
        affine = inference_affine(bn, constants)
        found = weight_and_bias(gemm.B, gemm.C, constants)
        if affine is None or found is None:
            return
        scale, shift = affine
        w, c = found
        channels = scale.shape[0]
        trans_b = gemm.onnx_attribute("transB") == 1
        if w.ndim != 2 or w.shape[0 if trans_b else 1] != channels:
            return
        new_w = w.astype(np.float64) * (scale[:, None] if trans_b else scale[None, :])
        beta_g = cast(float, gemm.onnx_attribute("beta"))
        old_c = np.zeros(channels) if c is None else beta_g * c.astype(np.float64)
        try:
            new_c = np.broadcast_to(old_c, np.broadcast_shapes(old_c.shape, (channels,)))
        except ValueError:
            return
        if new_c.ndim > 2:
            return
        new_c = new_c * scale + shift
        weight_op = constants.materialize(new_w.astype(w.dtype), gemm.B, gemm)
        bias_op = constants.materialize(new_c.astype(w.dtype), gemm.C or gemm.B, gemm)
        bias_op.results[0].name_hint = bias_hint(gemm.C, bn.Y)
        properties = dict(gemm.properties)
        properties["beta"] = FloatAttr(1.0, Float32Type())
        new_gemm = onnx.GemmOp.build(
            operands=[gemm.A, weight_op.results[0], [bias_op.results[0]]],
            result_types=[bn.Y.type],
            properties=properties,
        )
        new_gemm.location = bn.location
        new_gemm.results[0].name_hint = bn.Y.name_hint
        _replace(bn, [weight_op, bias_op, new_gemm], new_gemm.results[0], rewriter)


def bias_hint(bias: SSAValue | None, result: SSAValue) -> str | None:
    """The name hint of a folded bias: the old bias's, else derived from the folded result."""
    if bias is not None:
        return bias.name_hint
    return None if result.name_hint is None else f"{result.name_hint}_bias"


def _replace(
    bn: onnx.BatchNormalizationOp,
    new_ops: Sequence[Operation],
    y: SSAValue,
    rewriter: PatternRewriter,
) -> None:
    """Replace `bn` (whose only used result is `Y`) by `new_ops`, `Y` by `y`."""
    results: list[SSAValue | None] = [None] * len(bn.results)
    results[0] = y
    rewriter.replace(bn, new_ops, results)


PATTERNS: tuple[RewritePattern, ...] = (FoldBatchNormIntoConv(), FoldBatchNormIntoGemm())
