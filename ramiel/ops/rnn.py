"""Lowerings of the rnn operators: RNN, GRU and LSTM, as calls of `rt.rnn`, `rt.gru`
and `rt.lstm` (a loop over the time steps), which return every output."""

from __future__ import annotations

from ramiel.dialects.onnx_ops import GRUOp, LSTMOp, RNNOp
from ramiel.ops.registry import Emit, Multi, Operand, Unsupported, lowers, py_literal, short_float32

_DIRECTIONS = ("forward", "reverse", "bidirectional")


def _float32(value: float) -> float:
    """A float attribute (stored as float32) with its shortest float32 spelling: 0.2."""
    return short_float32(value)


def _call(e: Emit, helper: str, inputs: int, outputs: int, flags: tuple[str, ...]) -> Multi:
    """`rt.<helper>(X, W, R, <optional inputs>, <non-default attributes>)`, sliced to the
    outputs the node has (the printer drops trailing absent ones)."""
    operands: list[Operand | None] = [e.opt(i) for i in range(inputs)]
    for index in range(3):
        if operands[index] is None:
            raise Unsupported(f"input {index} is missing")
    while operands[-1] is None:
        operands.pop()
    args = ["None" if v is None else v.expr for v in operands]
    direction = e.attr("direction")
    if direction not in _DIRECTIONS:
        raise Unsupported(f"direction {direction!r}")
    if direction != "forward":
        args.append(f"direction={py_literal(direction)}")
    activations = e.attr("activations")
    if activations is not None:
        args.append(f"activations={py_literal(tuple(activations))}")
    for name in ("activation_alpha", "activation_beta"):
        values = e.attr(name)
        if values is not None:
            args.append(f"{name}={py_literal(tuple(_float32(v) for v in values))}")
    clip = e.attr("clip")
    if clip is not None:
        args.append(f"clip={py_literal(_float32(clip))}")
    for name in ("layout", *flags):
        value = e.attr(name)
        if value:
            args.append(f"{name}={py_literal(value)}")
    call = f"rt.{helper}({', '.join(args)})"
    if len(e.outputs) < outputs:
        call += f"[:{len(e.outputs)}]"
    return Multi(call)


@lowers(RNNOp)
def rnn(e: Emit, op: RNNOp) -> Multi:
    """`(Y, Y_h) = rt.rnn(...)`."""
    return _call(e, "rnn", 6, 2, ())


@lowers(GRUOp)
def gru(e: Emit, op: GRUOp) -> Multi:
    """`(Y, Y_h) = rt.gru(...)`."""
    return _call(e, "gru", 6, 2, ("linear_before_reset",))


@lowers(LSTMOp)
def lstm(e: Emit, op: LSTMOp) -> Multi:
    """`(Y, Y_h, Y_c) = rt.lstm(...)`."""
    return _call(e, "lstm", 8, 3, ("input_forget",))
