"""A NASNet-A-style CNN built in code, for measuring operator-level parallelism at batch 1.

NASNet-A (Zoph et al., "Learning Transferable Architectures for Scalable Image
Recognition", 2018) stacks searched cells. Each cell reads the outputs of the two cells
before it, `h` (the previous one) and `hp` (the one before that), brings both to its width
with 1x1 convolutions (a strided "factorized reduction" when `hp` is twice as large), and
sums pairs of branches (separable convolutions, pooling, identity) in five blocks whose
outputs are concatenated on channels. The ten branches of a cell are mostly independent,
which makes the network the widest of the classic CNNs (NASNet-A-Large: sum of op times
over the critical path about 4).

`NASNetStyle` keeps that topology (the published normal and reduction cells) at a small
size: `1x3x64x64` input, three stages of three normal cells at 32x32, 16x16 and 8x8 with
two reduction cells between them, widths 32, 64 and 96.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from torch import nn
from torch.nn import functional

from ramiel.testing.models import calibrate_batch_norm, export, save_onnx

INPUT_SHAPE = (1, 3, 64, 64)


class _SepConv(nn.Sequential):
    """NASNet's separable convolution: (ReLU, depthwise kxk, pointwise 1x1, BN) twice, the
    first depthwise convolution carrying the stride."""

    def __init__(self, channels: int, kernel: int, stride: int = 1) -> None:
        layers: list[nn.Module] = []
        for s in (stride, 1):
            layers += [
                nn.ReLU(),
                nn.Conv2d(channels, channels, kernel, s, kernel // 2, groups=channels, bias=False),
                nn.Conv2d(channels, channels, 1, bias=False),
                nn.BatchNorm2d(channels),
            ]
        super().__init__(*layers)


class _ReluConvBn(nn.Sequential):
    """ReLU, 1x1 convolution, BN: how a cell brings an input to its own width."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(nn.ReLU(), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))


class _FactorizedReduce(nn.Module):
    """Halves the spatial size of `hp` when the previous cell was a reduction cell: two
    1x1 convolutions with stride 2, the second on the input shifted by one pixel, each
    giving half of the output channels."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.path1 = nn.Conv2d(cin, cout // 2, 1, bias=False)
        self.path2 = nn.Conv2d(cin, cout - cout // 2, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`x` at half its height and width, with `cout` channels."""
        x = functional.relu(x)
        # NASNet pads right and bottom by one, then drops the first row and column: for
        # even sizes that is the plain slice.
        shifted = x[:, :, 1:, 1:]
        y1 = self.path1(functional.avg_pool2d(x, 1, 2))
        y2 = self.path2(functional.avg_pool2d(shifted, 1, 2))
        return self.bn(torch.cat((y1, y2), 1))


def _adjust(cin: int, cout: int, reduce: bool) -> nn.Module:
    return _FactorizedReduce(cin, cout) if reduce else _ReluConvBn(cin, cout)


class _NormalCell(nn.Module):
    """NASNet-A's normal cell: five blocks of two branches each, all independent of one
    another, concatenated with the adjusted `hp` (6 x width channels out).

    The published cell sums two identical average pools of `hp` in its fourth block; here
    the second one is a max pool, so that canonicalization (CSE) does not merge them."""

    def __init__(self, cin: int, cin_prev: int, width: int, reduce_prev: bool) -> None:
        super().__init__()
        self.adjust = _ReluConvBn(cin, width)
        self.adjust_prev = _adjust(cin_prev, width, reduce_prev)
        self.b1_left = _SepConv(width, 3)
        self.b2_left = _SepConv(width, 3)
        self.b2_right = _SepConv(width, 5)
        self.b5_left = _SepConv(width, 5)
        self.b5_right = _SepConv(width, 3)

    def forward(self, h: torch.Tensor, hp: torch.Tensor) -> torch.Tensor:
        """The cell's output from the previous (`h`) and the one-before (`hp`) outputs."""
        x = self.adjust(h)
        p = self.adjust_prev(hp)
        b1 = self.b1_left(x) + x
        b2 = self.b2_left(p) + self.b2_right(x)
        b3 = functional.avg_pool2d(x, 3, 1, 1, count_include_pad=False) + p
        b4 = functional.avg_pool2d(p, 3, 1, 1, count_include_pad=False) + functional.max_pool2d(
            p, 3, 1, 1
        )
        b5 = self.b5_left(p) + self.b5_right(p)
        return torch.cat((p, b1, b2, b3, b4, b5), 1)


class _ReductionCell(nn.Module):
    """NASNet-A's reduction cell: halves height and width. Its last two blocks read the
    first two; all five blocks are concatenated (5 x width channels out; the published
    cell leaves the first block out)."""

    def __init__(self, cin: int, cin_prev: int, width: int, reduce_prev: bool) -> None:
        super().__init__()
        self.adjust = _ReluConvBn(cin, width)
        self.adjust_prev = _adjust(cin_prev, width, reduce_prev)
        self.b1_left = _SepConv(width, 5, 2)
        self.b1_right = _SepConv(width, 7, 2)
        self.b2_right = _SepConv(width, 7, 2)
        self.b3_right = _SepConv(width, 5, 2)
        self.b5_left = _SepConv(width, 3)

    def forward(self, h: torch.Tensor, hp: torch.Tensor) -> torch.Tensor:
        """The cell's output from the previous (`h`) and the one-before (`hp`) outputs."""
        x = self.adjust(h)
        p = self.adjust_prev(hp)
        b1 = self.b1_left(x) + self.b1_right(p)
        b2 = functional.max_pool2d(x, 3, 2, 1) + self.b2_right(p)
        b3 = functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False) + self.b3_right(p)
        b4 = functional.avg_pool2d(b1, 3, 1, 1, count_include_pad=False) + b2
        b5 = self.b5_left(b1) + functional.max_pool2d(x, 3, 2, 1)
        return torch.cat((b1, b2, b3, b4, b5), 1)


class NASNetStyle(nn.Module):
    """A small NASNet-A: stem, then `cells_per_stage` normal cells per stage with a
    reduction cell between stages, global average pool and a linear classifier."""

    def __init__(
        self,
        widths: tuple[int, ...] = (32, 64, 96),
        cells_per_stage: int = 3,
        stem_channels: int = 32,
        classes: int = 10,
    ) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, stem_channels, 3, 2, 1, bias=False),
            nn.BatchNorm2d(stem_channels),
            nn.ReLU(),
        )
        cells: list[nn.Module] = []
        # (channels, spatial scale) of h and hp; scale counts the reductions so far.
        h, hp = (stem_channels, 0), (stem_channels, 0)
        for stage, width in enumerate(widths):
            if stage > 0:
                cells.append(_ReductionCell(h[0], hp[0], width, hp[1] < h[1]))
                h, hp = (5 * width, stage), h
            for _ in range(cells_per_stage):
                cells.append(_NormalCell(h[0], hp[0], width, hp[1] < h[1]))
                h, hp = (6 * width, stage), h
        self.cells = nn.ModuleList(cells)
        self.head = nn.Linear(h[0], classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits of an image batch."""
        h = hp = self.stem(x)
        for cell in self.cells:
            h, hp = cell(h, hp), h
        return self.head(functional.adaptive_avg_pool2d(functional.relu(h), 1).flatten(1))


def nasnet_model() -> NASNetStyle:
    """The seeded `NASNetStyle`, in eval mode, with BatchNorm statistics calibrated on
    random data (so that BN folding is not the identity and activations stay near unit
    scale through the depth)."""
    untyped: Any = torch
    untyped.manual_seed(0)
    model = NASNetStyle()
    calibrate_batch_norm(model, (4, *INPUT_SHAPE[1:]))
    return model


def nasnet_input() -> np.ndarray:
    """A seeded random input of shape `INPUT_SHAPE`, float32."""
    return np.random.default_rng(0).standard_normal(INPUT_SHAPE).astype(np.float32)


def nasnet_example(path: Path | None = None) -> onnx.ModelProto:
    """`nasnet_model()` exported to ONNX (TorchScript exporter, opset 18, BatchNorm folded
    into the convolutions); also saved to `path` when given."""
    model = export(nasnet_model(), (torch.as_tensor(nasnet_input()),), dynamo=False)
    if path is not None:
        save_onnx(model, path)
    return model
