"""An Inception-v3-style CNN built in code, for the GPU benchmark.

Inception-v3 (Szegedy et al., "Rethinking the Inception Architecture for Computer Vision",
2016) is a stem of 3x3 convolutions and max pools followed by eleven inception blocks whose
branches are mostly independent of one another:

- 3 InceptionA blocks at 35x35: 1x1 | 1x1 -> 5x5 | 1x1 -> 3x3 -> 3x3 | avg pool -> 1x1,
- 1 InceptionB (grid reduction to 17x17): 3x3/2 | 1x1 -> 3x3 -> 3x3/2 | max pool/2,
- 4 InceptionC blocks at 17x17, with 7x7 convolutions factorized into 1x7 and 7x1:
  1x1 | 1x1 -> 1x7 -> 7x1 | 1x1 -> 7x1 -> 1x7 -> 7x1 -> 1x7 | avg pool -> 1x1,
- 1 InceptionD (grid reduction to 8x8): 1x1 -> 3x3/2 | 1x1 -> 1x7 -> 7x1 -> 3x3/2 |
  max pool/2,
- 2 InceptionE blocks at 8x8, whose 3x3 branches end split into a 1x3 and a 3x1 convolution
  of the same tensor: 1x1 | 1x1 -> (1x3, 3x1) | 1x1 -> 3x3 -> (1x3, 3x1) | avg pool -> 1x1,

then a global average pool and a linear classifier. Every convolution is a Conv + BN + ReLU
unit. The channel counts are torchvision's `inception_v3` (the published network), scaled by
`width`; the auxiliary classifier, used only in training, is left out. Like torchvision, an
InceptionE block concatenates its split branches first and then the four branches; the
TorchScript exporter flattens that into one Concat of 6 inputs. InceptionB and InceptionD
have three branches (one 3-input Concat each), the other blocks four.

The smallest input the network accepts is 75x75 (the last blocks then work at 1x1); the
published one is 299x299.
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

INPUT_SIZE = 299
MIN_INPUT_SIZE = 75
SMALL_WIDTH = 0.25
SMALL_SIZE = 139
"""A width and input size small enough for tests on a CPU; the last blocks work at 3x3
(at the minimum size, 75, they are 1x1)."""


class _Channels:
    """A published channel count scaled by the width multiplier (at least 1)."""

    def __init__(self, width: float) -> None:
        self.width = width

    def __call__(self, channels: int) -> int:
        return max(1, round(channels * self.width))


class _Unit(nn.Sequential):
    """Convolution (no bias), BatchNorm (eps 1e-3, as published), ReLU."""

    def __init__(
        self,
        cin: int,
        cout: int,
        kernel: int | tuple[int, int],
        stride: int = 1,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        super().__init__(
            nn.Conv2d(cin, cout, kernel, stride, padding, bias=False),
            nn.BatchNorm2d(cout, eps=1e-3),
            nn.ReLU(),
        )


def _pool_branch(x: torch.Tensor, conv: nn.Module) -> torch.Tensor:
    # count_include_pad=True (torch's default) is what the published network uses.
    return conv(functional.avg_pool2d(x, 3, 1, 1))


class _InceptionA(nn.Module):
    """35x35 block: four branches (1x1; 5x5; double 3x3; pool), concatenated."""

    def __init__(self, cin: int, pool_features: int, ch: _Channels) -> None:
        super().__init__()
        self.b1x1 = _Unit(cin, ch(64), 1)
        self.b5x5 = nn.Sequential(_Unit(cin, ch(48), 1), _Unit(ch(48), ch(64), 5, padding=2))
        self.b3x3dbl = nn.Sequential(
            _Unit(cin, ch(64), 1),
            _Unit(ch(64), ch(96), 3, padding=1),
            _Unit(ch(96), ch(96), 3, padding=1),
        )
        self.pool = _Unit(cin, pool_features, 1)
        self.out_channels = ch(64) + ch(64) + ch(96) + pool_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The four branches of `x`, concatenated on channels."""
        return torch.cat(
            (self.b1x1(x), self.b5x5(x), self.b3x3dbl(x), _pool_branch(x, self.pool)), 1
        )


class _InceptionB(nn.Module):
    """Grid reduction 35x35 -> 17x17: three branches (3x3/2; double 3x3 ending /2; max
    pool/2), concatenated."""

    def __init__(self, cin: int, ch: _Channels) -> None:
        super().__init__()
        self.b3x3 = _Unit(cin, ch(384), 3, stride=2)
        self.b3x3dbl = nn.Sequential(
            _Unit(cin, ch(64), 1),
            _Unit(ch(64), ch(96), 3, padding=1),
            _Unit(ch(96), ch(96), 3, stride=2),
        )
        self.out_channels = ch(384) + ch(96) + cin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The three branches of `x`, concatenated on channels."""
        return torch.cat((self.b3x3(x), self.b3x3dbl(x), functional.max_pool2d(x, 3, 2)), 1)


class _InceptionC(nn.Module):
    """17x17 block with factorized 7x7 convolutions: four branches (1x1; 1x7 -> 7x1;
    7x1 -> 1x7 -> 7x1 -> 1x7; pool), concatenated."""

    def __init__(self, cin: int, c7: int, ch: _Channels) -> None:
        super().__init__()
        self.b1x1 = _Unit(cin, ch(192), 1)
        self.b7x7 = nn.Sequential(
            _Unit(cin, c7, 1),
            _Unit(c7, c7, (1, 7), padding=(0, 3)),
            _Unit(c7, ch(192), (7, 1), padding=(3, 0)),
        )
        self.b7x7dbl = nn.Sequential(
            _Unit(cin, c7, 1),
            _Unit(c7, c7, (7, 1), padding=(3, 0)),
            _Unit(c7, c7, (1, 7), padding=(0, 3)),
            _Unit(c7, c7, (7, 1), padding=(3, 0)),
            _Unit(c7, ch(192), (1, 7), padding=(0, 3)),
        )
        self.pool = _Unit(cin, ch(192), 1)
        self.out_channels = 4 * ch(192)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The four branches of `x`, concatenated on channels."""
        return torch.cat(
            (self.b1x1(x), self.b7x7(x), self.b7x7dbl(x), _pool_branch(x, self.pool)), 1
        )


class _InceptionD(nn.Module):
    """Grid reduction 17x17 -> 8x8: three branches (1x1 -> 3x3/2; 1x1 -> 1x7 -> 7x1 ->
    3x3/2; max pool/2), concatenated."""

    def __init__(self, cin: int, ch: _Channels) -> None:
        super().__init__()
        self.b3x3 = nn.Sequential(_Unit(cin, ch(192), 1), _Unit(ch(192), ch(320), 3, stride=2))
        self.b7x7x3 = nn.Sequential(
            _Unit(cin, ch(192), 1),
            _Unit(ch(192), ch(192), (1, 7), padding=(0, 3)),
            _Unit(ch(192), ch(192), (7, 1), padding=(3, 0)),
            _Unit(ch(192), ch(192), 3, stride=2),
        )
        self.out_channels = ch(320) + ch(192) + cin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The three branches of `x`, concatenated on channels."""
        return torch.cat((self.b3x3(x), self.b7x7x3(x), functional.max_pool2d(x, 3, 2)), 1)


class _InceptionE(nn.Module):
    """8x8 block: four branches (1x1; 1x1 -> (1x3, 3x1); 1x1 -> 3x3 -> (1x3, 3x1); pool),
    the split pairs concatenated first, then the four branches."""

    def __init__(self, cin: int, ch: _Channels) -> None:
        super().__init__()
        self.b1x1 = _Unit(cin, ch(320), 1)
        self.b3x3 = _Unit(cin, ch(384), 1)
        self.b3x3_a = _Unit(ch(384), ch(384), (1, 3), padding=(0, 1))
        self.b3x3_b = _Unit(ch(384), ch(384), (3, 1), padding=(1, 0))
        self.b3x3dbl = nn.Sequential(_Unit(cin, ch(448), 1), _Unit(ch(448), ch(384), 3, padding=1))
        self.b3x3dbl_a = _Unit(ch(384), ch(384), (1, 3), padding=(0, 1))
        self.b3x3dbl_b = _Unit(ch(384), ch(384), (3, 1), padding=(1, 0))
        self.pool = _Unit(cin, ch(192), 1)
        self.out_channels = ch(320) + 4 * ch(384) + ch(192)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The four branches of `x`, concatenated on channels."""
        y = self.b3x3(x)
        split = torch.cat((self.b3x3_a(y), self.b3x3_b(y)), 1)
        z = self.b3x3dbl(x)
        split_dbl = torch.cat((self.b3x3dbl_a(z), self.b3x3dbl_b(z)), 1)
        return torch.cat((self.b1x1(x), split, split_dbl, _pool_branch(x, self.pool)), 1)


class InceptionV3Style(nn.Module):
    """Inception-v3: stem, 3 InceptionA, InceptionB, 4 InceptionC, InceptionD,
    2 InceptionE, global average pool, linear classifier.

    `width` scales every channel count (1.0: the published ones, 2048 features before the
    classifier); the branches of every block stay as published at any width."""

    def __init__(self, width: float = 1.0, classes: int = 1000) -> None:
        super().__init__()
        ch = _Channels(width)
        self.stem = nn.Sequential(
            _Unit(3, ch(32), 3, stride=2),
            _Unit(ch(32), ch(32), 3),
            _Unit(ch(32), ch(64), 3, padding=1),
            nn.MaxPool2d(3, 2),
            _Unit(ch(64), ch(80), 1),
            _Unit(ch(80), ch(192), 3),
            nn.MaxPool2d(3, 2),
        )
        blocks: list[nn.Module] = []
        channels = ch(192)

        def add(block: _InceptionA | _InceptionB | _InceptionC | _InceptionD | _InceptionE) -> None:
            nonlocal channels
            blocks.append(block)
            channels = block.out_channels

        for pool_features in (32, 64, 64):
            add(_InceptionA(channels, ch(pool_features), ch))
        add(_InceptionB(channels, ch))
        for c7 in (128, 160, 160, 192):
            add(_InceptionC(channels, ch(c7), ch))
        add(_InceptionD(channels, ch))
        for _ in range(2):
            add(_InceptionE(channels, ch))
        self.blocks = nn.Sequential(*blocks)
        self.features = channels
        self.head = nn.Linear(channels, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits of an image batch (N x 3 x S x S, S >= 75)."""
        y = self.blocks(self.stem(x))
        return self.head(functional.adaptive_avg_pool2d(y, 1).flatten(1))


def inception_v3_model(width: float = 1.0, *, size: int = INPUT_SIZE) -> InceptionV3Style:
    """The seeded `InceptionV3Style` of this `width`, in eval mode, with BatchNorm
    statistics calibrated on random `size` x `size` images (so that BN folding is not the
    identity and activations stay near unit scale through the depth)."""
    untyped: Any = torch
    untyped.manual_seed(0)
    model = InceptionV3Style(width)
    calibrate_batch_norm(model, (2, 3, size, size))
    return model


def inception_v3_input(size: int = INPUT_SIZE) -> np.ndarray:
    """A seeded random float32 image of shape 1 x 3 x `size` x `size`."""
    return np.random.default_rng(0).standard_normal((1, 3, size, size)).astype(np.float32)


def inception_v3_example(
    path: Path | None = None, *, width: float = 1.0, size: int = INPUT_SIZE
) -> onnx.ModelProto:
    """`inception_v3_model(width)` exported to ONNX for a 1 x 3 x `size` x `size` input
    (TorchScript exporter, opset 18, BatchNorm folded into the convolutions); also saved
    to `path` when given."""
    if size < MIN_INPUT_SIZE:
        raise ValueError(f"Inception-v3 needs inputs of at least {MIN_INPUT_SIZE}x{MIN_INPUT_SIZE}")
    model = export(
        inception_v3_model(width, size=size),
        (torch.as_tensor(inception_v3_input(size)),),
        dynamo=False,
    )
    if path is not None:
        save_onnx(model, path)
    return model
