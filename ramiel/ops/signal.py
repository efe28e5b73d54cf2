"""Lowerings of the signal operators: DFT and STFT over `torch.fft`, the windows, and
MelWeightMatrix.

ONNX holds complex signals as real tensors whose last dim is 2 (real, imaginary), or
1 for a real signal; the lowerings convert to torch's complex tensors around the FFT
(`torch.complex(x[..., 0], x[..., 1])`, `torch.view_as_real`).
"""

from __future__ import annotations

from ramiel.dialects.onnx_ops import (
    BlackmanWindowOp,
    DFTOp,
    HammingWindowOp,
    HannWindowOp,
    MelWeightMatrixOp,
    STFTOp,
)
from ramiel.ops.registry import (
    Emit,
    Operand,
    Unsupported,
    lowers,
    normalize_axis,
    py_literal,
)


def _int_expr(value: Operand) -> str:
    """A scalar integer operand as a Python int: a literal when constant, else `int(v)`."""
    ints = value.const_ints()
    if ints is not None:
        if len(ints) != 1:
            raise Unsupported("a scalar operand has more than one value")
        return str(ints[0])
    return f"int({value})"


def _components(x: Operand) -> int:
    """The size of the last dim of an ONNX complex-or-real signal (1 or 2)."""
    shape = x.shape
    if shape is None or not shape or shape[-1] not in (1, 2):
        raise Unsupported("the signal's last dim must be statically 1 or 2")
    return shape[-1]


def _signal(x: Operand) -> tuple[str, bool, str]:
    """The torch signal of ONNX signal `x` (a real tensor, or a complex one when the last
    dim is 2), whether it is complex, and the suffix casting results back to x's dtype
    (float16 and bfloat16 signals are transformed in float32)."""
    components = _components(x)
    if not x.is_float:
        raise Unsupported(f"FFT of {x.dtype}")
    if x.dtype in ("torch.float32", "torch.float64"):
        base, contiguous, cast = f"{x}", f"{x}.contiguous()", ""
    else:
        base = contiguous = f"{x}.float()"
        cast = f".to({x.dtype})"
    if components == 1:
        return f"{base}.squeeze(-1)", False, cast
    return f"torch.view_as_complex({contiguous})", True, cast


@lowers(DFTOp)
def dft(e: Emit, op: DFTOp) -> str:
    """`torch.fft.fft`/`rfft`/`ifft`/`irfft` along the axis, as ONNX real tensors."""
    x = e.arg(0)
    rank = x.need_rank()
    length_operand, axis_operand = e.opt(1), e.opt(2)
    inverse = bool(e.attr("inverse"))
    onesided = bool(e.attr("onesided"))
    if axis_operand is None:
        axis = str(normalize_axis(-2, rank))
    else:
        axes = axis_operand.const_ints()
        if axes is None:
            axis = f"int({axis_operand}) % {rank}"
        else:
            if len(axes) != 1:
                raise Unsupported("axis must be a scalar")
            axis = str(normalize_axis(axes[0], rank))
            if int(axis) == rank - 1:
                raise Unsupported("the DFT axis cannot be the last dim")
    signal, is_complex, cast = _signal(x)
    args = [signal]
    if length_operand is not None:
        length = _int_expr(length_operand)
        args.append(f"n={length}")
    else:
        length = None
    args.append(f"dim={axis}")
    call = ", ".join(args)
    if inverse:
        if onesided:
            return f"torch.fft.irfft({call}).unsqueeze(-1){cast}"
        spectrum = f"torch.fft.ifft({call})"
        if not is_complex:
            spectrum += ".resolve_conj()"  # torch's ifft of a real signal is a lazy conj
        return f"torch.view_as_real({spectrum}){cast}"
    if not onesided:
        return f"torch.view_as_real(torch.fft.fft({call})){cast}"
    if not is_complex:
        return f"torch.view_as_real(torch.fft.rfft({call})){cast}"
    # onesided DFT of a complex signal: the first n // 2 + 1 bins of the full DFT.
    if length is None:
        shape = x.shape or ()
        size = shape[int(axis)] if axis.isdigit() else None
        length = str(size) if size is not None else f"{x}.shape[{axis}]"
    half = str(int(length) // 2 + 1) if length.isdigit() else f"{length} // 2 + 1"
    return f"torch.view_as_real(torch.fft.fft({call}).narrow({axis}, 0, {half})){cast}"


@lowers(STFTOp)
def stft(e: Emit, op: STFTOp) -> str:
    """Frames by `unfold`, weighted by the window, then an FFT of each frame."""
    x, step_operand = e.arg(0), e.arg(1)
    window, length_operand = e.opt(2), e.opt(3)
    if x.need_rank() != 3:
        raise Unsupported("the signal must be [batch, length, 1 or 2]")
    onesided = bool(e.attr("onesided"))
    step = _int_expr(step_operand)
    if length_operand is not None:
        length = _int_expr(length_operand)
    elif window is not None:
        size = window.shape[0] if window.shape else None
        length = str(size) if size is not None else f"{window}.shape[0]"
    else:
        size = x.shape[1] if x.shape else None
        length = str(size) if size is not None else f"{x}.shape[1]"
    signal, is_complex, cast = _signal(x)
    frames = f"{signal}.unfold(1, {length}, {step})"
    if window is not None:
        weights = f"{window}" if cast == "" else f"{window}.float()"
        frames = f"{frames} * {weights}"
    if onesided and not is_complex:
        return f"torch.view_as_real(torch.fft.rfft({frames}, dim=-1)){cast}"
    spectrum = f"torch.fft.fft({frames}, dim=-1)"
    if onesided:
        half = str(int(length) // 2 + 1) if length.isdigit() else f"{length} // 2 + 1"
        spectrum = f"{spectrum}[..., :{half}]"
    return f"torch.view_as_real({spectrum}){cast}"


def _window(e: Emit, function: str, extra: str = "") -> str:
    """`torch.<function>(size, periodic=..., dtype=...)` in the output's dtype."""
    size = _int_expr(e.arg(0))
    dtype = e.out().dtype
    periodic = "" if e.attr("periodic") and not extra else f", periodic={bool(e.attr('periodic'))}"
    if e.out().is_float:
        return f"torch.{function}({size}{periodic}{extra}, dtype={dtype})"
    return f"torch.{function}({size}{periodic}{extra}, dtype=torch.float64).to({dtype})"


@lowers(HannWindowOp)
def hann_window(e: Emit, op: HannWindowOp) -> str:
    """`torch.hann_window`: sin(pi n / N)^2."""
    return _window(e, "hann_window")


@lowers(HammingWindowOp)
def hamming_window(e: Emit, op: HammingWindowOp) -> str:
    """`torch.hamming_window` with ONNX's alpha 25/46, beta 21/46."""
    return _window(e, "hamming_window", f", alpha={25 / 46!r}, beta={21 / 46!r}")


@lowers(BlackmanWindowOp)
def blackman_window(e: Emit, op: BlackmanWindowOp) -> str:
    """`torch.blackman_window`: 0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)."""
    return _window(e, "blackman_window")


@lowers(MelWeightMatrixOp)
def mel_weight_matrix(e: Emit, op: MelWeightMatrixOp) -> str:
    """`rt.mel_weight_matrix`, with the constant scalars as literals."""
    args: list[str] = []
    for index in range(5):
        value = e.arg(index)
        if value.const is not None and value.const.size == 1:
            number = value.const.reshape(-1)[0].item()
            args.append(py_literal(float(number) if index >= 3 else int(number)))
        else:
            args.append(f"{value}")
    dtype = e.out().dtype
    if dtype != "torch.float32":
        args.append(f"dtype={dtype}")
    return f"rt.mel_weight_matrix({', '.join(args)})"
