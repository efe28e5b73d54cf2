"""Lowerings of the tensor operators: shapes, indexing, gathers and scatters, padding."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ramiel.dialects.onnx_ops import (
    ArgMaxOp,
    ArgMinOp,
    CompressOp,
    ConcatOp,
    ConstantOfShapeOp,
    CumProdOp,
    CumSumOp,
    DetOp,
    EinsumOp,
    ExpandOp,
    EyeLikeOp,
    FlattenOp,
    GatherElementsOp,
    GatherNDOp,
    GatherOp,
    NonZeroOp,
    OneHotOp,
    PadOp,
    RangeOp,
    ReshapeOp,
    ReverseSequenceOp,
    ScatterElementsOp,
    ScatterNDOp,
    ScatterOp,
    ShapeOp,
    SizeOp,
    SliceOp,
    SplitOp,
    SqueezeOp,
    TensorScatterOp,
    TileOp,
    TopKOp,
    TransposeOp,
    TriluOp,
    UniqueOp,
    UnsqueezeOp,
)
from ramiel.ops.constants import dense_to_array
from ramiel.ops.registry import (
    Emit,
    Multi,
    Operand,
    Unsupported,
    lowers,
    normalize_axis,
    py_literal,
)

_INT_MAX = 2**31 - 1


def _dims(values: Sequence[int | str]) -> str:
    return ", ".join(str(v) for v in values)


def _size_args(values: Sequence[int | str]) -> str:
    """The arguments of `reshape`/`expand`/`repeat` for a size: `2, 3`, or `()` for none."""
    return _dims(values) if values else "()"


def _kw(name: str, value: object, default: object) -> str:
    return "" if value == default else f", {name}={py_literal(value)}"


def _axis(x: Operand, axis: int, extra: int = 0) -> int:
    """`axis` of `x` (of a result `extra` dims larger) as a non-negative index when the
    rank is known, else as given (torch takes negative dims)."""
    rank = x.rank
    return axis if rank is None else normalize_axis(axis, rank + extra)


def _index(x: str, items: list[str]) -> str:
    """`x[items]` with trailing full slices left out."""
    while items and items[-1] == ":":
        items.pop()
    if not items:
        return x
    return f"{x}[{', '.join(items)}]"


def _slice_text(start: int | None, stop: int | None, step: int = 1) -> str:
    text = f"{'' if start is None else start}:{'' if stop is None else stop}"
    if step != 1:
        text += f":{step}"
    return text


def _shape_expr(x: Operand, rank: int) -> list[str]:
    """Each dim of `x`: a literal when static, else `x.shape[i]`."""
    shape = x.shape or (None,) * rank
    return [str(d) if d is not None else f"{x.expr}.shape[{i}]" for i, d in enumerate(shape)]


# ---- reshaping ----------------------------------------------------------------------------


@lowers(ReshapeOp)
def reshape(e: Emit, op: ReshapeOp) -> str:
    x, shape = e.arg(0), e.arg(1)
    allowzero = e.attr("allowzero")
    dims = shape.const_ints()
    out = e.out().static_shape
    if dims is None:
        if out is not None:
            return f"{x}.reshape({_size_args(out)})"
        return f"rt.reshape({x}, {shape}{', allowzero=1' if allowzero else ''})"
    items: list[str] = []
    in_shape = x.shape
    for i, d in enumerate(dims):
        if d == 0 and not allowzero:
            if in_shape is not None and i < len(in_shape) and in_shape[i] is not None:
                items.append(str(in_shape[i]))
            else:
                items.append(f"{x.expr}.shape[{i}]")
        else:
            items.append(str(d))
    if out is not None and "-1" in items:
        items = [str(d) for d in out]
    if len(items) == 1:
        return f"{x}.reshape({items[0]})"
    if not items:
        return f"{x}.reshape(())"
    return f"{x}.reshape({', '.join(items)})"


@lowers(FlattenOp)
def flatten(e: Emit, op: FlattenOp) -> str:
    x = e.arg(0)
    axis = e.attr("axis")
    out = e.out().static_shape
    if out is not None:
        return f"{x}.reshape({out[0]}, {out[1]})"
    rank = x.rank
    if rank is None:
        return f"rt.flatten({x}, {axis})"
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        return f"{x}.reshape(1, -1)"
    if axis == rank:
        return f"{x}.reshape(-1, 1)"
    head = f"{x}.flatten({axis})" if axis < rank - 1 else x.expr
    return f"{head}.flatten(0, {axis - 1})" if axis > 1 else head


@lowers(TransposeOp)
def transpose(e: Emit, op: TransposeOp) -> str:
    x = e.arg(0)
    rank = x.rank
    perm = e.attr("perm")
    if perm is None and rank is None:
        return f"{x}.permute(*range({x}.dim() - 1, -1, -1))"
    perm = tuple(reversed(range(rank or 0))) if perm is None else tuple(perm)
    rank = len(perm)
    if perm == tuple(range(rank)):
        return x.expr
    return f"{x}.permute({_dims(perm)})"


@lowers(SqueezeOp)
def squeeze(e: Emit, op: SqueezeOp) -> str:
    x, axes = e.arg(0), e.opt(1)
    if axes is None:
        return f"{x}.squeeze()"
    values = axes.const_ints()
    if values is None:
        out = e.out().static_shape
        if out is not None:
            return f"{x}.reshape({py_literal(out)})"
        return f"rt.squeeze({x}, {axes})"
    dims = tuple(sorted(_axis(x, a) for a in values))
    if not dims:
        return x.expr
    if len(dims) == 1:
        return f"{x}.squeeze({dims[0]})"
    return f"{x}.squeeze({py_literal(dims)})"


@lowers(UnsqueezeOp)
def unsqueeze(e: Emit, op: UnsqueezeOp) -> str:
    x, axes = e.arg(0), e.arg(1)
    values = axes.const_ints()
    if values is None:
        out = e.out().static_shape
        if out is not None:
            return f"{x}.reshape({py_literal(out)})"
        return f"rt.unsqueeze({x}, {axes})"
    if x.rank is None and any(a < 0 for a in values):
        return f"rt.unsqueeze({x}, {py_literal(list(values))})"
    expr = x.expr
    for axis in sorted(_axis(x, a, len(values)) for a in values):
        expr += f".unsqueeze({axis})"
    return expr


@lowers(ConcatOp)
def concat(e: Emit, op: ConcatOp) -> str:
    values = e.args_from(0)
    axis = _axis(values[0], e.attr("axis"))
    items = ", ".join(v.expr for v in values)
    if len(values) == 1:
        items += ","
    return f"torch.cat(({items}){_kw('dim', axis, 0)})"


@lowers(SplitOp)
def split(e: Emit, op: SplitOp) -> Multi:
    x, sizes = e.arg(0), e.opt(1)
    axis = _axis(x, e.attr("axis"))
    count = len(e.outputs)
    dim = _kw("dim", axis, 0)
    if sizes is not None:
        values = sizes.const_ints()
        if values is None:
            parts = [None if o is None or o.shape is None else o.shape[axis] for o in e.outputs]
            if any(p is None for p in parts):
                return Multi(f"rt.split({x}, {sizes}, {axis})")
            values = tuple(p or 0 for p in parts)
        return Multi(f"torch.split({x}, {py_literal(list(values))}{dim})")
    num = e.attr("num_outputs") or count
    shape = x.shape
    length = shape[axis] if shape is not None else None
    if length is not None:
        chunk = -(-length // num)
        return Multi(f"torch.split({x}, {chunk}{dim})")
    return Multi(f"torch.chunk({x}, {num}{dim})")


@lowers(SliceOp)
def slice_(e: Emit, op: SliceOp) -> str:
    x = e.arg(0)
    starts, ends, axes, steps = e.arg(1), e.arg(2), e.opt(3), e.opt(4)
    b, en = starts.const_ints(), ends.const_ints()
    a = None if axes is None else axes.const_ints()
    s = None if steps is None else steps.const_ints()
    if (
        b is None
        or en is None
        or (axes is not None and a is None)
        or (steps is not None and s is None)
        or x.rank is None
    ):
        args = [x.expr, starts.expr, ends.expr]
        if axes is not None or steps is not None:
            args.append(axes.expr if axes is not None else "None")
        if steps is not None:
            args.append(steps.expr)
        return f"rt.slice_axes({', '.join(args)})"
    rank = x.need_rank()
    axis_list = list(range(len(b))) if a is None else [normalize_axis(v, rank) for v in a]
    step_list = [1] * len(b) if s is None else list(s)
    shape = x.shape or (None,) * rank
    items = [":"] * rank
    flips: list[int] = []
    for start, stop, axis, step in zip(b, en, axis_list, step_list, strict=True):
        size = shape[axis]
        if step > 0:
            lo: int | None = start
            hi: int | None = stop
            if start == 0 or (size is not None and start <= -size):
                lo = None
            if stop >= _INT_MAX or (size is not None and stop >= size):
                hi = None
            items[axis] = _slice_text(lo, hi, step)
            continue
        if size is None:
            return (
                f"rt.slice_axes({x}, {py_literal(list(b))}, {py_literal(list(en))}, "
                f"{py_literal(axis_list)}, {py_literal(step_list)})"
            )
        positions = range(*slice(start, stop, step).indices(size))
        if len(positions) == 0:
            items[axis] = "0:0"
            continue
        first, last = positions[-1], positions[0] + 1
        items[axis] = _slice_text(first if first else None, last if last < size else None, -step)
        if len(positions) > 1:
            flips.append(axis)
    expr = _index(x.expr, items)
    if flips:
        expr += f".flip({_dims(flips)})"
    return expr


# ---- gathers and scatters -------------------------------------------------------------------


@lowers(GatherOp)
def gather(e: Emit, op: GatherOp) -> str:
    x, indices = e.arg(0), e.arg(1)
    axis = _axis(x, e.attr("axis"))
    if axis < 0:
        return f"rt.gather({x}, {indices}, {axis})"
    if indices.const is not None and indices.const.ndim == 0:
        index = str(int(indices.const))
    else:
        index = indices.expr
    return _index(x.expr, [":"] * axis + [index])


@lowers(GatherElementsOp)
def gather_elements(e: Emit, op: GatherElementsOp) -> str:
    x, indices = e.arg(0), e.arg(1)
    axis = _axis(x, e.attr("axis"))
    const = indices.const
    if const is not None and bool((const >= 0).all()) and indices.dtype == "torch.int64":
        return f"torch.gather({x}, {axis}, {indices})"
    return f"rt.gather_elements({x}, {axis}, {indices})"


@lowers(GatherNDOp)
def gather_nd(e: Emit, op: GatherNDOp) -> str:
    batch_dims = e.attr("batch_dims")
    return f"rt.gather_nd({e.arg(0)}, {e.arg(1)}{_kw('batch_dims', batch_dims, 0)})"


@lowers(ScatterElementsOp, ScatterOp)
def scatter_elements(e: Emit, op: ScatterElementsOp | ScatterOp) -> str:
    x, indices, updates = e.arg(0), e.arg(1), e.arg(2)
    axis = _axis(x, e.attr("axis"))
    reduction = e.attr("reduction") if isinstance(op, ScatterElementsOp) else "none"
    if reduction not in ("none", "add", "mul", "max", "min"):
        raise Unsupported(f"reduction '{reduction}' is not supported")
    extra = "" if reduction == "none" else f", reduction={reduction!r}"
    return f"rt.scatter_elements({x}, {axis}, {indices}, {updates}{extra})"


@lowers(ScatterNDOp)
def scatter_nd(e: Emit, op: ScatterNDOp) -> str:
    reduction = e.attr("reduction")
    if reduction not in ("none", "add", "mul", "max", "min"):
        raise Unsupported(f"reduction '{reduction}' is not supported")
    extra = "" if reduction == "none" else f", {reduction!r}"
    return f"rt.scatter_nd({e.arg(0)}, {e.arg(1)}, {e.arg(2)}{extra})"


@lowers(TensorScatterOp)
def tensor_scatter(e: Emit, op: TensorScatterOp) -> str:
    cache, update, indices = e.arg(0), e.arg(1), e.opt(2)
    axis = _axis(cache, e.attr("axis"))
    mode = e.attr("mode")
    if mode not in ("linear", "circular"):
        raise Unsupported(f"mode '{mode}' is not supported")
    index = "None" if indices is None else indices.expr
    circular = ", circular=True" if mode == "circular" else ""
    return f"rt.tensor_scatter({cache}, {update}, {index}, axis={axis}{circular})"


# ---- shapes -------------------------------------------------------------------------------


@lowers(ShapeOp)
def shape(e: Emit, op: ShapeOp) -> str:
    x = e.arg(0)
    rank = x.rank
    start = e.attr("start") or 0
    end = e.attr("end")
    if rank is None:
        part = _index(f"{x}.shape", [_slice_text(start or None, end)])
        return f"torch.tensor({part}, dtype=torch.int64)"
    lo = max(0, min(rank, start + rank if start < 0 else start))
    hi = rank if end is None else max(0, min(rank, end + rank if end < 0 else end))
    dims = (x.shape or ())[lo:hi]
    if all(d is not None for d in dims):
        return f"torch.tensor({py_literal(list(dims))}, dtype=torch.int64)"
    part = _index(f"{x}.shape", [_slice_text(lo or None, hi if hi < rank else None)])
    return f"torch.tensor({part}, dtype=torch.int64)"


@lowers(SizeOp)
def size(e: Emit, op: SizeOp) -> str:
    x = e.arg(0)
    static = x.static_shape
    if static is not None:
        return f"torch.tensor({math.prod(static)}, dtype=torch.int64)"
    return f"torch.tensor({x}.numel(), dtype=torch.int64)"


@lowers(ExpandOp)
def expand(e: Emit, op: ExpandOp) -> str:
    x, shape = e.arg(0), e.arg(1)
    dims = shape.const_ints()
    out = e.out().static_shape
    if dims is None:
        if out is not None:
            return f"{x}.expand({_size_args(out)})"
        return f"rt.expand({x}, {shape})"
    rank = x.rank
    if rank is None:
        return f"rt.expand({x}, {py_literal(list(dims))})"
    in_shape = x.shape or (None,) * rank
    n = max(rank, len(dims))
    padded_in: list[int | None] = [1] * (n - rank) + list(in_shape)
    padded_dims = [1] * (n - len(dims)) + list(dims)
    items: list[str] = []
    for i, (d_in, d) in enumerate(zip(padded_in, padded_dims, strict=True)):
        if d == 1:
            items.append(str(d_in) if d_in is not None else ("-1" if i >= n - rank else "1"))
        else:
            items.append(str(d))
    if n == rank and all(it in ("-1", str(d)) for it, d in zip(items, in_shape, strict=True)):
        return x.expr
    return f"{x}.expand({_size_args(items)})"


@lowers(TileOp)
def tile(e: Emit, op: TileOp) -> str:
    x, repeats = e.arg(0), e.arg(1)
    values = repeats.const_ints()
    if values is None:
        out, shape = e.out().static_shape, x.static_shape
        if out is None or shape is None or 0 in shape:
            return f"{x}.repeat({repeats}.tolist())"
        values = tuple(o // i for o, i in zip(out, shape, strict=True))
    return f"{x}.repeat({_size_args(values)})"


@lowers(PadOp)
def pad(e: Emit, op: PadOp) -> str:
    x, pads, value, axes = e.arg(0), e.arg(1), e.opt(2), e.opt(3)
    mode = e.attr("mode")
    if mode not in ("constant", "reflect", "edge", "wrap"):
        raise Unsupported(f"mode '{mode}' is not supported")
    rank = x.rank
    amounts = pads.const_ints()
    axis_values = None if axes is None else axes.const_ints()
    fill: str | None = None
    if value is not None and mode == "constant":
        floats = value.const
        if floats is not None:
            item = floats.reshape(-1)[0].item() if floats.size else 0
            if floats.dtype.kind == "f" and floats.dtype.itemsize <= 4:
                item = float(str(floats.reshape(-1)[0]))  # the shortest repr that round-trips
            fill = py_literal(item) if item != 0 else None
        else:
            fill = value.expr
    if amounts is None or (axes is not None and axis_values is None) or rank is None:
        args = [x.expr, pads.expr]
        if mode != "constant" or fill is not None or axes is not None:
            args.append(repr(mode))
        if fill is not None or axes is not None:
            args.append(fill or "None")
        if axes is not None:
            args.append(axes.expr)
        return f"rt.pad({', '.join(args)})"
    axis_list = (
        list(range(rank)) if axis_values is None else [normalize_axis(a, rank) for a in axis_values]
    )
    n = len(axis_list)
    begins = dict(zip(axis_list, amounts[:n], strict=True))
    ends = dict(zip(axis_list, amounts[n:], strict=True))
    if mode == "constant" and not x.is_bool and (value is None or value.const is not None):
        flat: list[int] = []
        for axis in reversed(range(rank)):
            flat += [begins.get(axis, 0), ends.get(axis, 0)]
        while flat and flat[-1] == 0 and flat[-2] == 0:
            flat = flat[:-2]
        if not flat:
            return x.expr
        return f"F.pad({x}, {py_literal(tuple(flat))}{'' if fill is None else f', value={fill}'})"
    full = [begins.get(a, 0) for a in range(rank)] + [ends.get(a, 0) for a in range(rank)]
    args = [x.expr, py_literal(full), repr(mode)]
    if fill is not None:
        args.append(fill)
    return f"rt.pad({', '.join(args)})"


@lowers(ConstantOfShapeOp)
def constant_of_shape(e: Emit, op: ConstantOfShapeOp) -> str:
    shape = e.arg(0)
    out = e.out()
    dtype = out.dtype
    attr = e.attr("value")
    fill: object = 0
    if attr is not None:
        array = dense_to_array(attr)
        if array is None:
            raise Unsupported("the fill value's element type is not supported")
        fill = array.reshape(-1)[0].item()
    if isinstance(fill, float) and fill.is_integer() and not out.is_float:
        fill = int(fill)
    static = out.static_shape
    dims = shape.const_ints()
    if dims is None and static is not None:
        dims = static
    if dims is None:
        return f"rt.constant_of_shape({shape}, {py_literal(fill)}, {dtype})"
    size = py_literal(tuple(dims))
    if fill == 0 and not isinstance(fill, bool):
        return f"torch.zeros({size}, dtype={dtype})"
    return f"torch.full({size}, {py_literal(fill)}, dtype={dtype})"


def _scalar(value: Operand) -> str:
    const = value.const
    if const is not None:
        item = const.reshape(-1)[0]
        if const.dtype.kind == "f" and const.dtype.itemsize <= 4:
            return py_literal(float(str(item)))  # the shortest repr that round-trips
        return py_literal(item.item())
    return f"{value}.item()"


@lowers(RangeOp)
def range_(e: Emit, op: RangeOp) -> str:
    start, limit, delta = e.arg(0), e.arg(1), e.arg(2)
    dtype = e.out().dtype
    return f"torch.arange({_scalar(start)}, {_scalar(limit)}, {_scalar(delta)}, dtype={dtype})"


@lowers(EyeLikeOp)
def eye_like(e: Emit, op: EyeLikeOp) -> str:
    x = e.arg(0)
    if x.rank not in (None, 2):
        raise Unsupported("EyeLike needs a 2-D input")
    n, m = _shape_expr(x, 2)
    dtype = e.out().dtype
    k = e.attr("k") or 0
    if k == 0:
        return f"torch.eye({n}, {m}, dtype={dtype})"
    return f"torch.ones({n}, {m}, dtype={dtype}).triu({k}).tril({k})"


@lowers(TriluOp)
def trilu(e: Emit, op: TriluOp) -> str:
    x, k = e.arg(0), e.opt(1)
    name = "triu" if e.attr("upper") else "tril"
    if k is None:
        return f"torch.{name}({x})"
    value = k.const_ints()
    if value is not None:
        return f"torch.{name}({x}{'' if value[0] == 0 else f', {value[0]}'})"
    return f"torch.{name}({x}, int({k}))"


@lowers(OneHotOp)
def one_hot(e: Emit, op: OneHotOp) -> str:
    indices, depth, values = e.arg(0), e.arg(1), e.arg(2)
    axis = _axis(indices, e.attr("axis"), 1)
    d = depth.const
    depth_text = str(int(d.reshape(-1)[0])) if d is not None else depth.expr
    return f"rt.one_hot({indices}, {depth_text}, {values}, axis={axis})"


@lowers(NonZeroOp)
def non_zero(e: Emit, op: NonZeroOp) -> str:
    return f"torch.nonzero({e.arg(0)}).T"


@lowers(TopKOp)
def topk(e: Emit, op: TopKOp) -> Multi:
    x, k = e.arg(0), e.arg(1)
    axis = _axis(x, e.attr("axis"))
    count = k.const_ints()
    k_text = str(count[0]) if count is not None else k.expr
    largest = "" if e.attr("largest") else ", largest=False"
    return Multi(f"rt.topk({x}, {k_text}, axis={axis}{largest})")


def _arg_reduce(e: Emit, name: str) -> str:
    x = e.arg(0)
    axis = _axis(x, e.attr("axis"))
    keep = bool(e.attr("keepdims"))
    keep_text = ", keepdim=True" if keep else ""
    if e.attr("select_last_index"):
        size = (x.shape or (None,) * (axis + 1))[axis]
        last = str(size - 1) if size is not None else f"{x.expr}.shape[{axis}] - 1"
        return f"{last} - torch.{name}({x}.flip({axis}), dim={axis}{keep_text})"
    return f"torch.{name}({x}, dim={axis}{keep_text})"


@lowers(ArgMaxOp)
def arg_max(e: Emit, op: ArgMaxOp) -> str:
    return _arg_reduce(e, "argmax")


@lowers(ArgMinOp)
def arg_min(e: Emit, op: ArgMinOp) -> str:
    return _arg_reduce(e, "argmin")


def _cumulative(e: Emit, product: bool) -> str:
    x, axis = e.arg(0), e.arg(1)
    axis_value = axis.const_ints()
    exclusive, reverse = bool(e.attr("exclusive")), bool(e.attr("reverse"))
    name = "cumprod" if product else "cumsum"
    flags = (", exclusive=True" if exclusive else "") + (", reverse=True" if reverse else "")
    if axis_value is None:
        return f"rt.{name}({x}, {axis}{flags})"
    dim = _axis(x, axis_value[0])
    if flags or x.dtype in ("torch.uint16", "torch.uint32", "torch.uint64", "torch.bool"):
        return f"rt.{name}({x}, {dim}{flags})"
    if x.is_float or x.dtype == "torch.int64":
        return f"torch.{name}({x}, dim={dim})"
    return f"torch.{name}({x}, dim={dim}, dtype={x.dtype})"


@lowers(CumSumOp)
def cum_sum(e: Emit, op: CumSumOp) -> str:
    return _cumulative(e, False)


@lowers(CumProdOp)
def cum_prod(e: Emit, op: CumProdOp) -> str:
    return _cumulative(e, True)


@lowers(EinsumOp)
def einsum(e: Emit, op: EinsumOp) -> str:
    equation = str(e.attr("equation")).replace(" ", "")
    operands = ", ".join(v.expr for v in e.args_from(0))
    return f"torch.einsum({equation!r}, {operands})"


@lowers(CompressOp)
def compress(e: Emit, op: CompressOp) -> str:
    x, condition = e.arg(0), e.arg(1)
    axis = e.attr("axis")
    if axis is None:
        return f"rt.compress_flat({x}, {condition})"
    axis = _axis(x, axis)
    return f"{x}.index_select({axis}, torch.nonzero({condition}).flatten())"


@lowers(UniqueOp)
def unique(e: Emit, op: UniqueOp) -> Multi:
    x = e.arg(0)
    axis = e.attr("axis")
    args = [x.expr]
    if axis is not None:
        args.append(str(_axis(x, axis)))
    if not e.attr("sorted"):
        args.append("sorted=False")
    return Multi(f"rt.unique({', '.join(args)})")


@lowers(ReverseSequenceOp)
def reverse_sequence(e: Emit, op: ReverseSequenceOp) -> str:
    x, lengths = e.arg(0), e.arg(1)
    batch_axis = _axis(x, e.attr("batch_axis"))
    time_axis = _axis(x, e.attr("time_axis"))
    return f"rt.reverse_sequence({x}, {lengths}, batch_axis={batch_axis}, time_axis={time_axis})"


@lowers(DetOp)
def det(e: Emit, op: DetOp) -> str:
    return f"torch.linalg.det({e.arg(0)})"
