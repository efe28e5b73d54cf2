"""Run-time helpers of the tensor operators (for code that `ramiel.ops.tensor` generates).

Shape-like arguments (shapes, axes, pads, ...) are taken either as Python ints or as
int64 tensors that a graph computes at run time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import torch

__all__: list[str] = [
    "compress_flat",
    "constant_of_shape",
    "cumprod",
    "cumsum",
    "expand",
    "flatten",
    "gather",
    "gather_elements",
    "gather_nd",
    "one_hot",
    "pad",
    "reshape",
    "reverse_sequence",
    "scatter_elements",
    "scatter_nd",
    "slice_axes",
    "split",
    "squeeze",
    "tensor_scatter",
    "topk",
    "unique",
    "unsqueeze",
]

IntsLike = torch.Tensor | Sequence[int]


def _ints(value: IntsLike) -> list[int]:
    if isinstance(value, torch.Tensor):
        items: list[int] = value.reshape(-1).tolist()  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        return [int(v) for v in items]
    return [int(v) for v in value]


def _wrap(indices: torch.Tensor, size: int) -> torch.Tensor:
    """Negative indices counted from the end, as int64."""
    indices = indices.long()
    return torch.where(indices < 0, indices + size, indices)


def reshape(x: torch.Tensor, shape: IntsLike, allowzero: int = 0) -> torch.Tensor:
    """ONNX Reshape: 0 copies the input dim (unless `allowzero`), -1 is inferred."""
    dims = _ints(shape)
    if not allowzero:
        dims = [x.shape[i] if d == 0 else d for i, d in enumerate(dims)]
    if -1 in dims:
        known = math.prod(d for d in dims if d != -1)
        dims[dims.index(-1)] = x.numel() // known if known else 0
    return x.reshape(dims)


def squeeze(x: torch.Tensor, axes: IntsLike | None = None) -> torch.Tensor:
    """ONNX Squeeze: the given axes, or every dim of size 1."""
    if axes is None:
        return x.squeeze()
    return x.squeeze(tuple(_ints(axes)))


def unsqueeze(x: torch.Tensor, axes: IntsLike) -> torch.Tensor:
    """ONNX Unsqueeze: new dims of size 1 at `axes` of the output."""
    rank = x.dim() + len(_ints(axes))
    for axis in sorted(a + rank if a < 0 else a for a in _ints(axes)):
        x = x.unsqueeze(axis)
    return x


def split(x: torch.Tensor, sizes: IntsLike, axis: int) -> tuple[torch.Tensor, ...]:
    """ONNX Split with a `split` input computed at run time."""
    return torch.split(x, _ints(sizes), dim=axis)


def slice_axes(
    x: torch.Tensor,
    starts: IntsLike,
    ends: IntsLike,
    axes: IntsLike | None = None,
    steps: IntsLike | None = None,
) -> torch.Tensor:
    """ONNX Slice, negative steps included."""
    begin = _ints(starts)
    end = _ints(ends)
    axis_list = list(range(len(begin))) if axes is None else _ints(axes)
    step_list = [1] * len(begin) if steps is None else _ints(steps)
    index: list[slice] = [slice(None)] * x.dim()
    flips: list[int] = []
    for b, e, a, s in zip(begin, end, axis_list, step_list, strict=True):
        a = a + x.dim() if a < 0 else a
        size = x.shape[a]
        if s > 0:
            index[a] = slice(b, e, s)
            continue
        positions = range(*slice(b, e, s).indices(size))
        if len(positions) == 0:
            index[a] = slice(0, 0)
        else:
            index[a] = slice(positions[-1], positions[0] + 1, -s)
            flips.append(a)
    y = x[tuple(index)]
    return y.flip(flips) if flips else y


def gather(x: torch.Tensor, indices: torch.Tensor, axis: int) -> torch.Tensor:
    """ONNX Gather along `axis` (negative indices count from the end)."""
    axis = axis + x.dim() if axis < 0 else axis
    return x[(slice(None),) * axis + (indices,)]


def flatten(x: torch.Tensor, axis: int) -> torch.Tensor:
    """ONNX Flatten: a 2-D tensor of the dims before `axis` and those from it on."""
    axis = axis + x.dim() if axis < 0 else axis
    return x.reshape(math.prod(x.shape[:axis]), math.prod(x.shape[axis:]))


def gather_elements(x: torch.Tensor, axis: int, indices: torch.Tensor) -> torch.Tensor:
    """ONNX GatherElements (negative indices wrap)."""
    axis = axis + x.dim() if axis < 0 else axis
    return torch.gather(x, axis, _wrap(indices, x.shape[axis]))


def gather_nd(data: torch.Tensor, indices: torch.Tensor, batch_dims: int = 0) -> torch.Tensor:
    """ONNX GatherND."""
    b = batch_dims
    k = indices.shape[-1]
    batch = math.prod(data.shape[:b])
    rows = math.prod(indices.shape[b:-1])
    flat = data.reshape((batch, *data.shape[b:]))
    idx = indices.long().reshape(batch, rows, k)
    sizes = torch.tensor(data.shape[b : b + k], dtype=torch.int64)
    idx = torch.where(idx < 0, idx + sizes, idx)
    batch_index = torch.arange(batch).view(batch, 1).expand(batch, rows)
    picked = flat[(batch_index, *idx.unbind(-1))]
    return picked.reshape((*indices.shape[:-1], *data.shape[b + k :]))


_REDUCE = {"add": "sum", "mul": "prod", "max": "amax", "min": "amin"}


def scatter_elements(
    x: torch.Tensor,
    axis: int,
    indices: torch.Tensor,
    updates: torch.Tensor,
    reduction: str = "none",
) -> torch.Tensor:
    """ONNX ScatterElements (and Scatter): negative indices wrap."""
    axis = axis + x.dim() if axis < 0 else axis
    idx = _wrap(indices, x.shape[axis])
    if reduction == "none":
        return x.scatter(axis, idx, updates)
    return x.scatter_reduce(axis, idx, updates, _REDUCE[reduction])


def scatter_nd(
    data: torch.Tensor, indices: torch.Tensor, updates: torch.Tensor, reduction: str = "none"
) -> torch.Tensor:
    """ONNX ScatterND: `updates` written (or combined) at the index tuples of `indices`."""
    k = indices.shape[-1]
    lead = data.shape[:k]
    rest = data.shape[k:]
    flat = data.reshape((math.prod(lead), *rest)).clone()
    idx = indices.long().reshape(-1, k)
    sizes = torch.tensor(lead, dtype=torch.int64)
    idx = torch.where(idx < 0, idx + sizes, idx)
    strides = torch.tensor([math.prod(lead[i + 1 :]) for i in range(k)], dtype=torch.int64)
    linear = (idx * strides).sum(-1)
    values = updates.reshape((linear.shape[0], *rest))
    if reduction == "none":
        flat.index_copy_(0, linear, values)
    elif reduction == "add":
        flat.index_add_(0, linear, values)
    else:
        index = linear.reshape((-1,) + (1,) * len(rest)).expand(values.shape)
        flat.scatter_reduce_(0, index, values, _REDUCE[reduction])
    return flat.reshape(data.shape)


def tensor_scatter(
    cache: torch.Tensor,
    update: torch.Tensor,
    write_indices: torch.Tensor | None,
    axis: int = -2,
    circular: bool = False,
) -> torch.Tensor:
    """ONNX TensorScatter: each batch's update written into the cache at its index."""
    axis = axis + cache.dim() if axis < 0 else axis
    batch = cache.shape[0]
    length = cache.shape[axis]
    count = update.shape[axis]
    start = (
        torch.zeros(batch, dtype=torch.int64)
        if write_indices is None
        else write_indices.long().reshape(batch)
    )
    positions = start.view(batch, 1) + torch.arange(count).view(1, count)
    if circular:
        positions = positions % length
    shape = [1] * cache.dim()
    shape[0] = batch
    shape[axis] = count
    index = positions.reshape(shape).expand(update.shape)
    return cache.scatter(axis, index, update)


def expand(x: torch.Tensor, shape: IntsLike) -> torch.Tensor:
    """ONNX Expand: `x` broadcast with `shape` (both ways)."""
    target = cast(torch.Size, torch.broadcast_shapes(x.shape, tuple(_ints(shape))))  # pyright: ignore[reportUnknownMemberType]
    return x.expand(target)


def constant_of_shape(
    shape: IntsLike, value: float | int | bool, dtype: torch.dtype
) -> torch.Tensor:
    """ONNX ConstantOfShape with a shape computed at run time."""
    return torch.full(_ints(shape), value, dtype=dtype)


def _pad_index(size: int, before: int, after: int, mode: str) -> torch.Tensor:
    positions = torch.arange(-before, size + after)
    if mode == "edge":
        return positions.clamp(0, size - 1)
    if mode == "wrap":
        return positions % size
    # reflect
    if size == 1:
        return torch.zeros_like(positions)
    period = 2 * (size - 1)
    folded = positions.abs() % period
    return torch.where(folded >= size, period - folded, folded)


def pad(
    x: torch.Tensor,
    pads: IntsLike,
    mode: str = "constant",
    value: torch.Tensor | float | int | bool | None = None,
    axes: IntsLike | None = None,
) -> torch.Tensor:
    """ONNX Pad: `pads` = begins then ends of `axes` (every axis by default)."""
    amounts = _ints(pads)
    axis_list = list(range(x.dim())) if axes is None else _ints(axes)
    axis_list = [a + x.dim() if a < 0 else a for a in axis_list]
    n = len(axis_list)
    begins = dict(zip(axis_list, amounts[:n], strict=True))
    ends = dict(zip(axis_list, amounts[n:], strict=True))
    if mode == "constant":
        fill = 0 if value is None else value
        if isinstance(fill, torch.Tensor):
            fill = fill.item()
        flat: list[int] = []
        for axis in reversed(range(x.dim())):
            flat += [begins.get(axis, 0), ends.get(axis, 0)]
        if x.dtype == torch.bool:
            return torch.nn.functional.pad(x.to(torch.uint8), flat, value=float(fill)).bool()
        return torch.nn.functional.pad(x, flat, value=fill)
    for axis in axis_list:
        before, after = begins[axis], ends[axis]
        if before == 0 and after == 0:
            continue
        size = x.shape[axis]
        # Negative pads crop first.
        start, stop = max(-before, 0), size - max(-after, 0)
        x = x.narrow(axis, start, max(stop - start, 0))
        before, after = max(before, 0), max(after, 0)
        if before or after:
            index = _pad_index(x.shape[axis], before, after, mode)
            x = x.index_select(axis, index)
    return x


def topk(
    x: torch.Tensor, k: int | torch.Tensor, axis: int = -1, largest: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """ONNX TopK: the k largest (smallest) values along `axis`, ties by lower index."""
    count = int(k)
    values, indices = torch.sort(x, dim=axis, descending=largest, stable=True)
    return values.narrow(axis, 0, count), indices.narrow(axis, 0, count)


def cumsum(
    x: torch.Tensor, axis: int | torch.Tensor, exclusive: bool = False, reverse: bool = False
) -> torch.Tensor:
    """ONNX CumSum with `exclusive` and `reverse`."""
    return _cumulative(x, axis, False, exclusive, reverse)


def cumprod(
    x: torch.Tensor, axis: int | torch.Tensor, exclusive: bool = False, reverse: bool = False
) -> torch.Tensor:
    """ONNX CumProd with `exclusive` and `reverse`."""
    return _cumulative(x, axis, True, exclusive, reverse)


def _cumulative(
    x: torch.Tensor, axis: int | torch.Tensor, product: bool, exclusive: bool, reverse: bool
) -> torch.Tensor:
    dim = int(axis)
    dtype = x.dtype
    if dtype in (torch.uint16, torch.uint32, torch.uint64, torch.bool):
        x = x.long()
    if reverse:
        x = x.flip(dim)
    if exclusive:
        first = (
            torch.ones_like(x.narrow(dim, 0, 1))
            if product
            else torch.zeros_like(x.narrow(dim, 0, 1))
        )
        x = torch.cat((first, x.narrow(dim, 0, max(x.shape[dim] - 1, 0))), dim=dim)
    y = torch.cumprod(x, dim, dtype=x.dtype) if product else torch.cumsum(x, dim, dtype=x.dtype)
    if reverse:
        y = y.flip(dim)
    return y.to(dtype)


def one_hot(
    indices: torch.Tensor, depth: torch.Tensor | int, values: torch.Tensor, axis: int = -1
) -> torch.Tensor:
    """ONNX OneHot: `values[1]` where the index hits, `values[0]` elsewhere."""
    size = int(depth)
    idx = indices.long() if indices.is_floating_point() is False else indices.trunc().long()
    idx = torch.where(idx < 0, idx + size, idx)
    hot = idx.unsqueeze(-1) == torch.arange(size)
    hot = hot.movedim(-1, axis)
    return torch.where(hot, values[1], values[0])


def compress_flat(x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
    """ONNX Compress without an axis: the flattened input's selected elements."""
    return x.reshape(-1).index_select(0, torch.nonzero(condition).reshape(-1))


def unique(
    x: torch.Tensor, axis: int | None = None, sorted: bool = True
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """ONNX Unique: values, first-occurrence indices, inverse indices and counts."""
    if axis is None:
        x = x.reshape(-1)
        dim = 0
    else:
        dim = axis
    values, inverse, counts = cast(
        tuple[torch.Tensor, torch.Tensor, torch.Tensor],
        torch.unique(  # pyright: ignore[reportUnknownMemberType]
            x, sorted=True, return_inverse=True, return_counts=True, dim=dim
        ),
    )
    inverse = inverse.reshape(-1)
    n = x.shape[dim]
    first = torch.full((values.shape[dim],), n, dtype=torch.int64).scatter_reduce(
        0, inverse, torch.arange(n), "amin"
    )
    if not sorted:
        order = torch.argsort(first)
        values = values.index_select(dim, order)
        counts = counts[order]
        first = first[order]
        inverse = torch.argsort(order)[inverse]
    return values, first, inverse, counts


def reverse_sequence(
    x: torch.Tensor, lengths: torch.Tensor, batch_axis: int = 1, time_axis: int = 0
) -> torch.Tensor:
    """ONNX ReverseSequence: the first `lengths[b]` steps of each batch item reversed."""
    batch_axis = batch_axis + x.dim() if batch_axis < 0 else batch_axis
    time_axis = time_axis + x.dim() if time_axis < 0 else time_axis
    steps = x.shape[time_axis]
    batch = x.shape[batch_axis]
    t = torch.arange(steps).view(steps, 1)
    n = lengths.long().view(1, batch)
    source = torch.where(t < n, n - 1 - t, t)
    if batch_axis < time_axis:
        source = source.t()
    shape = [1] * x.dim()
    shape[time_axis] = steps
    shape[batch_axis] = batch
    return torch.gather(x, time_axis, source.reshape(shape).expand(x.shape))
