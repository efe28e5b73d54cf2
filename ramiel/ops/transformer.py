"""Lowerings of the transformer operators."""

from __future__ import annotations

from ramiel.dialects.onnx_ops import (
    AttentionOp,
    CausalConvWithStateOp,
    LinearAttentionOp,
    RotaryEmbeddingOp,
    SwiGLUOp,
)
from ramiel.ops.registry import (
    Emit,
    Lowered,
    Multi,
    Operand,
    Unsupported,
    lowers,
    py_literal,
    short_float32,
)

# ONNX TensorProto element types -> torch dtypes, for `softmax_precision`.
_ONNX_FLOAT_DTYPES = {
    1: "torch.float32",
    10: "torch.float16",
    11: "torch.float64",
    16: "torch.bfloat16",
}


def _float(value: float) -> str:
    """A float attribute (stored as float32) printed as its shortest float32 form (`0.01`)."""
    return py_literal(short_float32(value))


def _call(function: str, args: list[str], kwargs: dict[str, str]) -> str:
    items = args + [f"{name}={value}" for name, value in kwargs.items()]
    return f"{function}({', '.join(items)})"


def _split_heads(x: Operand, heads: int) -> str:
    """(batch, seq, heads * size) -> (batch, heads, seq, size)."""
    return f"{x}.unflatten(-1, ({heads}, -1)).transpose(1, 2)"


@lowers(AttentionOp)
def attention(e: Emit, op: AttentionOp) -> Lowered:
    """`F.scaled_dot_product_attention` when it computes the op exactly, else `rt.attention`."""
    q, k, v = e.arg(0), e.arg(1), e.arg(2)
    mask, past_key, past_value, nonpad = e.opt(3), e.opt(4), e.opt(5), e.opt(6)
    rank = q.need_rank()
    if rank not in (3, 4):
        raise Unsupported(f"Q has rank {rank}, not 3 or 4")
    if (past_key is None) != (past_value is None):
        raise Unsupported("past_key and past_value must be given together")
    is_causal = bool(e.attr("is_causal"))
    scale = e.attr("scale")
    softcap = float(e.attr("softcap") or 0.0)
    mode = int(e.attr("qk_matmul_output_mode") or 0)
    if mode not in (0, 1, 2, 3):
        raise Unsupported(f"qk_matmul_output_mode {mode} is not 0, 1, 2 or 3")
    left = int(e.attr("left_window_size"))
    right = int(e.attr("right_window_size"))
    precision = e.attr("softmax_precision")
    softmax_dtype = None
    if precision is not None:
        softmax_dtype = _ONNX_FLOAT_DTYPES.get(int(precision))
        if softmax_dtype is None:
            raise Unsupported(f"softmax_precision {precision} is not a float type")
        if softmax_dtype == q.dtype:
            softmax_dtype = None
    q_heads = e.attr("q_num_heads")
    kv_heads = e.attr("kv_num_heads")
    if rank == 3 and (q_heads is None or kv_heads is None):
        raise Unsupported("3-D inputs need q_num_heads and kv_num_heads")

    plain = (
        mask is None
        and past_key is None
        and nonpad is None
        and softcap <= 0
        and left < 0
        and right < 0
        and softmax_dtype is None
        and len(e.outputs) == 1
        and q.dtype != "torch.float16"  # PyTorch's CPU kernel loses precision in float16
    )
    if plain:
        sdpa_kwargs: dict[str, str] = {}
        if is_causal:
            sdpa_kwargs["is_causal"] = "True"
        if scale is not None:
            sdpa_kwargs["scale"] = _float(scale)
        if rank == 3:
            assert q_heads is not None and kv_heads is not None
            args = [_split_heads(q, q_heads), _split_heads(k, kv_heads), _split_heads(v, kv_heads)]
            gqa = q_heads != kv_heads
        else:
            args = [q.expr, k.expr, v.expr]
            q_shape, k_shape = q.shape, k.shape
            assert q_shape is not None
            gqa = k_shape is None or q_shape[1] is None or q_shape[1] != k_shape[1]
        if gqa:
            sdpa_kwargs["enable_gqa"] = "True"
        call = _call("F.scaled_dot_product_attention", args, sdpa_kwargs)
        return f"{call}.transpose(1, 2).flatten(2)" if rank == 3 else call

    args = [q.expr, k.expr, v.expr]
    kwargs: dict[str, str] = {}
    for name, value in (
        ("attn_mask", mask),
        ("past_key", past_key),
        ("past_value", past_value),
        ("nonpad_kv_seqlen", nonpad),
    ):
        if value is not None:
            kwargs[name] = value.expr
    if rank == 3:
        kwargs["q_num_heads"] = str(q_heads)
        kwargs["kv_num_heads"] = str(kv_heads)
    if scale is not None:
        kwargs["scale"] = _float(scale)
    if is_causal:
        kwargs["is_causal"] = "True"
    if softcap > 0:
        kwargs["softcap"] = _float(softcap)
    if softmax_dtype is not None:
        kwargs["softmax_dtype"] = softmax_dtype
    if e.has_output(3):
        kwargs["qk_matmul_output_mode"] = str(mode)
    if left >= 0:
        kwargs["left_window_size"] = str(left)
    if right >= 0:
        kwargs["right_window_size"] = str(right)
    call = _call("rt.attention", args, kwargs)
    count = len(e.outputs)
    return Multi(call if count in (1, 4) else f"{call}[:{count}]")


@lowers(RotaryEmbeddingOp)
def rotary_embedding(e: Emit, op: RotaryEmbeddingOp) -> str:
    """`rt.rotary_embedding`."""
    x = e.arg(0)
    args = [x.expr, e.arg(1).expr, e.arg(2).expr]
    position_ids = e.opt(3)
    if position_ids is not None:
        args.append(position_ids.expr)
    kwargs: dict[str, str] = {}
    if e.attr("interleaved"):
        kwargs["interleaved"] = "True"
    rotary_dim = int(e.attr("rotary_embedding_dim") or 0)
    if rotary_dim:
        kwargs["rotary_embedding_dim"] = str(rotary_dim)
    rank = x.need_rank()
    if rank == 3:
        heads = e.attr("num_heads")
        if not heads:
            raise Unsupported("a 3-D input needs num_heads")
        kwargs["num_heads"] = str(heads)
    elif rank != 4:
        raise Unsupported(f"the input has rank {rank}, not 3 or 4")
    return _call("rt.rotary_embedding", args, kwargs)


_UPDATE_RULES = ("linear", "gated", "delta", "gated_delta")


@lowers(LinearAttentionOp)
def linear_attention(e: Emit, op: LinearAttentionOp) -> Multi:
    """`rt.linear_attention`."""
    rule = e.attr("update_rule")
    if rule not in _UPDATE_RULES:
        raise Unsupported(f"update_rule '{rule}' is not one of {', '.join(_UPDATE_RULES)}")
    if e.arg(0).need_rank() != 3:
        raise Unsupported("query must be 3-D")
    args = [e.arg(0).expr, e.arg(1).expr, e.arg(2).expr]
    kwargs: dict[str, str] = {}
    for name, index in (("past_state", 3), ("decay", 4), ("beta", 5)):
        value = e.opt(index)
        if value is not None:
            kwargs[name] = value.expr
    q_heads, kv_heads = int(e.attr("q_num_heads")), int(e.attr("kv_num_heads"))
    if q_heads <= 0 or kv_heads <= 0 or q_heads % kv_heads:
        raise Unsupported("q_num_heads must be a positive multiple of kv_num_heads")
    kwargs["q_num_heads"] = str(q_heads)
    kwargs["kv_num_heads"] = str(kv_heads)
    scale = float(e.attr("scale") or 0.0)
    if scale != 0.0:
        kwargs["scale"] = _float(scale)
    if rule != "gated_delta":
        kwargs["update_rule"] = py_literal(rule)
    return Multi(_call("rt.linear_attention", args, kwargs))


@lowers(CausalConvWithStateOp)
def causal_conv_with_state(e: Emit, op: CausalConvWithStateOp) -> Multi:
    """`rt.causal_conv_with_state`."""
    activation = e.attr("activation")
    if activation not in ("none", "silu", "swish"):
        raise Unsupported(f"activation '{activation}' is not none, silu or swish")
    args = [e.arg(0).expr, e.arg(1).expr]
    kwargs: dict[str, str] = {}
    for name, index in (("bias", 2), ("past_state", 3)):
        value = e.opt(index)
        if value is not None:
            kwargs[name] = value.expr
    if activation != "none":
        kwargs["activation"] = py_literal(activation)
    return Multi(_call("rt.causal_conv_with_state", args, kwargs))


@lowers(SwiGLUOp)
def swiglu(e: Emit, op: SwiGLUOp) -> str:
    """`F.silu(a) * b`; with `alpha`, `a * torch.sigmoid(alpha * a) * b`."""
    a, b = e.arg(0), e.arg(1)
    alpha = float(e.attr("alpha"))
    if alpha == 1.0:
        return f"F.silu({a}) * {b}"
    return f"{a} * torch.sigmoid({_float(alpha)} * {a}) * {b}"
