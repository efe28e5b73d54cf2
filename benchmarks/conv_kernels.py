"""1x1 convolutions on oneDNN's packed kernel against one matrix product, per shape.

    .venv/bin/python benchmarks/conv_kernels.py [--threads 1 2] [--seconds 0.15]

For each shape (input channels, height = width, output channels; channels-last input,
batch 1) and thread count, it times `torch.ops.mkldnn._convolution_pointwise` on a weight
packed for that shape and those threads (what `dataflow.conv` prints), `torch.conv2d`,
and `torch.addmm` over the pixels (what `dataflow.conv` with `kernel = "matmul"` prints),
alternating the three in rounds, and prints the medians, the multiply-adds and the
speedup of the matrix product over oneDNN. The shapes are the small pointwise
convolutions of the NASNet-style model and the 1x1 convolutions of GoogLeNet and
ResNet-50; the fuse pass's `MATMUL_MAX_MACS` bound comes from this table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

from ramiel import runtime as rt
from ramiel.passes.fuse import MATMUL_MAX_MACS

SHAPES = (
    (32, 32, 32),
    (64, 16, 64),
    (96, 8, 96),
    (192, 32, 32),
    (384, 16, 64),
    (576, 8, 96),
    (480, 14, 16),
    (192, 28, 64),
    (256, 28, 128),
    (832, 7, 256),
    (64, 56, 64),
    (256, 56, 64),
    (512, 28, 128),
    (1024, 14, 256),
    (2048, 7, 512),
)
"""(input channels, height and width, output channels)."""


def per_call_us(fn: Callable[[], object], seconds: float) -> float:
    """Microseconds per call of `fn`, over about `seconds` of calls."""
    calls = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds / 4 or calls < 3:
        fn()
        calls += 1
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def kernels(cin: int, size: int, cout: int) -> dict[str, Callable[[], object]]:
    """The three ways to run the 1x1 convolution of that shape, on one random input."""
    x = torch.randn(1, cin, size, size).contiguous(memory_format=torch.channels_last)
    weight = torch.randn(cout, cin, 1, 1)
    bias = torch.randn(cout)
    packed = rt.pack_conv_weight(weight, [0, 0], [1, 1], [1, 1], 1, list(x.shape))
    matrix = rt.conv1x1_matrix(weight)
    conv = torch.ops.mkldnn._convolution_pointwise
    rows = size * size
    return {
        "onednn": lambda: conv(x, packed, bias, [0, 0], [1, 1], [1, 1], 1, "none", [], ""),
        "conv2d": lambda: torch.conv2d(x, weight, bias),
        "matmul": lambda: (
            torch.addmm(bias, x.permute(0, 2, 3, 1).reshape(rows, cin), matrix)
            .view(1, size, size, cout)
            .permute(0, 3, 1, 2)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=0.15, help="per kernel and round")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    print(
        f"medians of {options.rounds} alternating rounds, us per call; bound: "
        f"{MATMUL_MAX_MACS:,} multiply-adds"
    )
    print(
        f"{'threads':>7} {'shape':>16} {'MACs':>12} {'onednn':>9} {'conv2d':>9} "
        f"{'matmul':>9} {'onednn/matmul':>14} {'kernel':>7}"
    )
    with torch.inference_mode():
        for threads in options.threads:
            torch.set_num_threads(threads)
            for cin, size, cout in SHAPES:
                candidates = kernels(cin, size, cout)
                times: dict[str, list[float]] = {name: [] for name in candidates}
                for _ in range(options.rounds):
                    for name, fn in candidates.items():
                        times[name].append(per_call_us(fn, options.seconds))
                medians = {name: statistics.median(t) for name, t in times.items()}
                macs = cin * cout * size * size
                chosen = "matmul" if macs <= MATMUL_MAX_MACS else "onednn"
                print(
                    f"{threads:>7} {f'{cin}x{size}x{size}->{cout}':>16} {macs:>12,} "
                    f"{medians['onednn']:>9.1f} {medians['conv2d']:>9.1f} "
                    f"{medians['matmul']:>9.1f} {medians['onednn'] / medians['matmul']:>13.2f}x "
                    f"{chosen:>7}"
                )


if __name__ == "__main__":
    main()
