"""Run-time helpers of the reduce operators (for code that `ramiel.ops.reduce` generates)."""

from __future__ import annotations

import torch

__all__: list[str] = ["reduce", "reduce_dims", "reduce_max", "reduce_min"]

_WIDENED = (torch.uint16, torch.uint32, torch.uint64)


def _extreme(x: torch.Tensor, dims: tuple[int, ...], keepdim: bool, largest: bool) -> torch.Tensor:
    """ReduceMax / ReduceMin; over an empty axis, the identity (-inf for max, +inf for min)."""
    if x.numel() == 0:
        shape = [1 if i in dims else d for i, d in enumerate(x.shape)]
        if not keepdim:
            shape = [d for i, d in enumerate(x.shape) if i not in dims]
        if x.dtype == torch.bool:
            fill: float | int | bool = not largest
        elif x.is_floating_point():
            fill = -float("inf") if largest else float("inf")
        else:
            info = torch.iinfo(x.dtype)
            fill = info.min if largest else info.max
        return torch.full(shape, fill, dtype=x.dtype)
    if x.dtype in _WIDENED:
        wide = x.long() if x.dtype != torch.uint64 else x.double()
        return _extreme(wide, dims, keepdim, largest).to(x.dtype)
    if largest:
        return torch.amax(x, dim=dims, keepdim=keepdim)
    return torch.amin(x, dim=dims, keepdim=keepdim)


def reduce_max(x: torch.Tensor, dims: tuple[int, ...], keepdim: bool = False) -> torch.Tensor:
    """ReduceMax over `dims`; -inf (or the dtype's least value) over an empty axis."""
    return _extreme(x, dims, keepdim, True)


def reduce_min(x: torch.Tensor, dims: tuple[int, ...], keepdim: bool = False) -> torch.Tensor:
    """ReduceMin over `dims`; +inf (or the dtype's greatest value) over an empty axis."""
    return _extreme(x, dims, keepdim, False)


def reduce_dims(
    kind: str, x: torch.Tensor, dims: tuple[int, ...], keepdim: bool = False
) -> torch.Tensor:
    """ONNX reduction `kind` over `dims` (sorted, non-negative)."""
    if kind in ("max", "min"):
        return _extreme(x, dims, keepdim, kind == "max")
    dtype = x.dtype
    if not x.is_floating_point() and kind in ("mean", "l2", "log_sum", "log_sum_exp"):
        return reduce_dims(kind, x.double(), dims, keepdim).to(dtype)
    if dtype in _WIDENED or dtype == torch.bool:
        return reduce_dims(kind, x.long(), dims, keepdim).to(dtype)
    sum_dtype = None if x.is_floating_point() else dtype
    if kind == "sum":
        return torch.sum(x, dim=dims, keepdim=keepdim, dtype=sum_dtype)
    if kind == "mean":
        return torch.mean(x, dim=dims, keepdim=keepdim)
    if kind == "prod":
        y = x
        for d in sorted(dims, reverse=True):
            y = torch.prod(y, d, keepdim=keepdim, dtype=sum_dtype)
        return y
    if kind == "l1":
        return torch.sum(x.abs(), dim=dims, keepdim=keepdim, dtype=sum_dtype)
    if kind == "l2":
        return torch.sum(x.square(), dim=dims, keepdim=keepdim).sqrt()
    if kind == "log_sum":
        return torch.sum(x, dim=dims, keepdim=keepdim).log()
    if kind == "log_sum_exp":
        return torch.logsumexp(x, dim=dims, keepdim=keepdim)
    if kind == "sum_square":
        return torch.sum(x.square(), dim=dims, keepdim=keepdim, dtype=sum_dtype)
    raise ValueError(f"unknown reduction '{kind}'")


def reduce(
    kind: str,
    x: torch.Tensor,
    axes: torch.Tensor | None,
    keepdims: bool = True,
    noop_with_empty_axes: bool = False,
) -> torch.Tensor:
    """An ONNX reduction (`kind`: sum, mean, max, min, prod, l1, l2, log_sum,
    log_sum_exp, sum_square) over axes computed at run time."""
    values: list[int] = []
    if axes is not None:
        items: list[int] = axes.reshape(-1).tolist()  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        values = [int(a) for a in items]
    if not values:
        if noop_with_empty_axes:
            return x
        dims = tuple(range(x.dim()))
    else:
        dims = tuple(sorted(a + x.dim() if a < 0 else a for a in values))
    return reduce_dims(kind, x, dims, keepdims)
