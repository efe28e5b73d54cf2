"""Lowerings of the image operators: Resize and Upsample, sampling grids, RoI pooling,
Col2Im, DeformConv, MaxUnpool, CenterCropPad, NonMaxSuppression, depth/space shuffles.

Resize is `F.interpolate` where PyTorch computes exactly the ONNX sampling (checked at
compile time on a probe of each axis), else `rt.resize`, which follows the ONNX
reference implementation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ramiel.dialects.onnx_ops import (
    AffineGridOp,
    CenterCropPadOp,
    Col2ImOp,
    DeformConvOp,
    DepthToSpaceOp,
    GridSampleOp,
    MaxRoiPoolOp,
    MaxUnpoolOp,
    NonMaxSuppressionOp,
    ResizeOp,
    RoiAlignOp,
    SpaceToDepthOp,
    UpsampleOp,
)
from ramiel.ops.registry import Emit, Operand, Unsupported, lowers, normalize_axis, py_literal
from ramiel.runtime.image import ResizeAxis, ResizeOptions, resize_axis_table, resize_plan

# ---- Resize -----------------------------------------------------------------------------------


def _present(value: Operand | None) -> Operand | None:
    """`value`, or None when it is absent or an empty tensor (opset 11-12 placeholders)."""
    if value is None:
        return None
    if value.const is not None and value.const.size == 0:
        return None
    if value.shape == (0,):
        return None
    return value


def _kw(name: str, value: object, default: object) -> list[str]:
    if value == default:
        return []
    if isinstance(value, str):
        return [f'{name}="{value}"']
    return [f"{name}={py_literal(value)}"]


def _onnx_matrix(entry: ResizeAxis | None, size: int, options: ResizeOptions) -> np.ndarray:
    """The [output, input] interpolation matrix of one axis, as ONNX defines it."""
    if entry is None:
        return np.eye(size)
    index, coeffs, _ = resize_axis_table(entry, options)
    matrix = np.zeros((entry.output_size, size))
    if options.mode == "nearest" and not options.exclude_outside:
        rows = np.arange(entry.output_size)
        matrix[rows, index[rows, np.argmax(coeffs, axis=1)]] = 1.0
        return matrix
    for k in range(index.shape[1]):
        np.add.at(matrix, (np.arange(entry.output_size), index[:, k]), coeffs[:, k])
    return matrix


def _torch_matrix(
    spatial: Sequence[int],
    axis: int,
    torch_mode: str,
    sizes: Sequence[int] | None,
    factors: Sequence[float] | None,
    align_corners: bool | None,
) -> np.ndarray:
    """The [output, input] matrix F.interpolate applies along spatial `axis` (a probe)."""
    size = spatial[axis]
    shape = [1] * len(spatial)
    shape[axis] = size
    probe = torch.eye(size, dtype=torch.float32).reshape(size, 1, *shape)
    if sizes is not None:
        one_sizes = [1] * len(spatial)
        one_sizes[axis] = sizes[axis]
        result = F.interpolate(probe, size=one_sizes, mode=torch_mode, align_corners=align_corners)
    else:
        assert factors is not None
        one_factors = [1.0] * len(spatial)
        one_factors[axis] = factors[axis]
        result = F.interpolate(
            probe, scale_factor=one_factors, mode=torch_mode, align_corners=align_corners
        )
    return result.reshape(size, -1).T.double().numpy()


def _interpolate(
    x: Operand,
    plan: list[ResizeAxis],
    by_sizes: bool,
    scales: Sequence[float],
    options: ResizeOptions,
) -> str | None:
    """An `F.interpolate` call computing this Resize exactly, if there is one."""
    shape = x.static_shape
    ctm = options.coordinate_transformation_mode
    if shape is None or not 3 <= len(shape) <= 5 or not x.is_float:
        return None
    rank = len(shape)
    if options.antialias or ctm == "tf_crop_and_resize":
        return None
    if any(entry.axis < 2 for entry in plan) or 0 in shape:
        return None
    by_axis = {entry.axis: entry for entry in plan}
    spatial = shape[2:]
    align: bool | None = None
    if options.mode == "nearest":
        if options.exclude_outside:
            return None
        candidates = ["nearest", "nearest-exact"]
    elif options.mode == "linear":
        candidates = [("linear", "bilinear", "trilinear")[rank - 3]]
        align = ctm == "align_corners"
    else:
        if rank != 4 or options.exclude_outside:
            return None
        candidates = ["bicubic"]
        align = ctm == "align_corners"
    sizes = (
        tuple(by_axis[a].output_size if a in by_axis else shape[a] for a in range(2, rank))
        if by_sizes
        else None
    )
    factors = None if by_sizes else tuple(scales[2:])
    expected = [_onnx_matrix(by_axis.get(a + 2), spatial[a], options) for a in range(len(spatial))]
    for torch_mode in candidates:
        try:
            matches = all(
                got.shape == want.shape and np.allclose(got, want, rtol=0.0, atol=1e-6)
                for got, want in (
                    (_torch_matrix(spatial, a, torch_mode, sizes, factors, align), expected[a])
                    for a in range(len(spatial))
                )
            )
        except (RuntimeError, ValueError, NotImplementedError):
            matches = False
        if matches:
            args = [f"{x}"]
            if sizes is not None:
                args.append(f"size={py_literal(sizes)}")
            elif factors is not None:
                single = len(set(factors)) == 1
                args.append(f"scale_factor={py_literal(factors[0] if single else factors)}")
            if torch_mode != "nearest":
                args.append(f'mode="{torch_mode}"')
            if align:
                args.append("align_corners=True")
            return f"F.interpolate({', '.join(args)})"
    return None


def _resize(
    e: Emit,
    x: Operand,
    roi: Operand | None,
    scales: Operand | None,
    sizes: Operand | None,
    *,
    axes: Sequence[int] | None,
    mode: str,
    ctm: str,
    nearest_mode: str,
    cubic_coeff_a: float,
    exclude_outside: bool,
    extrapolation_value: float,
    antialias: bool,
    policy: str,
) -> str:
    rank = x.need_rank()
    if mode not in ("nearest", "linear", "cubic"):
        raise Unsupported(f"mode '{mode}' is not supported")
    if mode == "nearest" and antialias:
        raise Unsupported("antialias is not supported with mode 'nearest'")
    if ctm != "tf_crop_and_resize":
        roi = None
    if scales is not None and sizes is not None:
        raise Unsupported("both scales and sizes are given")
    if scales is None and sizes is None:
        raise Unsupported("neither scales nor sizes is given")
    normalized = None if axes is None else tuple(normalize_axis(a, rank) for a in axes)
    listed = normalized if normalized is not None else tuple(range(rank))
    options = ResizeOptions(mode, ctm, nearest_mode, cubic_coeff_a, exclude_outside, antialias)
    shape = x.shape
    control = scales if scales is not None else sizes
    assert control is not None
    static = (
        shape is not None
        and all(shape[a] is not None for a in listed)
        and control.const is not None
        and (roi is None or roi.const is not None)
    )
    if static and shape is not None and control.const is not None:
        dims = [0 if d is None else d for d in shape]
        plan = resize_plan(
            dims,
            scales.const if scales is not None else None,
            sizes.const if sizes is not None else None,
            roi.const if roi is not None else None,
            axes=normalized,
            keep_aspect_ratio_policy=policy,
        )
        if not plan:
            return f"{x}"
        full_scales = [1.0] * rank
        if scales is not None:
            for a, s in zip(listed, control.const_floats() or (), strict=True):
                full_scales[a] = s
        call = _interpolate(x, plan, sizes is not None, full_scales, options)
        if call is not None:
            return call
    args = [f"{x}"]
    if scales is not None:
        floats = scales.const_floats()
        args.append(f"scales={py_literal(floats) if floats is not None else scales.expr}")
    if sizes is not None:
        ints = sizes.const_ints()
        args.append(f"sizes={py_literal(ints) if ints is not None else sizes.expr}")
    if roi is not None:
        floats = roi.const_floats()
        args.append(f"roi={py_literal(floats) if floats is not None else roi.expr}")
    if normalized is not None:
        args.append(f"axes={py_literal(normalized)}")
    args += _kw("mode", mode, "nearest")
    args += _kw("coordinate_transformation_mode", ctm, "half_pixel")
    if mode == "nearest":
        args += _kw("nearest_mode", nearest_mode, "round_prefer_floor")
    if mode == "cubic":
        args += _kw("cubic_coeff_a", cubic_coeff_a, -0.75)
    args += _kw("exclude_outside", exclude_outside, False)
    if ctm == "tf_crop_and_resize":
        args += _kw("extrapolation_value", extrapolation_value, 0.0)
    args += _kw("antialias", antialias, False)
    args += _kw("keep_aspect_ratio_policy", policy, "stretch")
    return f"rt.resize({', '.join(args)})"


@lowers(ResizeOp)
def resize(e: Emit, op: ResizeOp) -> str:
    """ONNX Resize (opsets 11-19; opset 10 is normalized to this form on import)."""
    axes = e.attr("axes")
    sizes = _present(e.opt(3))
    scales = _present(e.opt(2))
    return _resize(
        e,
        e.arg(0),
        _present(e.opt(1)),
        None if sizes is not None else scales,
        sizes,
        axes=None if axes is None else tuple(axes),
        mode=str(e.attr("mode")),
        ctm=str(e.attr("coordinate_transformation_mode")),
        nearest_mode=str(e.attr("nearest_mode")),
        cubic_coeff_a=float(e.attr("cubic_coeff_a")),
        exclude_outside=bool(e.attr("exclude_outside")),
        extrapolation_value=float(e.attr("extrapolation_value")),
        antialias=bool(e.attr("antialias")),
        policy=str(e.attr("keep_aspect_ratio_policy")),
    )


@lowers(UpsampleOp)
def upsample(e: Emit, op: UpsampleOp) -> str:
    """ONNX Upsample (opsets 7-9): Resize with asymmetric coordinates, nearest rounding down."""
    mode = str(e.attr("mode"))
    if mode == "bilinear":
        mode = "linear"
    return _resize(
        e,
        e.arg(0),
        None,
        e.arg(1),
        None,
        axes=None,
        mode=mode,
        ctm="asymmetric",
        nearest_mode="floor",
        cubic_coeff_a=-0.75,
        exclude_outside=False,
        extrapolation_value=0.0,
        antialias=False,
        policy="stretch",
    )


# ---- DepthToSpace, SpaceToDepth -------------------------------------------------------------


@lowers(DepthToSpaceOp)
def depth_to_space(e: Emit, op: DepthToSpaceOp) -> str:
    """CRD is `F.pixel_shuffle`; DCR (the default) is `rt.depth_to_space`."""
    x, block = e.arg(0), int(e.attr("blocksize"))
    if str(e.attr("mode")) == "CRD":
        return f"F.pixel_shuffle({x}, {block})"
    return f"rt.depth_to_space({x}, {block})"


@lowers(SpaceToDepthOp)
def space_to_depth(e: Emit, op: SpaceToDepthOp) -> str:
    """CRD is `F.pixel_unshuffle`; DCR (the default) is `rt.space_to_depth`."""
    x, block = e.arg(0), int(e.attr("blocksize"))
    if str(e.attr("mode")) == "CRD":
        return f"F.pixel_unshuffle({x}, {block})"
    return f"rt.space_to_depth({x}, {block})"


# ---- AffineGrid, GridSample -----------------------------------------------------------------


@lowers(AffineGridOp)
def affine_grid(e: Emit, op: AffineGridOp) -> str:
    """`F.affine_grid`, with the size literal when it is a constant."""
    theta, size = e.arg(0), e.arg(1)
    dims = size.const_ints()
    size_text = py_literal(list(dims)) if dims is not None else f"{size}.tolist()"
    align = bool(e.attr("align_corners"))
    return f"F.affine_grid({theta}, {size_text}, align_corners={align})"


_GRID_MODES = {"linear": "bilinear", "bilinear": "bilinear", "nearest": "nearest"}


@lowers(GridSampleOp)
def grid_sample(e: Emit, op: GridSampleOp) -> str:
    """`F.grid_sample` (ONNX linear/cubic are PyTorch's bilinear/bicubic)."""
    x, grid = e.arg(0), e.arg(1)
    mode = str(e.attr("mode"))
    torch_mode = _GRID_MODES.get(mode, "bicubic" if mode in ("cubic", "bicubic") else "")
    if not torch_mode:
        raise Unsupported(f"mode '{mode}' is not supported")
    if torch_mode == "bicubic" and x.rank not in (None, 4):
        raise Unsupported("cubic mode is only supported for 4-D inputs")
    padding = str(e.attr("padding_mode"))
    if padding not in ("zeros", "border", "reflection"):
        raise Unsupported(f"padding_mode '{padding}' is not supported")
    args = [f"{x}", f"{grid}"]
    args += _kw("mode", torch_mode, "bilinear")
    args += _kw("padding_mode", padding, "zeros")
    args.append(f"align_corners={bool(e.attr('align_corners'))}")
    return f"F.grid_sample({', '.join(args)})"


# ---- CenterCropPad, MaxUnpool, Col2Im ---------------------------------------------------------


@lowers(CenterCropPadOp)
def center_crop_pad(e: Emit, op: CenterCropPadOp) -> str:
    """`F.pad` with the (negative for a crop) pads when shapes are static, else a helper."""
    x, shape = e.arg(0), e.arg(1)
    axes = e.attr("axes")
    rank = x.rank
    target = shape.const_ints()
    if rank is not None:
        listed = list(range(rank)) if axes is None else [normalize_axis(a, rank) for a in axes]
        dims = x.shape or ()
        if target is not None and all(dims[a] is not None for a in listed):
            pads = [0] * (2 * rank)
            for axis, size in zip(listed, target, strict=False):
                have = dims[axis]
                assert have is not None
                diff = size - have
                before = diff // 2 if diff >= 0 else -((-diff) // 2)
                position = 2 * (rank - 1 - axis)
                pads[position], pads[position + 1] = before, diff - before
            while pads and pads[-2:] == [0, 0]:
                pads = pads[:-2]
            if not pads:
                return f"{x}"
            return f"F.pad({x}, {py_literal(tuple(pads))})"
        axes = None if axes is None else tuple(listed)
    shape_text = py_literal(target) if target is not None else f"{shape}"
    extra = "" if axes is None else f", axes={py_literal(tuple(axes))}"
    return f"rt.center_crop_pad({x}, {shape_text}{extra})"


@lowers(MaxUnpoolOp)
def max_unpool(e: Emit, op: MaxUnpoolOp) -> str:
    """A scatter of the values to their flat indices (ONNX indices count across N and C)."""
    x, indices, output_shape = e.arg(0), e.arg(1), e.opt(2)
    kernel = tuple(int(k) for k in e.attr("kernel_shape"))
    nd = len(kernel)
    pads = tuple(e.attr("pads") or (0,) * (2 * nd))
    strides = tuple(e.attr("strides") or (1,) * nd)
    shape = x.static_shape
    wanted = None if output_shape is None else output_shape.const_ints()
    if shape is not None and (output_shape is None or wanted is not None):
        inferred = list(shape[:2]) + [
            (shape[2 + d] - 1) * strides[d] - (pads[d] + pads[nd + d]) + kernel[d]
            for d in range(nd)
        ]
        count = int(np.prod(inferred))
        expr = (
            f"{x}.new_zeros({count}).scatter(0, {indices}.reshape(-1), {x}.reshape(-1))"
            f".reshape({py_literal(tuple(inferred))})"
        )
        if wanted is None or list(wanted) == inferred:
            return expr
        extra: list[int] = []
        for have, want in zip(reversed(inferred), reversed(wanted), strict=True):
            extra += [0, want - have]
        return f"F.pad({expr}, {py_literal(tuple(extra))})"
    args = [f"{x}", f"{indices}", py_literal(kernel), py_literal(pads), py_literal(strides)]
    if output_shape is not None:
        args.append(py_literal(wanted) if wanted is not None else f"{output_shape}")
    return f"rt.max_unpool({', '.join(args)})"


@lowers(Col2ImOp)
def col2im(e: Emit, op: Col2ImOp) -> str:
    """`F.fold` for 2-D images with symmetric pads, else `rt.col2im`."""
    x, image, block = e.arg(0), e.arg(1), e.arg(2)
    image_dims, block_dims = image.const_ints(), block.const_ints()
    nd = len(image_dims) if image_dims is not None else (image.static_shape or (0,))[0]
    dilations = tuple(e.attr("dilations") or (1,) * nd)
    pads = tuple(e.attr("pads") or (0,) * (2 * nd))
    strides = tuple(e.attr("strides") or (1,) * nd)
    if image_dims is not None and block_dims is not None and nd == 2 and pads[:2] == pads[2:]:
        args = [f"{x}", py_literal(image_dims), py_literal(block_dims)]
        if any(d != 1 for d in dilations):
            args.append(f"dilation={py_literal(dilations)}")
        if any(pads):
            args.append(f"padding={py_literal(pads[:2])}")
        if any(s != 1 for s in strides):
            args.append(f"stride={py_literal(strides)}")
        return f"F.fold({', '.join(args)})"
    args = [
        f"{x}",
        py_literal(image_dims) if image_dims is not None else f"{image}",
        py_literal(block_dims) if block_dims is not None else f"{block}",
    ]
    if any(d != 1 for d in dilations):
        args.append(f"dilations={py_literal(dilations)}")
    if any(pads):
        args.append(f"pads={py_literal(pads)}")
    if any(s != 1 for s in strides):
        args.append(f"strides={py_literal(strides)}")
    return f"rt.col2im({', '.join(args)})"


# ---- DeformConv, RoiAlign, MaxRoiPool, NonMaxSuppression ----------------------------------------


@lowers(DeformConvOp)
def deform_conv(e: Emit, op: DeformConvOp) -> str:
    """`rt.deform_conv` (2-D only)."""
    x, w, offset, bias, mask = e.arg(0), e.arg(1), e.arg(2), e.opt(3), e.opt(4)
    if x.need_rank() != 4:
        raise Unsupported("only 2-D DeformConv is supported")
    args = [f"{x}", f"{w}", f"{offset}"]
    if bias is not None or mask is not None:
        args.append(f"{bias}" if bias is not None else "None")
    if mask is not None:
        args.append(f"{mask}")
    args += _kw("strides", tuple(e.attr("strides") or (1, 1)), (1, 1))
    args += _kw("pads", tuple(e.attr("pads") or (0, 0, 0, 0)), (0, 0, 0, 0))
    args += _kw("dilations", tuple(e.attr("dilations") or (1, 1)), (1, 1))
    args += _kw("group", int(e.attr("group")), 1)
    args += _kw("offset_group", int(e.attr("offset_group")), 1)
    return f"rt.deform_conv({', '.join(args)})"


@lowers(RoiAlignOp)
def roi_align(e: Emit, op: RoiAlignOp) -> str:
    """`rt.roi_align`, the ONNX reference's RoiAlign."""
    args = [f"{e.arg(0)}", f"{e.arg(1)}", f"{e.arg(2)}"]
    args += _kw("output_height", int(e.attr("output_height")), 1)
    args += _kw("output_width", int(e.attr("output_width")), 1)
    args += _kw("sampling_ratio", int(e.attr("sampling_ratio")), 0)
    args += _kw("spatial_scale", float(e.attr("spatial_scale")), 1.0)
    args += _kw("mode", str(e.attr("mode")).lower(), "avg")
    ctm = str(e.attr("coordinate_transformation_mode")).lower()
    args += _kw("half_pixel", ctm == "half_pixel", True)
    return f"rt.roi_align({', '.join(args)})"


@lowers(MaxRoiPoolOp)
def max_roi_pool(e: Emit, op: MaxRoiPoolOp) -> str:
    """`rt.max_roi_pool`."""
    pooled = tuple(int(v) for v in e.attr("pooled_shape"))
    args = [f"{e.arg(0)}", f"{e.arg(1)}", py_literal(pooled)]
    args += _kw("spatial_scale", float(e.attr("spatial_scale")), 1.0)
    return f"rt.max_roi_pool({', '.join(args)})"


@lowers(NonMaxSuppressionOp)
def non_max_suppression(e: Emit, op: NonMaxSuppressionOp) -> str:
    """`rt.non_max_suppression`; constant thresholds are printed as literals."""
    args = [f"{e.arg(0)}", f"{e.arg(1)}"]
    optional = [e.opt(2), e.opt(3), e.opt(4)]
    while optional and optional[-1] is None:
        optional.pop()
    for index, value in enumerate(optional):
        if value is None:
            args.append("None")
        elif value.const is not None:
            items = value.const.reshape(-1).tolist()
            args.append("None" if not items else py_literal(items[0] if index else int(items[0])))
        else:
            args.append(f"{value}")
    args += _kw("center_point_box", int(e.attr("center_point_box")), 0)
    return f"rt.non_max_suppression({', '.join(args)})"
