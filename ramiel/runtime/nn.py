"""Run-time helpers of the nn operators (for code that `ramiel.ops.nn` generates).

Pads are given ONNX-style: `(begin_1, ..., begin_n, end_1, ..., end_n)` over the spatial
dims; a negative end pad crops.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ramiel.runtime.parallel import intra_op_threads

__all__ = [
    "avg_pool_nd",
    "batch_norm_training",
    "conv1x1_matrix",
    "conv_integer",
    "depthwise_taps",
    "dropout_nd",
    "linear_blocks",
    "lp_pool_nd",
    "lrn",
    "matmul_integer",
    "max_pool_indices",
    "native_op",
    "pack_conv_weight",
    "pad_same",
    "qlinear_conv",
    "qlinear_matmul",
    "winograd_weights",
]

_CONV: dict[int, Callable[..., torch.Tensor]] = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_MAX_POOL: dict[int, Callable[..., tuple[torch.Tensor, torch.Tensor]]] = {
    1: F.max_pool1d_with_indices,
    2: F.max_pool2d_with_indices,
    3: F.max_pool3d_with_indices,
}


def _torch_pads(pads: Sequence[int]) -> list[int]:
    """ONNX pads (begins, then ends) as `F.pad`'s list (last dim first)."""
    n = len(pads) // 2
    out: list[int] = []
    for i in reversed(range(n)):
        out += [pads[i], pads[n + i]]
    return out


def pad_same(
    x: torch.Tensor,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    upper: bool,
    value: float = 0.0,
) -> torch.Tensor:
    """`x` padded for ONNX auto_pad SAME_UPPER (`upper`) or SAME_LOWER, from its run-time
    spatial sizes: the output size is ceil(size / stride)."""
    begins: list[int] = []
    ends: list[int] = []
    for size, k, s, d in zip(x.shape[2:], kernel, strides, dilations, strict=True):
        out = -(-size // s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
        small = total // 2
        begins.append(small if upper else total - small)
        ends.append(total - small if upper else small)
    return F.pad(x, _torch_pads([*begins, *ends]), value=value)


def _conv_fn(n: int) -> Callable[..., torch.Tensor]:
    conv = _CONV.get(n)
    if conv is None:
        raise ValueError(f"{n}-D windows are not supported")
    return conv


def _window_sum(
    x: torch.Tensor,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
) -> torch.Tensor:
    """The sum of each window of `x` (already padded), per channel."""
    channels = x.shape[1]
    weight = x.new_ones((channels, 1, *kernel))
    return _conv_fn(len(kernel))(
        x, weight, stride=tuple(strides), dilation=tuple(dilations), groups=channels
    )


def avg_pool_nd(
    x: torch.Tensor,
    kernel: Sequence[int],
    *,
    strides: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    extra: Sequence[int] | None = None,
    count_include_pad: bool = False,
) -> torch.Tensor:
    """ONNX AveragePool: windows over `x` padded by `pads` (ONNX order: all begins, then
    all ends) and then by `extra` at the ends (ceil_mode windows past the pads); `extra`
    is never counted, the pads are counted when `count_include_pad`."""
    n = len(kernel)
    strides = strides or [1] * n
    dilations = dilations or [1] * n
    pads = pads or [0] * (2 * n)
    extra = extra or [0] * n
    ends = [0] * n + list(extra)
    padded = F.pad(F.pad(x, _torch_pads(pads)), _torch_pads(ends))
    total = _window_sum(padded, kernel, strides, dilations)
    mask = x.new_ones((1, 1, *x.shape[2:]))
    mask = F.pad(mask, _torch_pads(pads), value=1.0 if count_include_pad else 0.0)
    count = _window_sum(F.pad(mask, _torch_pads(ends)), kernel, strides, dilations)
    return total / count


def lp_pool_nd(
    x: torch.Tensor,
    p: int,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    pads: Sequence[int],
) -> torch.Tensor:
    """ONNX LpPool: `(sum |x|^p) ^ (1/p)` over each window of `x` zero-padded by `pads`."""
    padded = F.pad(x.abs().pow(p), _torch_pads(pads))
    return _window_sum(padded, kernel, strides, dilations).pow(1.0 / p)


def max_pool_indices(
    x: torch.Tensor,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    pads: Sequence[int],
    storage_order: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """ONNX MaxPool with its Indices output: the flat index of each maximum over
    (N, C, spatial dims) of `x`, spatial dims column-major when `storage_order` is 1."""
    n = len(kernel)
    pool = _MAX_POOL.get(n)
    if pool is None:
        raise ValueError(f"{n}-D windows are not supported")
    lowest = -math.inf if x.is_floating_point() else torch.iinfo(x.dtype).min
    padded = F.pad(x, _torch_pads(pads), value=lowest) if any(pads) else x
    y, index = pool(
        padded, tuple(kernel), stride=tuple(strides), dilation=tuple(dilations), return_indices=True
    )
    spatial = list(x.shape[2:])
    padded_spatial = list(padded.shape[2:])
    coords: list[torch.Tensor] = []
    rest = index
    for size in reversed(padded_spatial):
        coords.append(rest % size)
        rest = torch.div(rest, size, rounding_mode="floor")
    coords.reverse()
    coords = [c - pads[i] for i, c in enumerate(coords)]
    order = list(range(n)) if storage_order == 0 else list(reversed(range(n)))
    flat = torch.zeros_like(index)
    for i in order:
        flat = flat * spatial[i] + coords[i]
    plane = math.prod(spatial)
    planes = torch.arange(x.shape[0] * x.shape[1], device=x.device, dtype=torch.int64)
    offset = (planes * plane).reshape(x.shape[0], x.shape[1], *([1] * n))
    return y, flat + offset


def lrn(x: torch.Tensor, size: int, alpha: float, beta: float, bias: float) -> torch.Tensor:
    """ONNX LRN: `x / (bias + alpha / size * sum of squares over the channel window)^beta`,
    the window of channel c being [c - (size-1)//2, c + size//2].

    The channel axis is moved last (a free view for a channels-last tensor) and the window
    is summed as `size` shifted slices: 3-4x faster than `F.local_response_norm`'s average
    pooling over a 3-D view, and the result keeps `x`'s memory layout."""
    channels = x.shape[1]
    back = (size - 1) // 2
    square = F.pad(x.movedim(1, -1).square(), (back, size - 1 - back))
    total = square[..., :channels].clone()
    for shift in range(1, size):
        total += square[..., shift : shift + channels]
    scale = total.mul_(alpha / size).add_(bias).pow_(-beta)
    return x * scale.movedim(-1, 1)


def batch_norm_training(
    x: torch.Tensor,
    scale: torch.Tensor,
    bias: torch.Tensor,
    mean: torch.Tensor,
    var: torch.Tensor,
    epsilon: float,
    momentum: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """ONNX BatchNormalization with training_mode=1: normalized with the batch's
    statistics, and the updated running mean and (biased) variance."""
    dims = [0, *range(2, x.dim())]
    batch_mean = x.mean(dims)
    batch_var = x.var(dims, correction=0)
    y = F.batch_norm(x, batch_mean, batch_var, scale, bias, eps=epsilon)
    running_mean = mean * momentum + batch_mean * (1 - momentum)
    running_var = var * momentum + batch_var * (1 - momentum)
    return y, running_mean, running_var


def dropout_nd(
    x: torch.Tensor,
    ratio: torch.Tensor | float | None,
    training: torch.Tensor | bool | None,
    seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """ONNX Dropout with a run-time ratio/training_mode: the output and the mask.

    With a `seed`, the mask is drawn as the ONNX reference draws it (numpy's
    `RandomState(seed).uniform`), so seeded models agree with `onnx.reference`.
    """
    train = bool(training) if training is not None else False
    p = 0.5 if ratio is None else float(ratio)
    if not train or p == 0.0:
        return x, torch.ones_like(x, dtype=torch.bool)
    if seed is not None:
        draws = np.random.RandomState(seed).uniform(0.0, 1.0, tuple(x.shape))
        mask = torch.as_tensor(draws >= p, device=x.device)
    else:
        mask = torch.rand_like(x, dtype=torch.float32) >= p
    return x * mask / (1.0 - p), mask


def _shifted(
    value: torch.Tensor, zero_point: torch.Tensor | None, dtype: torch.dtype
) -> torch.Tensor:
    value = value.to(dtype)
    return value if zero_point is None else value - zero_point.to(dtype)


def _per_channel(value: torch.Tensor | None, rank: int) -> torch.Tensor | None:
    """A per-output-channel 1-D tensor shaped to broadcast over (M, C, k...) weights."""
    if value is None or value.dim() == 0 or value.numel() == 1:
        return None if value is None else value.reshape(())
    return value.reshape(-1, *([1] * (rank - 1)))


def _conv_exact(
    x: torch.Tensor,
    w: torch.Tensor,
    strides: Sequence[int],
    pads: Sequence[int],
    dilations: Sequence[int],
    group: int,
) -> torch.Tensor:
    """Integer convolution (exact: float64 accumulation) of shifted integer values."""
    n = w.dim() - 2
    padded = F.pad(x, _torch_pads(pads)) if any(pads) else x
    return _conv_fn(n)(padded, w, stride=tuple(strides), dilation=tuple(dilations), groups=group)


def conv_integer(
    x: torch.Tensor,
    w: torch.Tensor,
    x_zero_point: torch.Tensor | None,
    w_zero_point: torch.Tensor | None,
    strides: Sequence[int],
    pads: Sequence[int],
    dilations: Sequence[int],
    group: int,
) -> torch.Tensor:
    """ONNX ConvInteger: int32 convolution of zero-point-shifted integers."""
    xs = _shifted(x, x_zero_point, torch.float64)
    ws = _shifted(w, _per_channel(w_zero_point, w.dim()), torch.float64)
    return _conv_exact(xs, ws, strides, pads, dilations, group).to(torch.int32)


def _requantize(
    value: torch.Tensor, scale: torch.Tensor, zero_point: torch.Tensor | None, like: torch.Tensor
) -> torch.Tensor:
    dtype = like.dtype if zero_point is None else zero_point.dtype
    info = torch.iinfo(dtype)
    out = value * scale.to(torch.float64)
    if zero_point is not None:
        out = out + zero_point.to(torch.float64)
    return out.round().clamp(info.min, info.max).to(dtype)


def qlinear_conv(
    x: torch.Tensor,
    x_scale: torch.Tensor,
    x_zero_point: torch.Tensor | None,
    w: torch.Tensor,
    w_scale: torch.Tensor,
    w_zero_point: torch.Tensor | None,
    y_scale: torch.Tensor,
    y_zero_point: torch.Tensor | None,
    bias: torch.Tensor | None,
    strides: Sequence[int],
    pads: Sequence[int],
    dilations: Sequence[int],
    group: int,
) -> torch.Tensor:
    """ONNX QLinearConv: quantized convolution, requantized to y's scale and zero point."""
    n = w.dim() - 2
    acc = conv_integer(x, w, x_zero_point, w_zero_point, strides, pads, dilations, group)
    acc = acc.to(torch.float64)
    if bias is not None:
        acc = acc + bias.to(torch.float64).reshape(-1, *([1] * n))
    ws = w_scale.reshape(-1, *([1] * n)) if w_scale.numel() > 1 else w_scale.reshape(())
    scale = x_scale.reshape(()) * ws / y_scale.reshape(())
    return _requantize(acc, scale, y_zero_point, x)


def matmul_integer(
    a: torch.Tensor,
    b: torch.Tensor,
    a_zero_point: torch.Tensor | None,
    b_zero_point: torch.Tensor | None,
) -> torch.Tensor:
    """ONNX MatMulInteger: int32 product of zero-point-shifted integers."""
    if a_zero_point is not None and a_zero_point.dim() == 1 and a_zero_point.numel() > 1:
        a_zero_point = a_zero_point.reshape(-1, 1)
    left = _shifted(a, a_zero_point, torch.float64)
    right = _shifted(b, b_zero_point, torch.float64)
    return torch.matmul(left, right).to(torch.int32)


def qlinear_matmul(
    a: torch.Tensor,
    a_scale: torch.Tensor,
    a_zero_point: torch.Tensor | None,
    b: torch.Tensor,
    b_scale: torch.Tensor,
    b_zero_point: torch.Tensor | None,
    y_scale: torch.Tensor,
    y_zero_point: torch.Tensor | None,
) -> torch.Tensor:
    """ONNX QLinearMatMul: quantized product, requantized to y's scale and zero point."""
    acc = matmul_integer(a, b, a_zero_point, b_zero_point).to(torch.float64)
    scale = a_scale * b_scale / y_scale
    if scale.dim() == 1 and scale.numel() == 1:
        scale = scale.reshape(())
    return _requantize(acc, scale, y_zero_point, a)


def pack_conv_weight(
    weight: torch.Tensor,
    padding: list[int],
    stride: list[int],
    dilation: list[int],
    groups: int,
    input_size: list[int],
    threads: int | None = None,
) -> torch.Tensor:
    """A 2-D convolution weight reordered into the blocked layout oneDNN picks for an input
    of `input_size` on `threads` intra-op threads (default: this thread's current count),
    for `torch.ops.mkldnn._convolution_pointwise` (done once, at load time).

    The layout depends on the thread count: a weight packed for 2 threads and run on 1 is
    reordered again on every call (ResNet-50 on 1 thread: 143 ms instead of 77 ms).
    The result is an opaque MKLDNN tensor: it has no storage, so it is kept as a plain
    attribute, not a buffer."""
    dense = weight.to(torch.float32).contiguous()
    with intra_op_threads(torch.get_num_threads() if threads is None else threads):
        return torch.ops.mkldnn._reorder_convolution_weight(
            dense, padding, stride, dilation, groups, input_size
        )


def conv1x1_matrix(weight: torch.Tensor, lanes: int = 1) -> torch.Tensor:
    """A 1x1 convolution weight (out, in, 1, 1) as the (in, out) matrix that multiplies
    channels-last pixels: the weight of a `dataflow.conv` with `kernel = "matmul"` or
    `kernel = "pointwise"`; its columns zero-padded to a multiple of `lanes` (16 for the
    pointwise kernel when `out` is not one)."""
    matrix = weight.to(torch.float32).reshape(weight.shape[0], weight.shape[1]).t()
    pad = -weight.shape[0] % lanes
    return F.pad(matrix, (0, pad)).contiguous() if pad else matrix.contiguous()


def depthwise_taps(weight: torch.Tensor) -> torch.Tensor:
    """A convolution weight (channels, cin, kh, kw) laid out taps-major, (cin * kh * kw,
    channels), as `torch.ops.ramiel.depthwise_conv2d` (cin 1) and `direct_conv2d` read
    it: the weight of a `dataflow.conv` with `kernel = "depthwise"` or `"direct"`."""
    channels = weight.shape[0]
    return weight.to(torch.float32).reshape(channels, -1).t().contiguous()


_WINOGRAD_G = torch.tensor(
    [[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]], dtype=torch.float64
)
"""Winograd's F(2x2, 3x3) filter transform: a 3-tap filter g becomes the 4 values G g."""


def winograd_weights(weight: torch.Tensor) -> torch.Tensor:
    """A 3x3 convolution weight (out, in, 3, 3) transformed for Winograd's F(2x2, 3x3),
    U = G g G^T per channel pair, laid out as the 16 (in, out) matrices that
    `torch.ops.ramiel.winograd_conv2d` multiplies: (16, in, out), computed in float64 and
    rounded once. The weight of a `dataflow.conv` with `kernel = "winograd"`."""
    g = _WINOGRAD_G.to(weight.device)
    u = torch.einsum("ak,oikl,bl->abio", g, weight.to(torch.float64), g)
    return u.reshape(16, weight.shape[1], weight.shape[0]).to(torch.float32).contiguous()


LINEAR_BLOCK_WIDTH = 128
"""The most output columns in one block of `linear_blocks` (8 vectors of 16 floats)."""


def linear_blocks(weight: torch.Tensor) -> torch.Tensor:
    """A fully connected layer's (out, in) weight (as Gemm's transB=1 and `F.linear` take
    it) as the (blocks, in, width) column blocks that `torch.ops.ramiel.linear` reads:
    block j holds output columns [j * width, (j + 1) * width), zero past the last; width
    is the output count rounded up to 16, at most `LINEAR_BLOCK_WIDTH`."""
    matrix = weight.to(torch.float32).t()  # (in, out)
    inputs, outputs = matrix.shape
    width = min(LINEAR_BLOCK_WIDTH, -(-outputs // 16) * 16)
    blocks = -(-outputs // width)
    padded = torch.zeros(inputs, blocks * width, dtype=torch.float32)
    padded[:, :outputs] = matrix
    return padded.reshape(inputs, blocks, width).permute(1, 0, 2).contiguous()


def native_op(name: str) -> torch._ops.OpOverloadPacket:  # pyright: ignore[reportPrivateUsage]
    """`torch.ops.ramiel.<name>`, building or loading Ramiel's kernel library first
    (`ramiel.kernels`); raises `NativeKernelsUnavailable` saying why it cannot."""
    from ramiel import kernels

    return kernels.op(name)
