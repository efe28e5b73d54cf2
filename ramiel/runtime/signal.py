"""Run-time helpers of the signal operators (for code that `ramiel.ops.signal` generates)."""

from __future__ import annotations

import math

import torch

__all__ = ["mel_weight_matrix"]


def mel_weight_matrix(
    num_mel_bins: int | torch.Tensor,
    dft_length: int | torch.Tensor,
    sample_rate: int | torch.Tensor,
    lower_edge_hertz: float | torch.Tensor,
    upper_edge_hertz: float | torch.Tensor,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """ONNX MelWeightMatrix: `[dft_length // 2 + 1, num_mel_bins]` triangular filters.

    The mel edges are computed as ONNX's reference does: `num_mel_bins + 2` points
    spaced by `(high - low) / (num_mel_bins + 2)` mels, converted to spectrogram bins
    with `floor((dft_length + 1) * hertz / sample_rate)`.
    """
    bins, length, rate = int(num_mel_bins), int(dft_length), int(sample_rate)
    low = float(lower_edge_hertz)
    high = float(upper_edge_hertz)
    spectrogram_bins = length // 2 + 1
    low_mel = 2595 * math.log1p(low / 700) / math.log(10)
    high_mel = 2595 * math.log1p(high / 700) / math.log(10)
    step = (high_mel - low_mel) / (bins + 2)
    mels = torch.arange(bins + 2, dtype=torch.float64) * step + low_mel
    hertz = 700 * torch.expm1(mels / 2595 * math.log(10))
    edges = torch.floor((length + 1) * hertz / rate).to(torch.int64)
    left, center, right = edges[:-2], edges[1:-1], edges[2:]
    j = torch.arange(spectrogram_bins, dtype=torch.int64).reshape(-1, 1)
    rising = (j - left).to(torch.float64) / (center - left).clamp(min=1).to(torch.float64)
    rising = torch.where(center == left, (j == center).to(torch.float64), rising)
    falling = (right - j).to(torch.float64) / (right - center).clamp(min=1).to(torch.float64)
    in_rise = (j >= left) & (j <= center)
    in_fall = (j >= center) & (j < right)
    zero = torch.zeros((), dtype=torch.float64)
    weights = torch.where(in_fall, falling, torch.where(in_rise, rising, zero))
    return weights.to(dtype)
