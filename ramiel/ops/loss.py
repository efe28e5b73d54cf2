"""Lowerings of the loss operators."""

from __future__ import annotations

from ramiel.dialects.onnx_ops import NegativeLogLikelihoodLossOp, SoftmaxCrossEntropyLossOp
from ramiel.ops.registry import Emit, Lowered, Multi, Operand, Unsupported, lowers, py_literal

_REDUCTIONS = ("none", "mean", "sum")


def _loss_args(e: Emit) -> str:
    """`input, target[, weight=..][, ignore_index=..][, reduction=..]` for `F.nll_loss`."""
    scores, target, weight = e.arg(0), e.arg(1), e.opt(2)
    reduction = e.attr("reduction")
    if reduction not in _REDUCTIONS:
        raise Unsupported(f"reduction '{reduction}' is not one of {', '.join(_REDUCTIONS)}")
    args = [scores.expr, _long(target)]
    if weight is not None:
        args.append(f"weight={weight}")
    ignore_index = e.attr("ignore_index")
    if ignore_index is not None:
        args.append(f"ignore_index={py_literal(ignore_index)}")
    if reduction != "mean":
        args.append(f"reduction={py_literal(reduction)}")
    return ", ".join(args)


def _long(target: Operand) -> str:
    """The class indices as int64, which torch's losses need."""
    return target.expr if target.dtype == "torch.int64" else f"{target}.long()"


@lowers(SoftmaxCrossEntropyLossOp)
def softmax_cross_entropy_loss(e: Emit, op: SoftmaxCrossEntropyLossOp) -> Lowered:
    """`F.cross_entropy`; with the `log_prob` output, `rt.softmax_cross_entropy_loss`."""
    if e.has_output(1):
        return Multi(f"rt.softmax_cross_entropy_loss({_loss_args(e)})")
    return f"F.cross_entropy({_loss_args(e)})"


@lowers(NegativeLogLikelihoodLossOp)
def negative_log_likelihood_loss(e: Emit, op: NegativeLogLikelihoodLossOp) -> str:
    """`F.nll_loss`."""
    return f"F.nll_loss({_loss_args(e)})"
