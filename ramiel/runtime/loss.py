"""Run-time helpers of the loss operators (for code that `ramiel.ops.loss` generates)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__: list[str] = ["softmax_cross_entropy_loss"]


def softmax_cross_entropy_loss(
    scores: torch.Tensor,
    labels: torch.Tensor,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> tuple[torch.Tensor, torch.Tensor]:
    """ONNX SoftmaxCrossEntropyLoss with its `log_prob` output: `(loss, log_softmax(scores))`."""
    log_prob = F.log_softmax(scores, dim=1)
    loss = F.nll_loss(log_prob, labels, weight, ignore_index=ignore_index, reduction=reduction)
    return loss, log_prob
