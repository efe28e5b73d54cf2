"""Lowerings of the nn operators: convolutions, matrix products, pooling, normalizations,
softmax and dropout.

Window geometry (auto_pad, ceil_mode, asymmetric pads) is resolved at compile time from
static shapes, so the generated code is a plain `F.conv2d(...)` / `F.max_pool2d(...)`
whenever PyTorch's own padding can express the ONNX one, and pads the input first
(`F.pad`) otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ramiel.dialects.onnx_ops import (
    AveragePoolOp,
    BatchNormalizationOp,
    ConvIntegerOp,
    ConvOp,
    ConvTransposeOp,
    DropoutOp,
    GemmOp,
    GlobalAveragePoolOp,
    GlobalLpPoolOp,
    GlobalMaxPoolOp,
    GroupNormalizationOp,
    HardmaxOp,
    InstanceNormalizationOp,
    LayerNormalizationOp,
    LogSoftmaxOp,
    LpNormalizationOp,
    LpPoolOp,
    LRNOp,
    MatMulIntegerOp,
    MatMulOp,
    MaxPoolOp,
    MeanVarianceNormalizationOp,
    QLinearConvOp,
    QLinearMatMulOp,
    RMSNormalizationOp,
    SoftmaxOp,
)
from ramiel.ops.registry import (
    Emit,
    Multi,
    Operand,
    Unsupported,
    lowers,
    normalize_axis,
    py_literal,
    short_float32,
)

# ---- small printing helpers ---------------------------------------------------------------


def _f32(value: float) -> float:
    """A float32 attribute value as the short Python float it was written as (1e-05)."""
    return short_float32(value)


def _dims(values: tuple[int, ...]) -> str:
    """A per-dim argument: one int when every dim agrees (`2`), else a tuple (`(2, 1)`)."""
    if values and all(v == values[0] for v in values):
        return str(values[0])
    return py_literal(values)


def _call(name: str, args: list[str], kwargs: list[tuple[str, str]]) -> str:
    parts = args + [f"{k}={v}" for k, v in kwargs]
    return f"{name}({', '.join(parts)})"


def _torch_pads(begin: tuple[int, ...], end: tuple[int, ...]) -> tuple[int, ...]:
    """Per-dim (begin, end) pads as `F.pad`'s tuple, last dim first."""
    out: list[int] = []
    for b, e in zip(reversed(begin), reversed(end), strict=True):
        out += [b, e]
    return tuple(out)


def _spatial_rank(x: Operand) -> int:
    n = x.need_rank() - 2
    if n < 1:
        raise Unsupported("the input needs a batch, a channel and at least one spatial dim")
    return n


def _ints(e: Emit, name: str, n: int, default: int) -> tuple[int, ...]:
    value = e.attr(name)
    if value is None:
        return (default,) * n
    values = tuple(int(v) for v in value)
    if len(values) != n:
        raise Unsupported(f"attribute '{name}' has {len(values)} values for {n} spatial dims")
    return values


# ---- window geometry ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    """The resolved geometry of a convolution or pooling window over n spatial dims."""

    kernel: tuple[int, ...]
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    begin: tuple[int, ...]
    end: tuple[int, ...]
    sizes: tuple[int | None, ...]
    """The input's spatial sizes (None where dynamic)."""
    same: str | None = None
    """SAME_UPPER/SAME_LOWER when the pads depend on dynamic sizes (`rt.pad_same`)."""

    def need_static(self) -> None:
        """`Unsupported` when the pads are only known at run time."""
        if self.same is not None:
            raise Unsupported(f"auto_pad {self.same} with strides needs static spatial dims")

    def same_pad(self, x: str, value: str | None = None) -> str:
        """`x` padded at run time for SAME auto_pad."""
        args = [x, py_literal(self.kernel), py_literal(self.strides), py_literal(self.dilations)]
        args.append(str(self.same == "SAME_UPPER"))
        if value is not None:
            args.append(value)
        return f"rt.pad_same({', '.join(args)})"

    @property
    def extent(self) -> tuple[int, ...]:
        """The dilated kernel size."""
        return tuple((k - 1) * d + 1 for k, d in zip(self.kernel, self.dilations, strict=True))

    @property
    def symmetric(self) -> bool:
        return self.begin == self.end


def _window(e: Emit, x: Operand, kernel: tuple[int, ...] | None) -> _Window:
    """Strides, dilations and explicit pads of a conv/pool op; auto_pad from static shapes."""
    n = _spatial_rank(x)
    if kernel is None:
        kernel_attr = e.attr("kernel_shape")
        if kernel_attr is None:
            raise Unsupported("the kernel shape is not known at compile time")
        kernel = tuple(int(k) for k in kernel_attr)
    if len(kernel) != n:
        raise Unsupported(f"a {len(kernel)}-D kernel for {n} spatial dims")
    strides = _ints(e, "strides", n, 1)
    dilations = _ints(e, "dilations", n, 1)
    shape = x.shape
    assert shape is not None
    sizes = tuple(shape[2:])
    auto_pad = str(e.attr("auto_pad") or "NOTSET")
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        begin: list[int] = []
        end: list[int] = []
        for size, k, s, d in zip(sizes, kernel, strides, dilations, strict=True):
            if size is None and s != 1:
                # The pads depend on the run-time size: `rt.pad_same` pads the input.
                return _Window(kernel, strides, dilations, (0,) * n, (0,) * n, sizes, auto_pad)
            out = size if size is None else -(-size // s)
            total = (
                (k - 1) * d
                if size is None or out is None
                else max(0, (out - 1) * s + (k - 1) * d + 1 - size)
            )
            small = total // 2
            begin.append(small if auto_pad == "SAME_UPPER" else total - small)
            end.append(total - small if auto_pad == "SAME_UPPER" else small)
        return _Window(kernel, strides, dilations, tuple(begin), tuple(end), sizes)
    if auto_pad == "VALID":
        return _Window(kernel, strides, dilations, (0,) * n, (0,) * n, sizes)
    if auto_pad != "NOTSET":
        raise Unsupported(f"auto_pad {auto_pad} is not supported")
    pads = e.attr("pads")
    if pads is None:
        pads = (0,) * (2 * n)
    pads = tuple(int(p) for p in pads)
    if len(pads) != 2 * n:
        raise Unsupported(f"{len(pads)} pads for {n} spatial dims")
    return _Window(kernel, strides, dilations, pads[:n], pads[n:], sizes)


def _pool_sizes(w: _Window, ceil_mode: bool) -> tuple[int | None, ...]:
    """ONNX pooling output sizes (None where the input size is dynamic)."""
    out: list[int | None] = []
    for size, k, s, b, e in zip(w.sizes, w.extent, w.strides, w.begin, w.end, strict=True):
        if size is None:
            out.append(None)
            continue
        span = size + b + e - k
        if ceil_mode:
            count = -(-span // s) + 1
            if (count - 1) * s >= size + b:
                count -= 1
        else:
            count = span // s + 1
        out.append(count)
    return tuple(out)


def _needs_ceil(w: _Window) -> bool:
    """Whether ceil_mode changes any output size (else it can be left out)."""
    floor = _pool_sizes(w, False)
    ceil = _pool_sizes(w, True)
    return any(f is None or f != c for f, c in zip(floor, ceil, strict=True))


def _pool_ends(w: _Window, ceil_mode: bool) -> tuple[int, ...]:
    """End pads that make floor-mode windows produce exactly the ONNX output sizes."""
    if not ceil_mode:
        return w.end
    ends: list[int] = []
    for size, out, k, s, b in zip(
        w.sizes, _pool_sizes(w, True), w.extent, w.strides, w.begin, strict=True
    ):
        if size is None or out is None:
            raise Unsupported("ceil_mode with asymmetric pads needs static spatial dims")
        ends.append((out - 1) * s + k - size - b)
    return tuple(ends)


# ---- convolutions -------------------------------------------------------------------------


def _conv_kernel(w: Operand, n: int) -> tuple[int, ...] | None:
    shape = w.shape
    if shape is None or len(shape) != n + 2 or any(d is None for d in shape[2:]):
        return None
    return tuple(int(d) for d in shape[2:] if d is not None)


def _conv_fn(n: int, transpose: bool = False) -> str:
    if n > 3:
        raise Unsupported(f"{n}-D convolutions are not supported")
    return f"F.conv_transpose{n}d" if transpose else f"F.conv{n}d"


def _pads_literal(w: _Window) -> str:
    return py_literal(w.begin + w.end)


@lowers(ConvOp)
def conv(e: Emit, op: ConvOp) -> str:
    """`F.conv2d` (1-D/3-D alike); asymmetric pads go through `F.pad` first."""
    x, weight, bias = e.arg(0), e.arg(1), e.opt(2)
    n = _spatial_rank(x)
    w = _window(e, x, _conv_kernel(weight, n))
    group = int(e.attr("group"))
    kwargs: list[tuple[str, str]] = []
    if any(s != 1 for s in w.strides):
        kwargs.append(("stride", _dims(w.strides)))
    if w.same is not None:
        source = w.same_pad(f"{x}")
    elif w.symmetric:
        source = f"{x}"
        if any(w.begin):
            kwargs.append(("padding", _dims(w.begin)))
    else:
        source = f"F.pad({x}, {py_literal(_torch_pads(w.begin, w.end))})"
    if any(d != 1 for d in w.dilations):
        kwargs.append(("dilation", _dims(w.dilations)))
    if group != 1:
        kwargs.append(("groups", str(group)))
    args = [source, f"{weight}"]
    if bias is not None:
        args.append(f"{bias}")
    return _call(_conv_fn(n), args, kwargs)


@lowers(ConvTransposeOp)
def conv_transpose(e: Emit, op: ConvTransposeOp) -> str:
    """`F.conv_transpose2d`; pads torch cannot express crop (or extend) the full result."""
    x, weight, bias = e.arg(0), e.arg(1), e.opt(2)
    n = _spatial_rank(x)
    kernel = _conv_kernel(weight, n)
    if kernel is None:
        attr = e.attr("kernel_shape")
        if attr is None:
            raise Unsupported("the kernel shape is not known at compile time")
        kernel = tuple(int(k) for k in attr)
    strides = _ints(e, "strides", n, 1)
    dilations = _ints(e, "dilations", n, 1)
    output_padding = _ints(e, "output_padding", n, 0)
    group = int(e.attr("group"))
    auto_pad = str(e.attr("auto_pad") or "NOTSET")
    output_shape = e.attr("output_shape")
    shape = x.shape
    assert shape is not None
    sizes = shape[2:]
    extents = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilations, strict=True))
    begin: list[int]
    end: list[int]
    if output_shape is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        if output_shape is not None:
            targets = tuple(int(v) for v in output_shape)[-n:]
        else:
            if any(s is None for s in sizes):
                raise Unsupported(f"auto_pad {auto_pad} needs static spatial dims")
            targets = tuple(int(s or 0) * st for s, st in zip(sizes, strides, strict=True))
        begin, end = [], []
        for i in range(n):
            size = sizes[i]
            if size is None:
                raise Unsupported("output_shape needs static spatial dims")
            total = strides[i] * (size - 1) + output_padding[i] + extents[i] - targets[i]
            if auto_pad == "SAME_UPPER":
                begin.append(total // 2)
                end.append(total - total // 2)
            else:
                begin.append(total - total // 2)
                end.append(total // 2)
    elif auto_pad == "VALID":
        begin, end = [0] * n, [0] * n
    else:
        pads = e.attr("pads")
        pads = (0,) * (2 * n) if pads is None else tuple(int(p) for p in pads)
        begin, end = list(pads[:n]), list(pads[n:])
    # ONNX: crop `begin` in front and `end - output_padding` at the back of the full result.
    crop_end = [e_ - op_ for e_, op_ in zip(end, output_padding, strict=True)]
    torch_out_pad = [b - c for b, c in zip(begin, crop_end, strict=True)]
    fits = all(b >= 0 for b in begin) and all(
        0 <= p < max(s, d) for p, s, d in zip(torch_out_pad, strides, dilations, strict=True)
    )
    kwargs: list[tuple[str, str]] = []
    if any(s != 1 for s in strides):
        kwargs.append(("stride", _dims(strides)))
    if fits and any(begin):
        kwargs.append(("padding", _dims(tuple(begin))))
    if fits and any(torch_out_pad):
        kwargs.append(("output_padding", _dims(tuple(torch_out_pad))))
    if group != 1:
        kwargs.append(("groups", str(group)))
    if any(d != 1 for d in dilations):
        kwargs.append(("dilation", _dims(dilations)))
    fn = _conv_fn(n, transpose=True)
    if fits:
        args = [f"{x}", f"{weight}"] + ([f"{bias}"] if bias is not None else [])
        return _call(fn, args, kwargs)
    full = _call(fn, [f"{x}", f"{weight}"], kwargs)
    crop = _torch_pads(tuple(-b for b in begin), tuple(-c for c in crop_end))
    out = f"F.pad({full}, {py_literal(crop)})"
    if bias is not None:
        out += f" + {bias}.reshape(-1{', 1' * n})"
    return out


def _zero_point(zp: Operand | None) -> str:
    if zp is None:
        return "None"
    const = zp.const
    if const is not None and const.size > 0 and not np.any(const):
        return "None"
    return f"{zp}"


def _window_args(w: _Window) -> str:
    return f"{py_literal(w.strides)}, {_pads_literal(w)}, {py_literal(w.dilations)}"


@lowers(ConvIntegerOp)
def conv_integer(e: Emit, op: ConvIntegerOp) -> str:
    """`rt.conv_integer`: exact int32 convolution of zero-point-shifted integers."""
    x, weight = e.arg(0), e.arg(1)
    n = _spatial_rank(x)
    w = _window(e, x, _conv_kernel(weight, n))
    w.need_static()
    group = int(e.attr("group"))
    return (
        f"rt.conv_integer({x}, {weight}, {_zero_point(e.opt(2))}, {_zero_point(e.opt(3))}, "
        f"{_window_args(w)}, {group})"
    )


@lowers(QLinearConvOp)
def qlinear_conv(e: Emit, op: QLinearConvOp) -> str:
    """`rt.qlinear_conv`: quantized convolution, requantized."""
    x, weight = e.arg(0), e.arg(3)
    n = _spatial_rank(x)
    w = _window(e, x, _conv_kernel(weight, n))
    w.need_static()
    group = int(e.attr("group"))
    bias = e.opt(8)
    return (
        f"rt.qlinear_conv({x}, {e.arg(1)}, {_zero_point(e.opt(2))}, {weight}, {e.arg(4)}, "
        f"{_zero_point(e.opt(5))}, {e.arg(6)}, {e.opt(7) or 'None'}, "
        f"{bias if bias is not None else 'None'}, {_window_args(w)}, {group})"
    )


# ---- matrix products ----------------------------------------------------------------------


@lowers(MatMulOp)
def matmul(e: Emit, op: MatMulOp) -> str:
    """`a @ b` (numpy matmul semantics: batched broadcast, 1-D operands)."""
    a, b = e.arg(0), e.arg(1)
    if a.is_unsigned and a.dtype != "torch.uint8":
        dtype = a.dtype
        return f"({a}.to(torch.int64) @ {b}.to(torch.int64)).to({dtype})"
    return f"{a} @ {b}"


@lowers(MatMulIntegerOp)
def matmul_integer(e: Emit, op: MatMulIntegerOp) -> str:
    """`rt.matmul_integer`: exact int32 product of zero-point-shifted integers."""
    a, b = e.arg(0), e.arg(1)
    return f"rt.matmul_integer({a}, {b}, {_zero_point(e.opt(2))}, {_zero_point(e.opt(3))})"


@lowers(QLinearMatMulOp)
def qlinear_matmul(e: Emit, op: QLinearMatMulOp) -> str:
    """`rt.qlinear_matmul`: quantized product, requantized."""
    args = [e.opt(i) for i in range(8)]
    text = ", ".join("None" if v is None else f"{v}" for v in args)
    return f"rt.qlinear_matmul({text})"


@lowers(GemmOp)
def gemm(e: Emit, op: GemmOp) -> str:
    """`F.linear` for the transB=1 layer form, else `torch.addmm` / `a @ b`."""
    a, b, c = e.arg(0), e.arg(1), e.opt(2)
    alpha = _f32(float(e.attr("alpha")))
    beta = _f32(float(e.attr("beta")))
    trans_a = bool(e.attr("transA"))
    trans_b = bool(e.attr("transB"))
    left = f"{a}.T" if trans_a else f"{a}"
    is_float = a.is_float
    if c is not None and beta == 0.0:
        c = None
    if trans_b and alpha == 1.0 and beta == 1.0 and is_float and (c is None or c.rank == 1):
        args = [left, f"{b}"] + ([f"{c}"] if c is not None else [])
        return _call("F.linear", args, [])
    right = f"{b}.T" if trans_b else f"{b}"
    if c is None:
        product = f"{left} @ {right}"
        return product if alpha == 1.0 else f"{py_literal(alpha)} * ({product})"
    if is_float:
        kwargs: list[tuple[str, str]] = []
        if beta != 1.0:
            kwargs.append(("beta", py_literal(beta)))
        if alpha != 1.0:
            kwargs.append(("alpha", py_literal(alpha)))
        return _call("torch.addmm", [f"{c}", left, right], kwargs)
    product = f"{left} @ {right}"
    if alpha != 1.0:
        product = f"{py_literal(alpha)} * ({product})"
    bias = f"{c}" if beta == 1.0 else f"{py_literal(beta)} * {c}"
    return f"({product} + {bias}).to({a.dtype})"


# ---- pooling ------------------------------------------------------------------------------


def _pool_fn(kind: str, n: int) -> str:
    if n > 3:
        raise Unsupported(f"{n}-D pooling is not supported")
    return f"F.{kind}_pool{n}d"


def _lowest(x: Operand) -> str:
    if x.is_float:
        return '-float("inf")'
    return f"torch.iinfo({x.dtype}).min"


@lowers(MaxPoolOp)
def max_pool(e: Emit, op: MaxPoolOp) -> str | Multi:
    """`F.max_pool2d`; pads torch cannot take go through `F.pad(..., value=-inf)`."""
    x = e.arg(0)
    n = _spatial_rank(x)
    w = _window(e, x, None)
    ceil_mode = bool(e.attr("ceil_mode")) and _needs_ceil(w)
    if e.has_output(1):
        w.need_static()
        ends = _pool_ends(w, ceil_mode)
        storage_order = int(e.attr("storage_order"))
        return Multi(
            f"rt.max_pool_indices({x}, {py_literal(w.kernel)}, {py_literal(w.strides)}, "
            f"{py_literal(w.dilations)}, {py_literal(w.begin + ends)}, {storage_order})"
        )
    kwargs: list[tuple[str, str]] = []
    if w.strides != w.kernel:
        kwargs.append(("stride", _dims(w.strides)))
    direct = w.symmetric and all(2 * p <= k for p, k in zip(w.begin, w.extent, strict=True))
    if w.same is not None:
        direct = False
        source = w.same_pad(f"{x}", _lowest(x))
    elif direct:
        source = f"{x}"
        if any(w.begin):
            kwargs.append(("padding", _dims(w.begin)))
    else:
        ends = _pool_ends(w, ceil_mode)
        pads = py_literal(_torch_pads(w.begin, ends))
        source = f"F.pad({x}, {pads}, value={_lowest(x)})"
    if any(d != 1 for d in w.dilations):
        kwargs.append(("dilation", _dims(w.dilations)))
    if direct and ceil_mode:
        kwargs.append(("ceil_mode", "True"))
    return _call(_pool_fn("max", n), [source, _dims(w.kernel)], kwargs)


@lowers(AveragePoolOp)
def average_pool(e: Emit, op: AveragePoolOp) -> str:
    """`F.avg_pool2d`; dilations or pads torch cannot take go to `rt.avg_pool_nd`."""
    x = e.arg(0)
    n = _spatial_rank(x)
    w = _window(e, x, None)
    w.need_static()
    ceil_mode = bool(e.attr("ceil_mode")) and _needs_ceil(w)
    count_include_pad = bool(e.attr("count_include_pad"))
    direct = (
        n <= 3
        and w.symmetric
        and all(d == 1 for d in w.dilations)
        and all(2 * p <= k for p, k in zip(w.begin, w.kernel, strict=True))
    )
    if not direct:
        ends = _pool_ends(w, ceil_mode)
        extra = tuple(a - b for a, b in zip(ends, w.end, strict=True))
        if (
            n <= 3
            and all(d == 1 for d in w.dilations)
            and (count_include_pad or not (any(w.begin) or any(w.end)))
            and all(v <= 0 for v in extra)
        ):
            # Zero pads that count: pad first, then average whole windows.
            pads = py_literal(_torch_pads(w.begin, ends))
            kwargs = [("stride", _dims(w.strides))] if w.strides != w.kernel else []
            return _call(_pool_fn("avg", n), [f"F.pad({x}, {pads})", _dims(w.kernel)], kwargs)
        options: list[tuple[str, str]] = []
        if any(s != 1 for s in w.strides):
            options.append(("strides", py_literal(w.strides)))
        if any(d != 1 for d in w.dilations):
            options.append(("dilations", py_literal(w.dilations)))
        if any(w.begin) or any(w.end):
            options.append(("pads", _pads_literal(w)))
        if any(extra):
            options.append(("extra", py_literal(extra)))
        if count_include_pad:
            options.append(("count_include_pad", "True"))
        return _call("rt.avg_pool_nd", [f"{x}", py_literal(w.kernel)], options)
    kwargs: list[tuple[str, str]] = []
    if w.strides != w.kernel:
        kwargs.append(("stride", _dims(w.strides)))
    if any(w.begin):
        kwargs.append(("padding", _dims(w.begin)))
    if ceil_mode:
        kwargs.append(("ceil_mode", "True"))
    if any(w.begin) and not count_include_pad:
        kwargs.append(("count_include_pad", "False"))
    return _call(_pool_fn("avg", n), [f"{x}", _dims(w.kernel)], kwargs)


@lowers(LpPoolOp)
def lp_pool(e: Emit, op: LpPoolOp) -> str:
    """`F.lp_pool2d` when torch can express it, else `rt.lp_pool_nd`."""
    x = e.arg(0)
    n = _spatial_rank(x)
    w = _window(e, x, None)
    w.need_static()
    p = int(e.attr("p"))
    ceil_mode = bool(e.attr("ceil_mode")) and _needs_ceil(w)
    plain = not any(w.begin) and not any(w.end) and all(d == 1 for d in w.dilations)
    if plain and n <= 3 and not ceil_mode and p > 0:
        source = f"{x}" if p % 2 == 0 else f"{x}.abs()"
        kwargs: list[tuple[str, str]] = []
        if w.strides != w.kernel:
            kwargs.append(("stride", _dims(w.strides)))
        return _call(_pool_fn("lp", n), [source, str(p), _dims(w.kernel)], kwargs)
    ends = _pool_ends(w, ceil_mode)
    return (
        f"rt.lp_pool_nd({x}, {p}, {py_literal(w.kernel)}, {py_literal(w.strides)}, "
        f"{py_literal(w.dilations)}, {py_literal(w.begin + ends)})"
    )


def _spatial_dims(x: Operand) -> str:
    return py_literal(tuple(range(2, x.need_rank())))


@lowers(GlobalAveragePoolOp)
def global_average_pool(e: Emit, op: GlobalAveragePoolOp) -> str:
    x = e.arg(0)
    return f"{x}.mean({_spatial_dims(x)}, keepdim=True)"


@lowers(GlobalMaxPoolOp)
def global_max_pool(e: Emit, op: GlobalMaxPoolOp) -> str:
    x = e.arg(0)
    return f"{x}.amax({_spatial_dims(x)}, keepdim=True)"


@lowers(GlobalLpPoolOp)
def global_lp_pool(e: Emit, op: GlobalLpPoolOp) -> str:
    x = e.arg(0)
    p = int(e.attr("p"))
    return f"torch.linalg.vector_norm({x}, ord={p}, dim={_spatial_dims(x)}, keepdim=True)"


# ---- normalizations -----------------------------------------------------------------------


def _eps_kwarg(e: Emit, default: float = 1e-5, name: str = "eps") -> list[tuple[str, str]]:
    eps = _f32(float(e.attr("epsilon")))
    return [] if eps == default else [(name, py_literal(eps))]


@lowers(BatchNormalizationOp)
def batch_norm(e: Emit, op: BatchNormalizationOp) -> str | Multi:
    """`F.batch_norm` with the running statistics (inference); training_mode=1 uses the
    batch statistics and also outputs the updated running mean and variance."""
    x, scale, bias, mean, var = (e.arg(i) for i in range(5))
    if int(e.attr("training_mode")):
        eps = _f32(float(e.attr("epsilon")))
        momentum = _f32(float(e.attr("momentum")))
        return Multi(
            f"rt.batch_norm_training({x}, {scale}, {bias}, {mean}, {var}, "
            f"{py_literal(eps)}, {py_literal(momentum)})"
        )
    return _call(
        "F.batch_norm", [f"{x}", f"{mean}", f"{var}", f"{scale}", f"{bias}"], _eps_kwarg(e)
    )


@lowers(InstanceNormalizationOp)
def instance_norm(e: Emit, op: InstanceNormalizationOp) -> str:
    x, scale, bias = e.arg(0), e.arg(1), e.arg(2)
    kwargs = [("weight", f"{scale}"), ("bias", f"{bias}"), *_eps_kwarg(e)]
    return _call("F.instance_norm", [f"{x}"], kwargs)


def _normalized_shape(x: Operand, axis: int) -> str:
    shape = x.shape
    assert shape is not None
    tail = shape[axis:]
    if all(d is not None for d in tail):
        return py_literal(tuple(tail))
    return f"{x}.shape[{axis}:]"


def _fits(param: Operand | None, x: Operand, axis: int) -> bool:
    """Whether a scale/bias has exactly the normalized shape `x.shape[axis:]` (a dynamic
    dim of x matches any static size but 1, which would be a broadcast)."""
    if param is None:
        return True
    shape, tail = param.shape, (x.shape or ())[axis:]
    if shape is None or len(shape) != len(tail):
        return False
    return all(
        a == b or (b is None and a not in (None, 1)) for a, b in zip(shape, tail, strict=True)
    )


def _norm_shape(x: Operand, axis: int, scale: Operand) -> str:
    """The normalized shape literal, from x or else from a scale that fits it exactly."""
    shape = x.shape
    assert shape is not None
    static = scale.static_shape
    if any(d is None for d in shape[axis:]) and _fits(scale, x, axis) and static is not None:
        return py_literal(static)
    return _normalized_shape(x, axis)


@lowers(LayerNormalizationOp)
def layer_norm(e: Emit, op: LayerNormalizationOp) -> str | Multi:
    """`F.layer_norm`; with Mean/InvStdDev outputs, `torch.native_layer_norm`."""
    x, scale, bias = e.arg(0), e.arg(1), e.opt(2)
    rank = x.need_rank()
    axis = normalize_axis(int(e.attr("axis")), rank)
    shape = x.shape
    assert shape is not None
    exact = _fits(scale, x, axis) and _fits(bias, x, axis)
    normalized = _norm_shape(x, axis, scale)
    eps = _f32(float(e.attr("epsilon")))
    if e.has_output(1) or e.has_output(2):
        if not exact:
            raise Unsupported("Mean/InvStdDev outputs need Scale and B of the normalized shape")
        b = f"{bias}" if bias is not None else "None"
        return Multi(f"torch.native_layer_norm({x}, {normalized}, {scale}, {b}, {py_literal(eps)})")
    if exact:
        args = [f"{x}", normalized, f"{scale}"] + ([f"{bias}"] if bias is not None else [])
        return _call("F.layer_norm", args, _eps_kwarg(e))
    out = f"{_call('F.layer_norm', [f'{x}', normalized], _eps_kwarg(e))} * {scale}"
    return out if bias is None else f"{out} + {bias}"


@lowers(GroupNormalizationOp)
def group_norm(e: Emit, op: GroupNormalizationOp) -> str:
    x, scale, bias = e.arg(0), e.arg(1), e.arg(2)
    groups = e.attr("num_groups")
    if groups is None:
        raise Unsupported("num_groups is missing")
    args = [f"{x}", str(int(groups)), f"{scale}", f"{bias}"]
    return _call("F.group_norm", args, _eps_kwarg(e))


@lowers(RMSNormalizationOp)
def rms_norm(e: Emit, op: RMSNormalizationOp) -> str:
    """`F.rms_norm` over the dims from `axis` on."""
    x, scale = e.arg(0), e.arg(1)
    rank = x.need_rank()
    axis = normalize_axis(int(e.attr("axis")), rank)
    shape = x.shape
    assert shape is not None
    normalized = _norm_shape(x, axis, scale)
    eps = py_literal(_f32(float(e.attr("epsilon"))))
    if _fits(scale, x, axis):
        return f"F.rms_norm({x}, {normalized}, {scale}, eps={eps})"
    return f"F.rms_norm({x}, {normalized}, eps={eps}) * {scale}"


@lowers(MeanVarianceNormalizationOp)
def mean_variance_norm(e: Emit, op: MeanVarianceNormalizationOp) -> str:
    """`(x - mean) / (std + 1e-9)` over `axes` (population variance)."""
    x = e.arg(0)
    rank = x.need_rank()
    axes = tuple(sorted(normalize_axis(int(a), rank) for a in e.attr("axes")))
    dims = py_literal(axes)
    return (
        f"({x} - {x}.mean({dims}, keepdim=True)) / "
        f"({x}.std({dims}, correction=0, keepdim=True) + 1e-09)"
    )


@lowers(LpNormalizationOp)
def lp_norm(e: Emit, op: LpNormalizationOp) -> str:
    """`F.normalize` (a zero vector stays zero)."""
    x = e.arg(0)
    rank = x.need_rank()
    axis = int(e.attr("axis"))
    normalize_axis(axis, rank)
    p = int(e.attr("p"))
    if p not in (1, 2):
        raise Unsupported(f"p={p} (ONNX allows 1 or 2)")
    kwargs: list[tuple[str, str]] = []
    if p != 2:
        kwargs.append(("p", f"{p}.0"))
    if axis != 1:
        kwargs.append(("dim", str(axis)))
    return _call("F.normalize", [f"{x}"], kwargs)


@lowers(LRNOp)
def lrn(e: Emit, op: LRNOp) -> str:
    """`rt.lrn`: ONNX's channel window (centered as ONNX centers even sizes)."""
    x = e.arg(0)
    size = e.attr("size")
    if size is None:
        raise Unsupported("size is missing")
    alpha = _f32(float(e.attr("alpha")))
    beta = _f32(float(e.attr("beta")))
    bias = _f32(float(e.attr("bias")))
    args = [f"{x}", str(int(size)), py_literal(alpha), py_literal(beta), py_literal(bias)]
    return _call("rt.lrn", args, [])


# ---- softmax family -----------------------------------------------------------------------


def _axis(e: Emit, x: Operand) -> int:
    axis = int(e.attr("axis"))
    rank = x.rank
    if rank is not None:
        normalize_axis(axis, rank)
    return axis


@lowers(SoftmaxOp)
def softmax(e: Emit, op: SoftmaxOp) -> str:
    x = e.arg(0)
    return f"torch.softmax({x}, dim={_axis(e, x)})"


@lowers(LogSoftmaxOp)
def log_softmax(e: Emit, op: LogSoftmaxOp) -> str:
    x = e.arg(0)
    return f"torch.log_softmax({x}, dim={_axis(e, x)})"


@lowers(HardmaxOp)
def hardmax(e: Emit, op: HardmaxOp) -> str:
    """1 at the first maximum along `axis`, 0 elsewhere."""
    x = e.arg(0)
    axis = _axis(e, x)
    return f"torch.zeros_like({x}).scatter({axis}, {x}.argmax({axis}, keepdim=True), 1)"


# ---- dropout ------------------------------------------------------------------------------


@lowers(DropoutOp)
def dropout(e: Emit, op: DropoutOp) -> str | Multi:
    """Identity in inference (and with ratio 0); the mask is all True."""
    x, ratio, training = e.arg(0), e.opt(1), e.opt(2)
    identity = training is None
    if training is not None and training.const is not None:
        identity = not bool(training.const.reshape(-1)[0]) if training.const.size else True
        if not identity and ratio is not None and ratio.const is not None:
            identity = float(ratio.const.reshape(-1)[0]) == 0.0
    if identity:
        if e.has_output(1):
            return Multi(f"({x}, torch.ones_like({x}, dtype=torch.bool))")
        return f"{x}"
    r = f"{ratio}" if ratio is not None else "None"
    t = f"{training}" if training is not None else "None"
    seed = e.attr("seed")
    call = (
        f"rt.dropout_nd({x}, {r}, {t})" if seed is None else f"rt.dropout_nd({x}, {r}, {t}, {seed})"
    )
    return Multi(call)
