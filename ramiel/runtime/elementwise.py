"""Run-time helpers of the elementwise operators (called by code that
`ramiel.ops.elementwise` generates)."""

from __future__ import annotations

import torch

__all__ = [
    "bit_shift",
    "cast_e8m0",
    "cast_float4e2m1",
    "cast_float8",
    "dequantize_linear",
    "dynamic_quantize_linear",
    "quantize_linear",
    "uint64_key",
]

_WIDENED = (torch.uint16, torch.uint32)
_UNSIGNED = (torch.uint8, torch.uint16, torch.uint32, torch.uint64)


def uint64_key(x: torch.Tensor) -> torch.Tensor:
    """The int64 whose signed order is the unsigned order of uint64 `x` (its bits with the
    sign bit flipped); applied to such a key, it gives back the original bits as int64."""
    return x.view(torch.int64) ^ torch.iinfo(torch.int64).min


def bit_shift(x: torch.Tensor, y: torch.Tensor, *, left: bool) -> torch.Tensor:
    """ONNX BitShift: a shift by a negative amount or by the bit width or more gives 0,
    or -1 for a right shift of a negative signed value; right shifts of unsigned values
    are logical."""
    dtype = x.dtype
    bits = x.element_size() * 8
    if dtype in _WIDENED:
        xs, ys = x.long(), y.long()
    elif dtype == torch.uint64:
        xs, ys = x.view(torch.int64), y.view(torch.int64)
    else:
        xs, ys = x, y.to(dtype)
    valid = (ys >= 0) & (ys < bits)
    amount = torch.where(valid, ys, 0)
    if left:
        shifted = torch.where(valid, xs << amount, 0)
    elif dtype == torch.uint64:
        # A logical shift of the int64 bits: shift once with the sign bit cleared.
        logical = ((xs >> 1) & 0x7FFFFFFFFFFFFFFF) >> (amount - 1).clamp(min=0)
        shifted = torch.where(valid, torch.where(amount == 0, xs, logical), 0)
    else:
        fill = 0 if dtype in _UNSIGNED else torch.where(xs < 0, -1, 0).to(xs.dtype)
        shifted = torch.where(valid, xs >> amount, fill)
    if dtype == torch.uint64:
        return shifted.view(torch.uint64)
    return shifted.to(dtype)


def cast_float8(x: torch.Tensor, dtype: torch.dtype, *, saturate: bool = True) -> torch.Tensor:
    """ONNX Cast to a float8 type, rounding to nearest even.

    saturate: values beyond the largest finite value (infinities too) become it;
    otherwise they become NaN (or infinity for float8_e5m2, which has one)."""
    largest = torch.finfo(dtype).max
    wide = x if x.is_floating_point() and x.element_size() >= 4 else x.float()
    if saturate:
        return wide.clamp(-largest, largest).to(dtype)
    converted = wide.to(dtype)
    if dtype == torch.float8_e4m3fn:
        # PyTorch saturates this conversion; ONNX gives NaN past the rounding midpoint.
        overflow = wide.abs() > 464.0
        converted = torch.where(overflow, torch.full_like(converted, float("nan")), converted)
    return converted


def cast_float4e2m1(x: torch.Tensor) -> torch.Tensor:
    """ONNX Cast to float4_e2m1 (values 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives),
    rounding to nearest even and saturating, as float32 values; NaN becomes -0."""
    wide = x.float()
    magnitude = wide.abs()
    rounded = torch.where(
        magnitude < 2,
        torch.round(magnitude * 2) / 2,
        torch.where(magnitude < 4, torch.round(magnitude), torch.round(magnitude / 2) * 2),
    ).clamp(max=6.0)
    result = torch.copysign(rounded, wide)
    return torch.where(torch.isnan(wide), -0.0, result)


def cast_e8m0(x: torch.Tensor, *, saturate: bool = True, round_mode: str = "up") -> torch.Tensor:
    """ONNX Cast to float8_e8m0fnu (a power of two): the float32 exponent, rounded
    `up`, `down` or to `nearest` by the mantissa; NaN and infinities become NaN."""
    bits = x.float().view(torch.int32)
    exponent = (bits >> 23) & 0xFF
    mantissa = bits & 0x7FFFFF
    special = exponent == 0xFF
    if round_mode == "up":
        round_up = mantissa > 0
    elif round_mode == "nearest":
        guard = (bits & 0x400000) != 0
        rest = (bits & 0x3FFFFF) != 0
        round_up = guard & (rest | (exponent > 0))
    else:
        round_up = torch.zeros_like(special)
    if saturate:
        round_up = round_up & (exponent != 0xFE)
    exponent = torch.where(special, 0xFF, exponent + round_up.to(torch.int32))
    return (exponent & 0xFF).to(torch.uint8).view(torch.float8_e8m0fnu)


def _per_axis(param: torch.Tensor, x: torch.Tensor, axis: int, block_size: int) -> torch.Tensor:
    """A scale or zero point shaped to broadcast against `x`."""
    if param.dim() == 0 or (param.numel() == 1 and not block_size):
        return param.reshape(())
    if block_size:
        return param.repeat_interleave(block_size, dim=axis).narrow(axis, 0, x.shape[axis])
    shape = [1] * x.dim()
    shape[axis] = -1
    return param.reshape(shape)


def _compute_dtype(*tensors: torch.Tensor) -> torch.dtype:
    if any(t.dtype == torch.float64 for t in tensors):
        return torch.float64
    return torch.float32


def quantize_linear(
    x: torch.Tensor,
    scale: torch.Tensor,
    zero_point: torch.Tensor | None,
    dtype: torch.dtype,
    *,
    axis: int = 1,
    block_size: int = 0,
    saturate: bool = True,
    bounds: tuple[int, int] | None = None,
    float4: bool = False,
) -> torch.Tensor:
    """ONNX QuantizeLinear: `saturate(round(x / scale) + zero_point)` to `dtype`
    (for float8 types: `cast(x / scale + zero_point)`), with a scalar, per-axis or
    blocked scale. `bounds` is the range of an integer type narrower than `dtype`
    (int4 held in int8); `float4` rounds to float4_e2m1 values held in `dtype`."""
    axis = axis % max(x.dim(), 1)
    compute = _compute_dtype(x, scale)
    scaled = x.to(compute) / _per_axis(scale, x, axis, block_size).to(compute)
    zero = None
    if zero_point is not None:
        zero = _per_axis(zero_point, x, axis, block_size).to(compute)
    if dtype.is_floating_point:
        if zero is not None:
            scaled = scaled + zero
        if float4:
            return cast_float4e2m1(scaled).to(dtype)
        return cast_float8(scaled, dtype, saturate=saturate)
    rounded = torch.round(scaled)
    if zero is not None:
        rounded = rounded + zero
    if bounds is None:
        info = torch.iinfo(dtype)
        bounds = (info.min, info.max)
    return rounded.clamp(*bounds).to(dtype)


def dequantize_linear(
    x: torch.Tensor,
    scale: torch.Tensor,
    zero_point: torch.Tensor | None = None,
    *,
    axis: int = 1,
    block_size: int = 0,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """ONNX DequantizeLinear: `(x - zero_point) * scale`, in the scale's dtype unless
    `dtype` says otherwise."""
    axis = axis % max(x.dim(), 1)
    compute = _compute_dtype(scale)
    values = x.to(compute)
    if zero_point is not None:
        values = values - _per_axis(zero_point, x, axis, block_size).to(compute)
    result = values * _per_axis(scale, x, axis, block_size).to(compute)
    return result.to(dtype or scale.dtype)


def dynamic_quantize_linear(
    x: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """ONNX DynamicQuantizeLinear: uint8 quantization of `x` over the range of its
    values and 0; returns `(y, scale, zero_point)`."""
    low = torch.clamp(x.min(), max=0.0) if x.numel() else x.new_zeros(())
    high = torch.clamp(x.max(), min=0.0) if x.numel() else x.new_zeros(())
    scale = (high - low) / 255.0
    zero_point = torch.round(-low / scale).clamp(0, 255)
    y = (torch.round(x / scale) + zero_point).clamp(0, 255).to(torch.uint8)
    return y, scale, zero_point.to(torch.uint8)
