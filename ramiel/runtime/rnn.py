"""Run-time helpers of the rnn operators (for code that `ramiel.ops.rnn` generates).

`rnn`, `gru` and `lstm` compute ONNX's one-layer recurrent networks with a Python loop
over the time steps: the input projections of every step are one matrix product up
front, each step then does the recurrent product and the gates. They return every
output (`Y`, `Y_h` and, for LSTM, `Y_c`) in ONNX's layout.

ONNX details handled here: gate orders (LSTM `i o f c`, GRU `z r h`), the activation
functions with their `activation_alpha`/`activation_beta` (consumed in order by the
functions that take them), `clip` (applied to every gate's input), `sequence_lens`
(steps past a batch entry's length leave its state unchanged and write zeros to `Y`),
`layout` 1 (batch first), peepholes, `input_forget` and GRU's `linear_before_reset`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

__all__ = ["gru", "lstm", "rnn"]

_Activation = Callable[[torch.Tensor], torch.Tensor]

# name -> (takes alpha, takes beta, default alpha, default beta)
_ACTIVATION_PARAMS: dict[str, tuple[bool, bool, float, float]] = {
    "relu": (False, False, 0.0, 0.0),
    "tanh": (False, False, 0.0, 0.0),
    "sigmoid": (False, False, 0.0, 0.0),
    "softsign": (False, False, 0.0, 0.0),
    "softplus": (False, False, 0.0, 0.0),
    "affine": (True, True, 1.0, 0.0),
    "leakyrelu": (True, False, 0.01, 0.0),
    "thresholdedrelu": (True, False, 1.0, 0.0),
    "scaledtanh": (True, True, 1.0, 1.0),
    "hardsigmoid": (True, True, 0.2, 0.5),
    "elu": (True, False, 1.0, 0.0),
}


def _activation(name: str, alpha: float, beta: float) -> _Activation:
    """The function for ONNX activation `name` (case-insensitive) with its parameters."""
    key = name.lower()
    if key == "relu":
        return torch.relu
    if key == "tanh":
        return torch.tanh
    if key == "sigmoid":
        return torch.sigmoid
    if key == "softsign":
        return torch.nn.functional.softsign
    if key == "softplus":
        return torch.nn.functional.softplus
    if key == "affine":
        return lambda x: x * alpha + beta
    if key == "leakyrelu":
        return lambda x: torch.nn.functional.leaky_relu(x, alpha)
    if key == "thresholdedrelu":
        return lambda x: torch.where(x > alpha, x, torch.zeros_like(x))
    if key == "scaledtanh":
        return lambda x: alpha * torch.tanh(beta * x)
    if key == "hardsigmoid":
        return lambda x: torch.clamp(x * alpha + beta, 0.0, 1.0)
    if key == "elu":
        return lambda x: torch.nn.functional.elu(x, alpha)
    raise ValueError(f"unknown RNN activation function {name!r}")


def _activations(
    names: Sequence[str],
    alphas: Sequence[float] | None,
    betas: Sequence[float] | None,
) -> list[_Activation]:
    """The activation functions, alphas and betas consumed in order by those taking them."""
    alpha_list = list(alphas or ())
    beta_list = list(betas or ())
    functions: list[_Activation] = []
    for name in names:
        params = _ACTIVATION_PARAMS.get(name.lower())
        if params is None:
            raise ValueError(f"unknown RNN activation function {name!r}")
        takes_alpha, takes_beta, alpha, beta = params
        if takes_alpha and alpha_list:
            alpha = alpha_list.pop(0)
        if takes_beta and beta_list:
            beta = beta_list.pop(0)
        functions.append(_activation(name, alpha, beta))
    return functions


_Cell = Callable[[torch.Tensor, list[torch.Tensor]], list[torch.Tensor]]
"""One time step: (the step's input projection, the states) -> the new states."""


def _run(
    x: torch.Tensor,
    sequence_lens: torch.Tensor | None,
    states: list[torch.Tensor],
    cell: _Cell,
    reverse: bool,
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run `cell` over the steps of `x` (`[seq, batch, ...]`): `Y` `[seq, batch, hidden]`
    and the final states."""
    steps = x.shape[0]
    outputs: list[torch.Tensor] = [states[0]] * steps
    for t in reversed(range(steps)) if reverse else range(steps):
        new = cell(x[t], states)
        if sequence_lens is not None:
            mask = (sequence_lens > t).reshape(-1, 1)
            new = [torch.where(mask, n, s) for n, s in zip(new, states, strict=True)]
            outputs[t] = torch.where(mask, new[0], torch.zeros_like(new[0]))
        else:
            outputs[t] = new[0]
        states = new
    if steps == 0:
        return x.new_zeros((0, *states[0].shape)), states
    return torch.stack(outputs), states


def _recurrent(
    x: torch.Tensor,
    initial: list[torch.Tensor | None],
    sequence_lens: torch.Tensor | None,
    hidden_size: int,
    direction: str,
    layout: int,
    make_cell: Callable[[int], tuple[torch.Tensor, _Cell]],
) -> tuple[torch.Tensor, ...]:
    """The direction and layout handling shared by the three networks.

    `make_cell(d)` gives direction `d`'s projection weight (`[gates * hidden, input]`,
    applied to every step at once) and its step function.
    """
    if layout:
        x = x.transpose(0, 1)
        initial = [None if s is None else s.transpose(0, 1) for s in initial]
    num_directions = 2 if direction == "bidirectional" else 1
    batch = x.shape[1]
    ys: list[torch.Tensor] = []
    finals: list[list[torch.Tensor]] = []
    for d in range(num_directions):
        weight, cell = make_cell(d)
        projected = torch.matmul(x, weight.transpose(0, 1))
        states = [x.new_zeros((batch, hidden_size)) if s is None else s[d] for s in initial]
        reverse = direction == "reverse" or d == 1
        y, final = _run(projected, sequence_lens, states, cell, reverse)
        ys.append(y)
        finals.append(final)
    y = torch.stack(ys, 1)  # [seq, directions, batch, hidden]
    results = [torch.stack([f[i] for f in finals]) for i in range(len(initial))]
    if layout:
        y = y.permute(2, 0, 1, 3)
        results = [r.transpose(0, 1) for r in results]
    return (y, *results)


def _clipper(clip: float | None) -> _Activation:
    if clip is None:
        return lambda v: v
    return lambda v: torch.clamp(v, -clip, clip)


def _native(
    kind: str,
    x: torch.Tensor,
    w: torch.Tensor,
    r: torch.Tensor,
    b: torch.Tensor | None,
    initial: list[torch.Tensor | None],
    direction: str,
    layout: int,
    order: list[int],
) -> tuple[torch.Tensor, ...]:
    """The network by torch's fused kernel (`torch.lstm`, `torch.gru`, `torch.rnn_tanh`,
    `torch.rnn_relu`), for the cases whose ONNX semantics it has.

    `order` lists the ONNX gate blocks in torch's gate order.
    """
    num_directions = w.shape[0]
    hidden = r.shape[-1]
    gates = len(order)
    if layout:
        x = x.transpose(0, 1)
        initial = [None if s is None else s.transpose(0, 1) for s in initial]
    if direction == "reverse":
        x = x.flip(0)
    batch = x.shape[1]
    states = [
        x.new_zeros((num_directions, batch, hidden)) if s is None else s.contiguous()
        for s in initial
    ]

    def reorder(t: torch.Tensor) -> torch.Tensor:
        blocks = torch.split(t, hidden)
        return torch.cat([blocks[i] for i in order])

    params: list[torch.Tensor] = []
    for d in range(num_directions):
        params += [reorder(w[d]), reorder(r[d])]
        if b is not None:
            params += [reorder(b[d, : gates * hidden]), reorder(b[d, gates * hidden :])]
    bidirectional = num_directions == 2
    function = getattr(torch, kind)
    hx: torch.Tensor | tuple[torch.Tensor, ...] = tuple(states) if len(states) > 1 else states[0]
    out = function(x, hx, params, b is not None, 1, 0.0, False, bidirectional, False)
    y = out[0].reshape(x.shape[0], batch, num_directions, hidden).permute(0, 2, 1, 3)
    if direction == "reverse":
        y = y.flip(0)
    results = list(out[1:])
    if layout:
        y = y.permute(2, 0, 1, 3)
        results = [t.transpose(0, 1) for t in results]
    return (y, *results)


def _is_default(
    activations: Sequence[str] | None, default: Sequence[str], num_directions: int
) -> bool:
    """Whether `activations` are the defaults (absent, or spelled out)."""
    if activations is None:
        return True
    return [a.lower() for a in activations] == [a.lower() for a in default] * num_directions


def _native_ok(x: torch.Tensor, sequence_lens: torch.Tensor | None, clip: float | None) -> bool:
    """Whether torch's fused kernels can run the network: no clip, no sequence lengths,
    a float32/float64 input with at least one step."""
    return (
        clip is None
        and sequence_lens is None
        and x.dtype in (torch.float32, torch.float64)
        and x.numel() > 0
    )


def rnn(
    x: torch.Tensor,
    w: torch.Tensor,
    r: torch.Tensor,
    b: torch.Tensor | None = None,
    sequence_lens: torch.Tensor | None = None,
    initial_h: torch.Tensor | None = None,
    *,
    direction: str = "forward",
    activations: Sequence[str] | None = None,
    activation_alpha: Sequence[float] | None = None,
    activation_beta: Sequence[float] | None = None,
    clip: float | None = None,
    layout: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """ONNX RNN: `(Y, Y_h)`."""
    num_directions = w.shape[0]
    hidden = r.shape[-1]
    if _native_ok(x, sequence_lens, clip) and not activation_alpha and not activation_beta:
        for name, kind in (("Tanh", "rnn_tanh"), ("Relu", "rnn_relu")):
            if _is_default(activations, [name], num_directions):
                y, y_h = _native(kind, x, w, r, b, [initial_h], direction, layout, [0])
                return y, y_h
    names = list(activations or ["Tanh"] * num_directions)
    functions = _activations(names, activation_alpha, activation_beta)
    clipped = _clipper(clip)

    def make_cell(d: int) -> tuple[torch.Tensor, _Cell]:
        f = functions[d]
        rt = r[d].transpose(0, 1)
        bias = None if b is None else b[d, :hidden] + b[d, hidden:]

        def cell(xw: torch.Tensor, states: list[torch.Tensor]) -> list[torch.Tensor]:
            gates = xw + torch.matmul(states[0], rt)
            if bias is not None:
                gates = gates + bias
            return [f(clipped(gates))]

        return w[d], cell

    y, y_h = _recurrent(x, [initial_h], sequence_lens, hidden, direction, layout, make_cell)
    return y, y_h


def gru(
    x: torch.Tensor,
    w: torch.Tensor,
    r: torch.Tensor,
    b: torch.Tensor | None = None,
    sequence_lens: torch.Tensor | None = None,
    initial_h: torch.Tensor | None = None,
    *,
    direction: str = "forward",
    activations: Sequence[str] | None = None,
    activation_alpha: Sequence[float] | None = None,
    activation_beta: Sequence[float] | None = None,
    clip: float | None = None,
    layout: int = 0,
    linear_before_reset: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """ONNX GRU: `(Y, Y_h)`."""
    num_directions = w.shape[0]
    hidden = r.shape[-1]
    if (
        linear_before_reset
        and _native_ok(x, sequence_lens, clip)
        and _is_default(activations, ["Sigmoid", "Tanh"], num_directions)
    ):
        # torch's gates are r, z, n (ONNX: z, r, h).
        y, y_h = _native("gru", x, w, r, b, [initial_h], direction, layout, [1, 0, 2])
        return y, y_h
    names = list(activations or ["Sigmoid", "Tanh"] * num_directions)
    functions = _activations(names, activation_alpha, activation_beta)
    clipped = _clipper(clip)

    def make_cell(d: int) -> tuple[torch.Tensor, _Cell]:
        f, g = functions[2 * d], functions[2 * d + 1]
        r_zr = r[d, : 2 * hidden].transpose(0, 1)
        r_h = r[d, 2 * hidden :].transpose(0, 1)
        if b is None:
            b_zr = b_wh = b_rh = None
        else:
            b_zr = b[d, : 2 * hidden] + b[d, 3 * hidden : 5 * hidden]
            b_wh = b[d, 2 * hidden : 3 * hidden]
            b_rh = b[d, 5 * hidden :]

        def cell(xw: torch.Tensor, states: list[torch.Tensor]) -> list[torch.Tensor]:
            h = states[0]
            zr = xw[:, : 2 * hidden] + torch.matmul(h, r_zr)
            if b_zr is not None:
                zr = zr + b_zr
            zr = f(clipped(zr))
            z, reset = zr[:, :hidden], zr[:, hidden:]
            xh = xw[:, 2 * hidden :]
            if b_wh is not None:
                xh = xh + b_wh
            if linear_before_reset:
                rh = torch.matmul(h, r_h)
                if b_rh is not None:
                    rh = rh + b_rh
                candidate = xh + reset * rh
            else:
                candidate = xh + torch.matmul(reset * h, r_h)
                if b_rh is not None:
                    candidate = candidate + b_rh
            candidate = g(clipped(candidate))
            return [(1 - z) * candidate + z * h]

        return w[d], cell

    y, y_h = _recurrent(x, [initial_h], sequence_lens, hidden, direction, layout, make_cell)
    return y, y_h


def lstm(
    x: torch.Tensor,
    w: torch.Tensor,
    r: torch.Tensor,
    b: torch.Tensor | None = None,
    sequence_lens: torch.Tensor | None = None,
    initial_h: torch.Tensor | None = None,
    initial_c: torch.Tensor | None = None,
    p: torch.Tensor | None = None,
    *,
    direction: str = "forward",
    activations: Sequence[str] | None = None,
    activation_alpha: Sequence[float] | None = None,
    activation_beta: Sequence[float] | None = None,
    clip: float | None = None,
    input_forget: int = 0,
    layout: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """ONNX LSTM: `(Y, Y_h, Y_c)`."""
    num_directions = w.shape[0]
    hidden = r.shape[-1]
    if (
        p is None
        and not input_forget
        and _native_ok(x, sequence_lens, clip)
        and _is_default(activations, ["Sigmoid", "Tanh", "Tanh"], num_directions)
    ):
        # torch's gates are i, f, g, o (ONNX: i, o, f, c).
        y, y_h, y_c = _native(
            "lstm", x, w, r, b, [initial_h, initial_c], direction, layout, [0, 2, 3, 1]
        )
        return y, y_h, y_c
    names = list(activations or ["Sigmoid", "Tanh", "Tanh"] * num_directions)
    functions = _activations(names, activation_alpha, activation_beta)
    clipped = _clipper(clip)

    def make_cell(d: int) -> tuple[torch.Tensor, _Cell]:
        f, g, h_act = functions[3 * d], functions[3 * d + 1], functions[3 * d + 2]
        rt = r[d].transpose(0, 1)
        bias = None if b is None else b[d, : 4 * hidden] + b[d, 4 * hidden :]
        if p is None:
            p_i = p_o = p_f = None
        else:
            p_i, p_o, p_f = p[d, :hidden], p[d, hidden : 2 * hidden], p[d, 2 * hidden :]

        def cell(xw: torch.Tensor, states: list[torch.Tensor]) -> list[torch.Tensor]:
            h, c = states
            gates = xw + torch.matmul(h, rt)
            if bias is not None:
                gates = gates + bias
            gi, go, gf, gc = torch.split(gates, hidden, dim=-1)
            if p_i is not None:
                gi = gi + p_i * c
            i = f(clipped(gi))
            if input_forget:
                forget = 1 - i
            else:
                if p_f is not None:
                    gf = gf + p_f * c
                forget = f(clipped(gf))
            c_new = forget * c + i * g(clipped(gc))
            if p_o is not None:
                go = go + p_o * c_new
            o = f(clipped(go))
            return [o * h_act(c_new), c_new]

        return w[d], cell

    y, y_h, y_c = _recurrent(
        x, [initial_h, initial_c], sequence_lens, hidden, direction, layout, make_cell
    )
    return y, y_h, y_c
