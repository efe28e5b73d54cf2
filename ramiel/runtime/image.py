"""Run-time helpers of the image operators (for code that `ramiel.ops.image` generates).

`resize` follows `onnx/reference/ops/op_resize.py` exactly: the resize is separable, so
each resized axis is interpolated in turn, with the source coordinates, neighbour
indices and weights of that axis computed in float64 as the reference computes them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

__all__ = [
    "ResizeAxis",
    "ResizeOptions",
    "center_crop_pad",
    "col2im",
    "deform_conv",
    "depth_to_space",
    "max_roi_pool",
    "max_unpool",
    "non_max_suppression",
    "resize",
    "resize_axis_table",
    "resize_plan",
    "roi_align",
    "space_to_depth",
]

_Values = torch.Tensor | np.ndarray | Sequence[float] | Sequence[int] | None


def _floats(value: torch.Tensor | np.ndarray | Sequence[float] | Sequence[int]) -> list[float]:
    """A tensor, array or sequence of numbers as a flat list of Python floats."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    if isinstance(value, np.ndarray):
        return [float(v) for v in value.reshape(-1).tolist()]
    return [float(v) for v in value]


def _ints(value: torch.Tensor | np.ndarray | Sequence[float] | Sequence[int]) -> list[int]:
    """A tensor, array or sequence of integers as a flat list of Python ints."""
    return [int(v) for v in _floats(value)]


def _tensor(array: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(array), device=device)


def _values(value: _Values) -> list[float] | None:
    """A scales/sizes/roi argument as a Python list, None when absent or empty."""
    if value is None:
        return None
    return _floats(value) or None


@dataclass(frozen=True)
class ResizeAxis:
    """How one axis is resized: its input and output sizes, scale and roi pair."""

    axis: int
    input_size: int
    output_size: int
    scale: float
    roi: tuple[float, float] | None


def resize_plan(
    shape: Sequence[int],
    scales: _Values = None,
    sizes: _Values = None,
    roi: _Values = None,
    *,
    axes: Sequence[int] | None = None,
    keep_aspect_ratio_policy: str = "stretch",
) -> list[ResizeAxis]:
    """The axes that a Resize of an input of `shape` changes, in the order it resizes them.

    `axes` are normalized (non-negative); `scales`, `sizes` and `roi` are given for `axes`
    (or for every axis when `axes` is None), as the ONNX operator takes them.
    """
    rank = len(shape)
    scale_list = _values(scales)
    size_list = _values(sizes)
    roi_list = _values(roi)
    listed = list(range(rank)) if axes is None else [int(a) for a in axes]
    if size_list is None and scale_list is None:
        raise ValueError("Resize needs scales or sizes")
    if size_list is not None:
        if len(size_list) != len(listed):
            raise ValueError(f"Resize: {len(size_list)} sizes for {len(listed)} axes")
        factors = [int(size_list[i]) / shape[a] for i, a in enumerate(listed)]
        outputs = [int(v) for v in size_list]
        if keep_aspect_ratio_policy != "stretch":
            if keep_aspect_ratio_policy == "not_larger":
                common = min(factors)
            elif keep_aspect_ratio_policy == "not_smaller":
                common = max(factors)
            else:
                raise ValueError(f"Resize: keep_aspect_ratio_policy={keep_aspect_ratio_policy!r}")
            factors = [common] * len(listed)
            outputs = [int(common * shape[a] + 0.5) for a in listed]
    else:
        assert scale_list is not None
        if len(scale_list) != len(listed):
            raise ValueError(f"Resize: {len(scale_list)} scales for {len(listed)} axes")
        factors = [float(s) for s in scale_list]
        outputs = [int(s * shape[a]) for s, a in zip(factors, listed, strict=True)]
    plan: list[ResizeAxis] = []
    count = len(listed)
    for i, axis in enumerate(listed):
        pair = None if roi_list is None else (float(roi_list[i]), float(roi_list[count + i]))
        identity = (
            math.isclose(factors[i], 1.0)
            and outputs[i] == shape[axis]
            and (pair is None or (math.isclose(pair[0], 0.0) and math.isclose(pair[1], 1.0)))
        )
        if not identity:
            plan.append(ResizeAxis(axis, int(shape[axis]), outputs[i], factors[i], pair))
    return plan


def _source_coordinates(
    mode: str, y: np.ndarray, scale: float, size: int, out: int, roi: tuple[float, float] | None
) -> tuple[np.ndarray, np.ndarray | None]:
    width = scale * size
    extrapolated = None
    if mode == "align_corners":
        x = np.zeros(out, dtype=np.float64) if width == 1 else y * (size - 1) / (width - 1)
    elif mode == "asymmetric":
        x = y / scale
    elif mode == "tf_crop_and_resize":
        if roi is None:
            raise ValueError("Resize: tf_crop_and_resize needs a roi")
        if width == 1:
            x = np.full(out, (roi[1] - roi[0]) * (size - 1) / 2, dtype=np.float64)
        else:
            x = y * (roi[1] - roi[0]) * (size - 1) / (width - 1)
        x = x + roi[0] * (size - 1)
        extrapolated = (x < 0) | (x > size - 1)
    elif mode == "pytorch_half_pixel":
        x = np.full(out, -0.5, dtype=np.float64) if width == 1 else (y + 0.5) / scale - 0.5
    elif mode == "half_pixel":
        x = (y + 0.5) / scale - 0.5
    elif mode == "half_pixel_symmetric":
        offset = size / 2 * (1 - out / width)
        x = offset + (y + 0.5) / scale - 0.5
    else:
        raise ValueError(f"Resize: coordinate_transformation_mode={mode!r}")
    return x, extrapolated


def _coefficients(
    ratios: np.ndarray,
    scale: float,
    mode: str,
    nearest_mode: str,
    cubic_coeff_a: float,
    antialias: bool,
) -> np.ndarray:
    r = ratios[:, None]
    if mode == "nearest":
        if nearest_mode == "round_prefer_floor":
            second = r > 0.5
        elif nearest_mode == "round_prefer_ceil":
            second = r >= 0.5
        elif nearest_mode == "floor":
            second = np.zeros_like(r, dtype=bool)
        elif nearest_mode == "ceil":
            second = np.ones_like(r, dtype=bool)
        else:
            raise ValueError(f"Resize: nearest_mode={nearest_mode!r}")
        second = second | (r == 1.0)
        return np.concatenate([~second, second], axis=1).astype(np.float64)
    a = cubic_coeff_a
    if mode == "linear" and not antialias:
        return np.concatenate([1 - r, r], axis=1)
    if mode == "cubic" and not antialias:
        s = 1 - r
        return np.concatenate(
            [
                ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
                ((a + 2) * r - (a + 3)) * r * r + 1,
                ((a + 2) * s - (a + 3)) * s * s + 1,
                ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a,
            ],
            axis=1,
        )
    shrink = min(scale, 1.0)
    if mode == "linear":
        start = int(np.floor(-1 / shrink) + 1)
        taps = np.arange(start, start + 2 - 2 * start, dtype=np.float64)
        coeffs = np.clip(1 - np.abs((taps[None, :] - r) * shrink), 0, 1)
    elif mode == "cubic":
        start = int(np.floor(-2 / shrink) + 1)
        taps = np.arange(start, 2 - start, dtype=np.float64)
        t = np.abs(shrink * (taps[None, :] - r))
        t2 = t * t
        t3 = t2 * t
        coeffs = np.where(
            t <= 1,
            (a + 2) * t3 - (a + 3) * t2 + 1,
            np.where(t < 2, a * t3 - 5 * a * t2 + 8 * a * t - 4 * a, 0.0),
        )
    else:
        raise ValueError(f"Resize: mode={mode!r}")
    return coeffs / coeffs.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class ResizeOptions:
    """The attributes of a Resize that shape its per-axis sampling."""

    mode: str = "nearest"
    coordinate_transformation_mode: str = "half_pixel"
    nearest_mode: str = "round_prefer_floor"
    cubic_coeff_a: float = -0.75
    exclude_outside: bool = False
    antialias: bool = False


def resize_axis_table(
    entry: ResizeAxis, options: ResizeOptions
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The source indices and weights (both [output_size, taps]) of one resized axis, and
    the mask of output positions that take the extrapolation value (or None)."""
    size, out, scale = entry.input_size, entry.output_size, entry.scale
    y = np.arange(out, dtype=np.float64)
    x, extrapolated = _source_coordinates(
        options.coordinate_transformation_mode, y, scale, size, out, entry.roi
    )
    floor = np.floor(x)
    ratios = np.where(x == floor, 1.0, x - floor)
    coeffs = _coefficients(
        ratios,
        scale,
        options.mode,
        options.nearest_mode,
        options.cubic_coeff_a,
        options.antialias,
    )
    n = coeffs.shape[1]
    pad = (n + 1) // 2
    padded: np.ndarray = x + pad
    base: np.ndarray = np.floor(padded)
    frac: np.ndarray = padded - base
    # The n indices nearest to x, ties to the smaller (the reference's _get_neighbor).
    if n % 2 == 0:
        shift: np.ndarray = frac != 0
        first = -(n // 2)
    else:
        shift = frac > 0.5
        first = -((n - 1) // 2)
    start: np.ndarray = base.astype(np.int64) + first + shift.astype(np.int64)
    taps: np.ndarray = np.arange(n, dtype=np.int64).reshape(1, n)
    index: np.ndarray = start.reshape(-1, 1) + taps - pad
    if options.exclude_outside:
        outside: np.ndarray = (index < 0) | (index >= size)
        coeffs = np.where(outside, 0.0, coeffs)
        total = coeffs.sum(axis=1, keepdims=True)
        coeffs = coeffs / np.where(total == 0, 1.0, total)
    return np.clip(index, 0, size - 1), coeffs, extrapolated


def resize(
    x: torch.Tensor,
    scales: _Values = None,
    sizes: _Values = None,
    roi: _Values = None,
    *,
    axes: Sequence[int] | None = None,
    mode: str = "nearest",
    coordinate_transformation_mode: str = "half_pixel",
    nearest_mode: str = "round_prefer_floor",
    cubic_coeff_a: float = -0.75,
    exclude_outside: bool = False,
    extrapolation_value: float = 0.0,
    antialias: bool = False,
    keep_aspect_ratio_policy: str = "stretch",
) -> torch.Tensor:
    """ONNX Resize: `x` resized by `scales` or to `sizes` (given for `axes`, or all axes)."""
    plan = resize_plan(
        x.shape,
        scales,
        sizes,
        roi,
        axes=axes,
        keep_aspect_ratio_policy=keep_aspect_ratio_policy,
    )
    if not plan:
        return x
    options = ResizeOptions(
        mode,
        coordinate_transformation_mode,
        nearest_mode,
        cubic_coeff_a,
        exclude_outside,
        antialias,
    )
    weighted = mode != "nearest" or exclude_outside
    dtype = x.dtype
    if not weighted:
        result = x
    elif dtype in (torch.float32, torch.float64):
        result = x
    elif dtype.is_floating_point:
        result = x.float()
    else:
        result = x.double()
    for entry in plan:
        index, coeffs, extrapolated = resize_axis_table(entry, options)
        axis = entry.axis
        out = entry.output_size
        if not weighted:
            chosen = index[np.arange(out), np.argmax(coeffs, axis=1)] if out else index[:, 0]
            picked = _tensor(chosen, x.device)
            result = result.index_select(axis, picked)
        else:
            n = index.shape[1]
            flat = _tensor(index.reshape(-1), x.device)
            gathered = result.index_select(axis, flat)
            shape = list(result.shape)
            shape[axis : axis + 1] = [out, n]
            gathered = gathered.reshape(shape)
            view = [1] * len(shape)
            view[axis], view[axis + 1] = out, n
            weights = _tensor(coeffs, x.device).to(result.dtype)
            result = (gathered * weights.reshape(view)).sum(axis + 1)
        if extrapolated is not None and bool(extrapolated.any()):
            view = [1] * result.dim()
            view[axis] = out
            mask = _tensor(extrapolated, x.device).reshape(view)
            result = torch.where(mask, extrapolation_value, result)
    if result.dtype == dtype:
        return result
    if dtype.is_floating_point:
        return result.to(dtype)
    info = torch.iinfo(dtype)
    return result.round().clamp(info.min, info.max).to(dtype)


# ---- DepthToSpace, SpaceToDepth, CenterCropPad, MaxUnpool, Col2Im -----------------------------


def depth_to_space(x: torch.Tensor, blocksize: int) -> torch.Tensor:
    """ONNX DepthToSpace in DCR mode (CRD mode is `F.pixel_shuffle`)."""
    n, c, h, w = x.shape
    b = blocksize
    y = x.reshape(n, b, b, c // (b * b), h, w).permute(0, 3, 4, 1, 5, 2)
    return y.reshape(n, c // (b * b), h * b, w * b)


def space_to_depth(x: torch.Tensor, blocksize: int) -> torch.Tensor:
    """ONNX SpaceToDepth in DCR mode (CRD mode is `F.pixel_unshuffle`)."""
    n, c, h, w = x.shape
    b = blocksize
    y = x.reshape(n, c, h // b, b, w // b, b).permute(0, 3, 5, 1, 2, 4)
    return y.reshape(n, c * b * b, h // b, w // b)


def center_crop_pad(
    x: torch.Tensor, shape: torch.Tensor | Sequence[int], axes: Sequence[int] | None = None
) -> torch.Tensor:
    """ONNX CenterCropPad: crop or zero-pad `axes` (all by default) to `shape`, centered."""
    target = _ints(shape)
    listed = list(range(x.dim())) if axes is None else [a % max(x.dim(), 1) for a in axes]
    pads = [0] * (2 * x.dim())
    for axis, size in zip(listed, target, strict=False):
        diff = size - x.shape[axis]
        before = diff // 2 if diff >= 0 else -((-diff) // 2)
        after = diff - before
        position = 2 * (x.dim() - 1 - axis)
        pads[position], pads[position + 1] = before, after
    return torch.nn.functional.pad(x, pads)


def max_unpool(
    x: torch.Tensor,
    indices: torch.Tensor,
    kernel_shape: Sequence[int],
    pads: Sequence[int],
    strides: Sequence[int],
    output_shape: torch.Tensor | Sequence[int] | None = None,
) -> torch.Tensor:
    """ONNX MaxUnpool: `x` scattered to its flat `indices` in the inferred output, which is
    then zero-padded at the end to `output_shape` when given."""
    spatial = len(kernel_shape)
    inferred = list(x.shape[:2]) + [
        (x.shape[2 + d] - 1) * strides[d] - (pads[d] + pads[spatial + d]) + kernel_shape[d]
        for d in range(spatial)
    ]
    flat = x.new_zeros(math.prod(inferred))
    y = flat.scatter(0, indices.reshape(-1), x.reshape(-1)).reshape(inferred)
    if output_shape is None:
        return y
    wanted = _ints(output_shape)
    extra: list[int] = []
    for have, want in zip(reversed(inferred), reversed(wanted), strict=True):
        extra += [0, want - have]
    return torch.nn.functional.pad(y, extra)


def col2im(
    x: torch.Tensor,
    image_shape: torch.Tensor | Sequence[int],
    block_shape: torch.Tensor | Sequence[int],
    *,
    dilations: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
) -> torch.Tensor:
    """ONNX Col2Im: the sliding blocks of `x` [N, C * prod(block), L] summed into an image."""
    image = _ints(image_shape)
    block = _ints(block_shape)
    nd = len(image)
    dil = list(dilations or [1] * nd)
    pad = list(pads or [0] * (2 * nd))
    stride = list(strides or [1] * nd)
    padded = [image[i] + pad[i] + pad[nd + i] for i in range(nd)]
    counts = [(padded[i] - dil[i] * (block[i] - 1) - 1) // stride[i] + 1 for i in range(nd)]
    n, ck, length = x.shape
    k = math.prod(block)
    c = ck // k
    index = torch.zeros((), dtype=torch.int64)
    for i in range(nd):
        offsets = torch.arange(block[i]) * dil[i]
        starts = torch.arange(counts[i]) * stride[i]
        position = offsets.reshape(-1, 1) + starts.reshape(1, -1)  # [block_i, count_i]
        shape_k = [1] * nd + [1] * nd
        shape_k[i] = block[i]
        shape_k[nd + i] = counts[i]
        index = index * padded[i] + position.reshape(shape_k)
    flat = index.reshape(k * length).to(x.device)
    out = x.new_zeros(n, c, math.prod(padded))
    out.index_add_(2, flat, x.reshape(n, c, k * length))
    out = out.reshape(n, c, *padded)
    slices = tuple(slice(pad[i], pad[i] + image[i]) for i in range(nd))
    return out[(slice(None), slice(None), *slices)]


# ---- DeformConv, RoiAlign, MaxRoiPool, NonMaxSuppression --------------------------------------


def _bilinear_zero(feature: torch.Tensor, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """`feature` [N, C, H, W] sampled bilinearly at float pixel coordinates `y`, `x`
    ([N, ...] each), zero outside; the result is [N, C, ...]."""
    n, c, h, w = feature.shape
    y0 = torch.floor(y)
    x0 = torch.floor(x)
    flat = feature.reshape(n, c, h * w)
    total = torch.zeros(
        (n, c, y.reshape(n, -1).shape[1]), dtype=feature.dtype, device=feature.device
    )
    for dy in (0, 1):
        for dx in (0, 1):
            yy = y0 + dy
            xx = x0 + dx
            weight = (1 - (y - yy).abs()) * (1 - (x - xx).abs())
            valid = (yy >= 0) & (yy <= h - 1) & (xx >= 0) & (xx <= w - 1)
            index = (yy.clamp(0, h - 1) * w + xx.clamp(0, w - 1)).long().reshape(n, 1, -1)
            values = flat.gather(2, index.expand(n, c, index.shape[2]))
            weight = torch.where(valid, weight, torch.zeros_like(weight)).reshape(n, 1, -1)
            total = total + values * weight
    return total.reshape(n, c, *y.shape[1:])


def deform_conv(
    x: torch.Tensor,
    weight: torch.Tensor,
    offset: torch.Tensor,
    bias: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
    *,
    strides: Sequence[int] = (1, 1),
    pads: Sequence[int] = (0, 0, 0, 0),
    dilations: Sequence[int] = (1, 1),
    group: int = 1,
    offset_group: int = 1,
) -> torch.Tensor:
    """ONNX DeformConv (2-D): a convolution whose taps are shifted by `offset` and sampled
    bilinearly (zero outside the image), each scaled by `mask`."""
    n, ic, _, _ = x.shape
    oc, icg, kh, kw = weight.shape
    oh, ow = offset.shape[2:]
    taps = kh * kw
    off = offset.reshape(n, offset_group, taps, 2, oh, ow)
    base_y = (torch.arange(oh, device=x.device) * strides[0] - pads[0]).to(x.dtype)
    base_x = (torch.arange(ow, device=x.device) * strides[1] - pads[1]).to(x.dtype)
    ky = (torch.arange(kh, device=x.device) * dilations[0]).to(x.dtype)
    kx = (torch.arange(kw, device=x.device) * dilations[1]).to(x.dtype)
    tap_y = ky.reshape(kh, 1).expand(kh, kw).reshape(taps, 1, 1)
    tap_x = kx.reshape(1, kw).expand(kh, kw).reshape(taps, 1, 1)
    ys = base_y.reshape(1, 1, oh, 1) + tap_y.unsqueeze(0) + off[:, :, :, 0]  # [N, G, taps, oh, ow]
    xs = base_x.reshape(1, 1, 1, ow) + tap_x.unsqueeze(0) + off[:, :, :, 1]
    per_group = ic // offset_group
    columns: list[torch.Tensor] = []
    for g in range(offset_group):
        part = x[:, g * per_group : (g + 1) * per_group]
        sampled = _bilinear_zero(part, ys[:, g], xs[:, g])  # [N, C_g, taps, oh, ow]
        if mask is not None:
            sampled = sampled * mask.reshape(n, offset_group, taps, oh, ow)[:, g].unsqueeze(1)
        columns.append(sampled)
    cols = torch.cat(columns, dim=1).reshape(n, group, icg * taps, oh * ow)
    w = weight.reshape(group, oc // group, icg * taps)
    y = torch.einsum("gok,ngkp->ngop", w, cols).reshape(n, oc, oh, ow)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return y


def roi_align(
    x: torch.Tensor,
    rois: torch.Tensor,
    batch_indices: torch.Tensor,
    *,
    output_height: int = 1,
    output_width: int = 1,
    sampling_ratio: int = 0,
    spatial_scale: float = 1.0,
    mode: str = "avg",
    half_pixel: bool = True,
) -> torch.Tensor:
    """ONNX RoiAlign, as the ONNX reference computes it (including its 'max' mode, the
    maximum over samples of the largest of the four weighted corner values)."""
    _, c, h, w = x.shape
    count = rois.shape[0]
    result = x.new_zeros(count, c, output_height, output_width)
    boxes = _floats(rois)
    batches = _ints(batch_indices)
    columns = rois.shape[1]
    offset = 0.5 if half_pixel else 0.0
    for r in range(count):
        x1, y1, x2, y2 = (v * spatial_scale - offset for v in boxes[r * columns : r * columns + 4])
        roi_w, roi_h = x2 - x1, y2 - y1
        if not half_pixel:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_h, bin_w = roi_h / output_height, roi_w / output_width
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / output_height)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / output_width)
        samples = max(grid_h * grid_w, 1)
        axis_y = _roi_axis(y1, bin_h, output_height, grid_h, h)
        axis_x = _roi_axis(x1, bin_w, output_width, grid_w, w)
        feature = x[int(batches[r])]
        corner_values: list[torch.Tensor] = []
        for low_y, high_y, wy_lo, wy_hi, valid_y in (axis_y,):
            for low_x, high_x, wx_lo, wx_hi, valid_x in (axis_x,):
                valid = _tensor(np.outer(valid_y, valid_x), x.device)
                for iy, wy in ((low_y, wy_lo), (high_y, wy_hi)):
                    rows = feature.index_select(1, _tensor(iy, x.device))
                    for ix, wx in ((low_x, wx_lo), (high_x, wx_hi)):
                        values = rows.index_select(2, _tensor(ix, x.device))
                        weight = _tensor(np.outer(wy, wx), x.device).to(x.dtype)
                        corner_values.append(torch.where(valid, values * weight, 0.0))
        # [C, PH * gh, PW * gw] each; group samples per bin
        stacked = torch.stack(corner_values)
        stacked = stacked.reshape(4, c, output_height, grid_h, output_width, grid_w)
        if mode == "avg":
            value = stacked.sum(dim=(0, 3, 5)) / samples
        else:
            value = stacked.amax(dim=0).amax(dim=(2, 4))
        if grid_h * grid_w > 0:
            result[r] = value
    return result


def _roi_axis(
    start: float, bin_size: float, pooled: int, grid: int, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-sample (bin-major) low/high indices, their weights and validity along one axis."""
    p = np.repeat(np.arange(pooled), grid)
    i = np.tile(np.arange(grid), pooled)
    coord = start + p * bin_size + (i + 0.5) * bin_size / max(grid, 1)
    valid = ~((coord < -1.0) | (coord > size))
    coord = np.maximum(coord, 0.0)
    low = coord.astype(np.int64)
    at_end = low >= size - 1
    low = np.where(at_end, size - 1, low)
    high = np.where(at_end, size - 1, low + 1)
    coord = np.where(at_end, low.astype(np.float64), coord)
    frac = coord - low
    return low, high, 1.0 - frac, frac, valid


def max_roi_pool(
    x: torch.Tensor, rois: torch.Tensor, pooled_shape: Sequence[int], spatial_scale: float = 1.0
) -> torch.Tensor:
    """ONNX MaxRoiPool: max pooling of each RoI [batch, x1, y1, x2, y2] into `pooled_shape`
    bins (Caffe's RoIPool: rounded RoI corners, empty bins give 0)."""
    _, c, h, w = x.shape
    ph, pw = pooled_shape
    result = x.new_zeros(rois.shape[0], c, ph, pw)
    values = _floats(rois)
    for r in range(rois.shape[0]):
        roi = values[r * rois.shape[1] : (r + 1) * rois.shape[1]]
        batch = int(roi[0])
        x1, y1, x2, y2 = (round(v * spatial_scale) for v in roi[1:5])
        roi_h = max(y2 - y1 + 1, 1)
        roi_w = max(x2 - x1 + 1, 1)
        for i in range(ph):
            hs = min(max(math.floor(i * roi_h / ph) + y1, 0), h)
            he = min(max(math.ceil((i + 1) * roi_h / ph) + y1, 0), h)
            for j in range(pw):
                ws = min(max(math.floor(j * roi_w / pw) + x1, 0), w)
                we = min(max(math.ceil((j + 1) * roi_w / pw) + x1, 0), w)
                if he > hs and we > ws:
                    result[r, :, i, j] = x[batch, :, hs:he, ws:we].amax(dim=(1, 2))
    return result


def non_max_suppression(
    boxes: torch.Tensor,
    scores: torch.Tensor,
    max_output_boxes_per_class: torch.Tensor | int | None = None,
    iou_threshold: torch.Tensor | float | None = None,
    score_threshold: torch.Tensor | float | None = None,
    *,
    center_point_box: int = 0,
) -> torch.Tensor:
    """ONNX NonMaxSuppression: [selected, 3] (batch, class, box) indices, greedy per class."""

    def scalar(value: torch.Tensor | float | None) -> float | None:
        if isinstance(value, torch.Tensor):
            return None if value.numel() == 0 else float(value.reshape(-1)[0].item())
        return value

    limit = scalar(max_output_boxes_per_class)
    keep_max = 0 if limit is None else max(int(limit), 0)
    iou_limit = scalar(iou_threshold) or 0.0
    score_limit = scalar(score_threshold)
    box = boxes.detach().double().cpu()
    if center_point_box:
        xc, yc, bw, bh = box.unbind(-1)
        x_min, x_max = xc - bw / 2, xc + bw / 2
        y_min, y_max = yc - bh / 2, yc + bh / 2
    else:
        y1, x1, y2, x2 = box.unbind(-1)
        x_min, x_max = torch.minimum(x1, x2), torch.maximum(x1, x2)
        y_min, y_max = torch.minimum(y1, y2), torch.maximum(y1, y2)
    ix = torch.minimum(x_max[:, :, None], x_max[:, None, :]) - torch.maximum(
        x_min[:, :, None], x_min[:, None, :]
    )
    iy = torch.minimum(y_max[:, :, None], y_max[:, None, :]) - torch.maximum(
        y_min[:, :, None], y_min[:, None, :]
    )
    inter = ix * iy
    area = (x_max - x_min) * (y_max - y_min)
    union = area[:, :, None] + area[:, None, :] - inter
    ok = (
        (ix > 0)
        & (iy > 0)
        & (inter > 0)
        & (area[:, :, None] > 0)
        & (area[:, None, :] > 0)
        & (union > 0)
    )
    suppress = (ok & (inter / torch.where(union > 0, union, 1.0) > iou_limit)).numpy()
    all_scores = scores.detach().double().cpu()
    selected: list[tuple[int, int, int]] = []
    for b in range(all_scores.shape[0]):
        for c in range(all_scores.shape[1]):
            if keep_max == 0:
                continue
            class_scores = all_scores[b, c]
            order = _ints(torch.sort(class_scores, descending=True, stable=True).indices)
            values = _floats(class_scores)
            kept: list[int] = []
            for i in order:
                if len(kept) >= keep_max:
                    break
                if score_limit is not None and not values[i] > score_limit:
                    continue
                if not any(suppress[b, i, j] for j in kept):
                    kept.append(i)
                    selected.append((b, c, i))
    if not selected:
        return torch.zeros((0, 3), dtype=torch.int64, device=boxes.device)
    return torch.tensor(selected, dtype=torch.int64, device=boxes.device)
