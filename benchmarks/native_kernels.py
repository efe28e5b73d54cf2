"""Ramiel's own kernels (`ramiel.kernels`) against what they replace, per shape.

    .venv/bin/python benchmarks/native_kernels.py [--threads 1 2] [--seconds 0.15]
        [--only NAME...] [--cold]

Depthwise convolutions: oneDNN's packed kernel (`torch.ops.mkldnn._convolution_pointwise`,
what a `dataflow.conv` without `kernel` prints) against `torch.ops.ramiel.depthwise_conv2d`
(`kernel = "depthwise"`). 1x1 convolutions with Relu: what the compiler printed without
the kernel (the `addmm` path of `kernel = "matmul"` up to 4M multiply-adds, else oneDNN)
against `torch.ops.ramiel.pointwise_conv2d` (`kernel = "pointwise"`). 1x1 convolutions of the
Relu of a Concat of six parts: `torch.cat`, `torch.relu` and the pointwise kernel
against `torch.ops.ramiel.pointwise_concat_conv2d` (`dataflow.concat_conv`). Pooling:
`F.max_pool2d` / `F.avg_pool2d` on channels-last tensors against `torch.ops.ramiel.pool2d`
(`dataflow.pool`). BatchNormalization + Relu: `F.batch_norm` then `torch.relu` against
`torch.ops.ramiel.channel_affine` (`dataflow.channel_affine`). LRN: `rt.lrn` (pad,
shifted adds, pow) against `torch.ops.ramiel.lrn` (`dataflow.lrn`). Stems: oneDNN after a
channels-last conversion against `torch.ops.ramiel.direct_conv2d` (`kernel = "direct"`).
Classifiers: `F.linear` against `torch.ops.ramiel.linear` (`dataflow.linear`). 3x3
convolutions at stride 1 with Relu: oneDNN against `torch.ops.ramiel.winograd_conv2d`
(`kernel = "winograd"`). Each pair alternates in rounds from Python; the table gives the
medians (us per call) and the speedup, hot: inside a model the stem and the classifier
run cold, once per call (`benchmarks/model_ends.py` times them there). `--cold` writes 64
MiB between calls (untimed), so that weights come from memory as in a large model;
`--only` keeps the rows whose name starts with one of the prefixes given. The shapes are
the NASNet-style model's separable convolutions and pools, GoogLeNet's pools and LRNs,
ResNet-50's and DenseNet-121's 1x1 convolutions and pre-activations, the 3x3
convolutions of ResNet-50, GoogLeNet and DenseNet-121, and the stems and classifiers of
NASNet-style, ResNet-50 and GoogLeNet.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F

from ramiel import kernels
from ramiel import runtime as rt

DEPTHWISE = (
    (32, 32, 3, 1),
    (32, 32, 5, 1),
    (64, 16, 5, 1),
    (64, 16, 7, 1),
    (64, 32, 5, 2),
    (96, 8, 3, 1),
    (96, 8, 7, 1),
    (96, 16, 7, 2),
)
"""(channels, height and width, kernel size, stride) of depthwise convolutions."""

POOLS = (
    ("max", 64, 112, 3, 2),
    ("max", 192, 56, 3, 2),
    ("max", 192, 28, 3, 1),
    ("max", 480, 14, 3, 1),
    ("max", 832, 7, 3, 1),
    ("max", 32, 32, 3, 1),
    ("avg", 32, 32, 3, 1),
    ("avg", 96, 8, 3, 1),
    ("max", 64, 16, 3, 2),
)
"""(kind, channels, height and width, kernel size, stride) of pools, padding 1."""

POINTWISE = (
    (32, 32, 32),
    (64, 16, 64),
    (96, 8, 96),
    (192, 32, 32),
    (64, 56, 256),
    (256, 56, 64),
    (512, 28, 128),
    (384, 16, 64),
    (576, 8, 96),
    (832, 7, 128),
    (832, 7, 256),
    (1024, 14, 256),
)
"""(input channels, height and width, output channels) of 1x1 convolutions."""

CONCAT = ((32, 32, 64), (32, 32, 32), (64, 16, 96), (64, 16, 64), (96, 8, 96))
"""(channels of each of six parts, height and width, output channels) of a 1x1
convolution of the Relu of their Concat: the NASNet-style model's cell inputs."""

AFFINE = ((128, 56), (256, 56), (512, 28), (1024, 14))
"""(channels, height and width) of BatchNormalization + Relu."""

LRN = ((64, 56), (192, 28))
"""(channels, height and width) of LRNs (size 5, beta 0.75)."""

STEMS = ((64, 32, 3, 1), (224, 64, 7, 3))
"""(height and width, output channels, kernel size, padding) of stride-2 convolutions of
a 3-channel image, with Relu."""

LINEARS = ((576, 10), (1024, 1000), (2048, 1000))
"""(inputs, outputs) of batch-1 fully connected layers."""

WINOGRAD = (
    (64, 56, 64),
    (128, 28, 128),
    (256, 14, 256),
    (64, 56, 192),
    (96, 28, 128),
    (96, 14, 208),
    (128, 56, 32),
    (128, 28, 32),
    (128, 14, 32),
    (128, 7, 32),
    (256, 7, 256),
    (192, 7, 384),
    (512, 7, 512),
)
"""(input channels, height and width, output channels) of 3x3 convolutions, padding 1:
ResNet-50's, GoogLeNet's and DenseNet-121's; the last three stay on oneDNN (the fuse
pass's `WINOGRAD_MAX_WEIGHT_BYTES_PER_TILE`)."""

MATMUL_MAX_MACS = 4_000_000


def per_call_us(
    fn: Callable[[], object], seconds: float, flush: torch.Tensor | None = None
) -> float:
    """Microseconds per call of `fn`, over about `seconds` of calls; with `flush`, each
    call after an untimed write of it (the cache cold)."""
    if flush is not None:
        spent, calls = 0.0, 0
        fn()
        while spent < seconds or calls < 3:
            flush.add_(1.0)
            start = time.perf_counter()
            fn()
            spent += time.perf_counter() - start
            calls += 1
        return spent / calls * 1e6
    calls = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds / 4 or calls < 3:
        fn()
        calls += 1
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def depthwise_pair(
    channels: int, size: int, k: int, stride: int
) -> dict[str, Callable[[], object]]:
    """oneDNN and Ramiel running one depthwise convolution of that shape."""
    x = torch.randn(1, channels, size, size).contiguous(memory_format=torch.channels_last)
    weight = torch.randn(channels, 1, k, k)
    bias = torch.randn(channels)
    pad = k // 2
    geometry = ([pad, pad], [stride, stride], [1, 1])
    packed = rt.pack_conv_weight(weight, *geometry, channels, list(x.shape))
    taps = rt.depthwise_taps(weight)
    conv = torch.ops.mkldnn._convolution_pointwise
    ramiel = rt.native_op("depthwise_conv2d")
    return {
        "baseline": lambda: conv(x, packed, bias, *geometry, channels, "none", [], ""),
        "ramiel": lambda: ramiel(
            x, taps, bias, [k, k], [stride, stride], [pad, pad], [1, 1], False
        ),
    }


def pointwise_pair(channels: int, size: int, outputs: int) -> dict[str, Callable[[], object]]:
    """The code printed without the kernel, and Ramiel's, running one 1x1 conv + Relu."""
    x = torch.randn(1, channels, size, size).contiguous(memory_format=torch.channels_last)
    weight = torch.randn(outputs, channels, 1, 1)
    bias = torch.randn(outputs)
    matrix = rt.conv1x1_matrix(weight)
    ramiel = rt.native_op("pointwise_conv2d")
    pixels = size * size
    baseline: Callable[[], object]
    if pixels * channels * outputs <= MATMUL_MAX_MACS:
        baseline = lambda: (  # noqa: E731
            torch.addmm(bias, x.permute(0, 2, 3, 1).reshape(pixels, channels), matrix)
            .view(1, size, size, outputs)
            .permute(0, 3, 1, 2)
            .relu_()
        )
    else:
        geometry = ([0, 0], [1, 1], [1, 1])
        packed = rt.pack_conv_weight(weight, *geometry, 1, list(x.shape))
        conv = torch.ops.mkldnn._convolution_pointwise
        baseline = lambda: conv(x, packed, bias, *geometry, 1, "relu", [], "")  # noqa: E731
    return {"baseline": baseline, "ramiel": lambda: ramiel(x, matrix, bias, None, True)}


def concat_pair(channels: int, size: int, outputs: int) -> dict[str, Callable[[], object]]:
    """Concat + Relu + the pointwise kernel, and the kernel reading the six parts."""
    parts = [
        torch.randn(1, channels, size, size).contiguous(memory_format=torch.channels_last)
        for _ in range(6)
    ]
    matrix = torch.randn(6 * channels, outputs)
    bias = torch.randn(outputs)
    pointwise = rt.native_op("pointwise_conv2d")
    ramiel = rt.native_op("pointwise_concat_conv2d")
    return {
        "baseline": lambda: pointwise(torch.relu(torch.cat(parts, 1)), matrix, bias, None, False),
        "ramiel": lambda: ramiel(parts, matrix, bias, True, False),
    }


def affine_pair(channels: int, size: int) -> dict[str, Callable[[], object]]:
    """PyTorch and Ramiel running one inference BatchNormalization + Relu."""
    x = torch.randn(1, channels, size, size).contiguous(memory_format=torch.channels_last)
    mean, var = torch.randn(channels), torch.rand(channels) + 0.5
    gamma, beta = torch.randn(channels), torch.randn(channels)
    scale = gamma / torch.sqrt(var + 1e-5)
    shift = beta - mean * scale
    affine = rt.native_op("channel_affine")
    return {
        "baseline": lambda: torch.relu(F.batch_norm(x, mean, var, gamma, beta)),
        "ramiel": lambda: affine(x, scale, shift, True),
    }


def lrn_pair(channels: int, size: int) -> dict[str, Callable[[], object]]:
    """`rt.lrn` and Ramiel's kernel running one LRN of size 5, beta 0.75."""
    x = torch.randn(1, channels, size, size).contiguous(memory_format=torch.channels_last)
    lrn = rt.native_op("lrn")
    return {
        "baseline": lambda: rt.lrn(x, 5, 1e-4, 0.75, 1.0),
        "ramiel": lambda: lrn(x, 5, 1e-4, 0.75, 1.0),
    }


def stem_pair(size: int, outputs: int, k: int, pad: int) -> dict[str, Callable[[], object]]:
    """oneDNN (after the input's conversion) and Ramiel's direct kernel running one stem."""
    x = torch.randn(1, 3, size, size)
    weight = torch.randn(outputs, 3, k, k)
    bias = torch.randn(outputs)
    geometry = ([pad, pad], [2, 2], [1, 1])
    packed = rt.pack_conv_weight(weight, *geometry, 1, list(x.shape))
    taps = rt.depthwise_taps(weight)
    conv = torch.ops.mkldnn._convolution_pointwise
    direct = rt.native_op("direct_conv2d")
    return {
        "baseline": lambda: conv(
            x.contiguous(memory_format=torch.channels_last),
            packed,
            bias,
            *geometry,
            1,
            "relu",
            [],
            "",
        ),
        "ramiel": lambda: direct(x, taps, bias, [k, k], [2, 2], [pad, pad], [1, 1], True),
    }


def linear_pair(inputs: int, outputs: int) -> dict[str, Callable[[], object]]:
    """`F.linear` and Ramiel's kernel running one batch-1 fully connected layer."""
    x = torch.randn(1, inputs)
    weight, bias = torch.randn(outputs, inputs), torch.randn(outputs)
    blocks = rt.linear_blocks(weight)
    linear = rt.native_op("linear")
    return {
        "baseline": lambda: F.linear(x, weight, bias),
        "ramiel": lambda: linear(x, blocks, bias, outputs, False),
    }


def winograd_pair(channels: int, size: int, outputs: int) -> dict[str, Callable[[], object]]:
    """oneDNN and Ramiel's Winograd kernel running one 3x3 convolution (padding 1, Relu)."""
    x = torch.randn(1, channels, size, size).contiguous(memory_format=torch.channels_last)
    weight = torch.randn(outputs, channels, 3, 3) / (3 * channels**0.5)
    bias = torch.randn(outputs)
    geometry = ([1, 1], [1, 1], [1, 1])
    packed = rt.pack_conv_weight(weight, *geometry, 1, list(x.shape))
    transformed = rt.winograd_weights(weight)
    conv = torch.ops.mkldnn._convolution_pointwise
    winograd = rt.native_op("winograd_conv2d")
    return {
        "baseline": lambda: conv(x, packed, bias, *geometry, 1, "relu", [], ""),
        "ramiel": lambda: winograd(x, transformed, bias, [1, 1], None, True),
    }


def pool_pair(
    kind: str, channels: int, size: int, k: int, stride: int
) -> dict[str, Callable[[], object]]:
    """PyTorch and Ramiel running one pool of that shape (padding 1)."""
    x = torch.randn(1, channels, size, size).contiguous(memory_format=torch.channels_last)
    out = (size + 2 - k) // stride + 1
    pool = rt.native_op("pool2d")
    average = kind == "avg"
    if average:
        baseline: Callable[[], object] = lambda: F.avg_pool2d(  # noqa: E731
            x, k, stride, 1, count_include_pad=False
        )
    else:
        baseline = lambda: F.max_pool2d(x, k, stride, 1)  # noqa: E731
    return {
        "baseline": baseline,
        "ramiel": lambda: pool(
            x, [k, k], [stride, stride], [1, 1], [1, 1], [out, out], average, False
        ),
    }


def _time(
    pair: dict[str, Callable[[], object]],
    rounds: int,
    seconds: float,
    flush: torch.Tensor | None = None,
) -> tuple[float, float]:
    times: dict[str, list[float]] = {name: [] for name in pair}
    for _ in range(rounds):
        for name, fn in pair.items():
            times[name].append(per_call_us(fn, seconds, flush))
    return statistics.median(times["baseline"]), statistics.median(times["ramiel"])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--seconds", type=float, default=0.15, help="per kernel and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", nargs="+", default=[], help="row name prefixes to keep")
    parser.add_argument("--cold", action="store_true", help="write 64 MiB before each call")
    options = parser.parse_args()
    flush = torch.zeros(16 << 20) if options.cold else None
    kernels.load()
    print(f"medians of {options.rounds} alternating rounds, us per call")
    print(f"{'threads':>7} {'op':>28} {'baseline':>9} {'ramiel':>9} {'speedup':>8}")
    # (name, the pair's maker): made for each thread count, as oneDNN packs for it.
    rows: list[tuple[str, Callable[[], dict[str, Callable[[], object]]]]] = []
    rows += [
        (f"dw {c}x{s}x{s} k{k} s{st}", partial(depthwise_pair, c, s, k, st))
        for c, s, k, st in DEPTHWISE
    ]
    rows += [(f"1x1 {c}x{s}x{s} -> {o}", partial(pointwise_pair, c, s, o)) for c, s, o in POINTWISE]
    rows += [(f"cat 6x{c}x{s}x{s} -> {o}", partial(concat_pair, c, s, o)) for c, s, o in CONCAT]
    rows += [
        (f"{kind}pool {c}x{s}x{s} k{k} s{st}", partial(pool_pair, kind, c, s, k, st))
        for kind, c, s, k, st in POOLS
    ]
    rows += [(f"bn+relu {c}x{s}x{s}", partial(affine_pair, c, s)) for c, s in AFFINE]
    rows += [(f"lrn {c}x{s}x{s}", partial(lrn_pair, c, s)) for c, s in LRN]
    rows += [
        (f"stem 3x{s}x{s} k{k} -> {o}", partial(stem_pair, s, o, k, p)) for s, o, k, p in STEMS
    ]
    rows += [(f"linear {i} -> {o}", partial(linear_pair, i, o)) for i, o in LINEARS]
    rows += [(f"3x3 {c}x{s}x{s} -> {o}", partial(winograd_pair, c, s, o)) for c, s, o in WINOGRAD]
    if options.only:
        rows = [row for row in rows if row[0].startswith(tuple(options.only))]
    with torch.inference_mode():
        for threads in options.threads:
            torch.set_num_threads(threads)
            for name, make in rows:
                base, ours = _time(make(), options.rounds, options.seconds, flush)
                print(f"{threads:>7} {name:>28} {base:>9.1f} {ours:>9.1f} {base / ours:>7.2f}x")


if __name__ == "__main__":
    main()
