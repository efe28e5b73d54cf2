"""Run-time helpers of the transformer operators (for code `ramiel.ops.transformer` generates)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__: list[str] = [
    "attention",
    "causal_conv_with_state",
    "linear_attention",
    "rotary_embedding",
]


def _heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(batch, seq, heads * size) -> (batch, heads, seq, size)."""
    return x.reshape(x.shape[0], x.shape[1], num_heads, -1).transpose(1, 2)


def attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    attn_mask: torch.Tensor | None = None,
    past_key: torch.Tensor | None = None,
    past_value: torch.Tensor | None = None,
    nonpad_kv_seqlen: torch.Tensor | None = None,
    *,
    q_num_heads: int = 0,
    kv_num_heads: int = 0,
    scale: float | None = None,
    is_causal: bool = False,
    softcap: float = 0.0,
    softmax_dtype: torch.dtype | None = None,
    qk_matmul_output_mode: int | None = None,
    left_window_size: int = -1,
    right_window_size: int = -1,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """ONNX Attention: `(Y, present_key, present_value, qk_matmul_output)`.

    3-D `q`, `k`, `v` are (batch, seq, heads * size) with `q_num_heads` and `kv_num_heads`
    heads; 4-D ones are (batch, heads, seq, size). The causal and window masks are aligned
    bottom-right on the cache: a query at index `i` sits at position `i + offset`, where
    `offset` is the past length, or `nonpad_kv_seqlen - q_len` per batch for an external
    cache. A query row with no attendable key gives zeros. `qk_matmul_output_mode` None
    leaves the fourth output out (None).
    """
    three_d = q.dim() == 3
    if three_d:
        q, k, v = _heads(q, q_num_heads), _heads(k, kv_num_heads), _heads(v, kv_num_heads)
    if past_key is not None:
        k = torch.cat((past_key, k), dim=2)
    if past_value is not None:
        v = torch.cat((past_value, v), dim=2)
    present_key, present_value = k, v
    q_len, kv_len = q.shape[2], k.shape[2]
    out_dtype = q.dtype
    # Half-precision inputs are computed in float32 (as accelerators accumulate them).
    dtype = torch.float32 if out_dtype in (torch.float16, torch.bfloat16) else out_dtype
    q, k, v = q.to(dtype), k.to(dtype), v.to(dtype)
    neg_inf = torch.tensor(-math.inf, dtype=dtype, device=q.device)
    zero = torch.zeros((), dtype=dtype, device=q.device)

    bias: torch.Tensor | None = None
    if attn_mask is not None:
        pad = kv_len - attn_mask.shape[-1]
        if attn_mask.dtype == torch.bool:
            if pad > 0:
                attn_mask = F.pad(attn_mask, (0, pad), value=False)
            bias = torch.where(attn_mask, zero, neg_inf)
        else:
            if pad > 0:
                attn_mask = F.pad(attn_mask, (0, pad), value=-math.inf)
            bias = attn_mask.to(dtype)
    if is_causal or left_window_size >= 0 or right_window_size >= 0:
        rows = torch.arange(q_len, device=q.device).unsqueeze(1)
        cols = torch.arange(kv_len, device=q.device)
        if past_key is None and nonpad_kv_seqlen is not None:
            offset = (nonpad_kv_seqlen - q_len).reshape(-1, 1, 1, 1)
            diff = rows + offset - cols  # (batch, 1, q, kv)
        else:
            offset = 0 if past_key is None else past_key.shape[2]
            diff = rows + offset - cols  # (q, kv)
        allowed = diff >= 0 if is_causal else torch.ones_like(diff, dtype=torch.bool)
        if left_window_size >= 0:
            allowed = allowed & (diff <= left_window_size)
        if right_window_size >= 0:
            allowed = allowed & (-diff <= right_window_size)
        frontier = torch.where(allowed, zero, neg_inf)
        bias = frontier if bias is None else bias + frontier
    if nonpad_kv_seqlen is not None:
        cols = torch.arange(kv_len, device=q.device)
        valid = cols < nonpad_kv_seqlen.reshape(-1, 1, 1, 1)
        padding = torch.where(valid, zero, neg_inf)
        bias = padding if bias is None else bias + padding

    q_heads, kv_heads = q.shape[1], k.shape[1]
    if q_heads != kv_heads and q_heads % kv_heads == 0:
        k = k.repeat_interleave(q_heads // kv_heads, dim=1)
        v = v.repeat_interleave(q_heads // kv_heads, dim=1)

    if scale is None:
        scale = 1 / math.sqrt(q.shape[-1])
    if qk_matmul_output_mode is None and softcap <= 0 and softmax_dtype is None:
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=scale)
        if bias is not None:
            fully_masked = torch.isneginf(bias.amax(dim=-1, keepdim=True))
            y = torch.where(fully_masked, zero, y)
        y = y.to(out_dtype)
        return (y.transpose(1, 2).flatten(2) if three_d else y), present_key, present_value, None
    factor = torch.tensor(math.sqrt(scale), dtype=dtype, device=q.device)
    qk = torch.matmul(q * factor, (k * factor).transpose(-2, -1))
    if softcap > 0:
        qk = torch.tanh(qk / softcap) * softcap
    logits = qk if bias is None else qk + bias
    qk_output = logits if qk_matmul_output_mode == 2 else qk
    if softmax_dtype is not None:
        logits = logits.to(softmax_dtype)
    probs = torch.softmax(logits, dim=-1)
    if bias is not None:
        fully_masked = torch.isneginf(bias.amax(dim=-1, keepdim=True))
        probs = torch.where(fully_masked, torch.zeros((), dtype=probs.dtype), probs)
    if qk_matmul_output_mode == 3:
        qk_output = probs
    y = torch.matmul(probs.to(dtype), v).to(out_dtype)
    if three_d:
        y = y.transpose(1, 2).flatten(2)
    qk_result = None if qk_matmul_output_mode is None else qk_output.to(out_dtype)
    return y, present_key, present_value, qk_result


def rotary_embedding(
    x: torch.Tensor,
    cos_cache: torch.Tensor,
    sin_cache: torch.Tensor,
    position_ids: torch.Tensor | None = None,
    *,
    interleaved: bool = False,
    rotary_embedding_dim: int = 0,
    num_heads: int = 0,
) -> torch.Tensor:
    """ONNX RotaryEmbedding of `x`, (batch, heads, seq, size) or (batch, seq, heads * size).

    The caches are (max_position, rotary_dim / 2) indexed by `position_ids` (batch, seq),
    or (batch, seq, rotary_dim / 2) without them. `rotary_embedding_dim` 0 rotates all of
    each head; `interleaved` pairs elements (0, 1), (2, 3), ... instead of the two halves.
    """
    if position_ids is not None:
        cos_cache, sin_cache = cos_cache[position_ids], sin_cache[position_ids]
    shape = x.shape
    if x.dim() == 3:
        x = x.reshape(shape[0], shape[1], num_heads, -1)  # (batch, seq, heads, size)
        cos, sin = cos_cache.unsqueeze(2), sin_cache.unsqueeze(2)
    else:
        cos, sin = cos_cache.unsqueeze(1), sin_cache.unsqueeze(1)  # over the heads dim
    dim = rotary_embedding_dim or x.shape[-1]
    rotate, keep = x[..., :dim], x[..., dim:]
    if interleaved:
        x1, x2 = rotate[..., 0::2], rotate[..., 1::2]
    else:
        x1, x2 = rotate.chunk(2, dim=-1)
    real = cos * x1 - sin * x2
    imag = sin * x1 + cos * x2
    if interleaved:
        rotated = torch.stack((real, imag), dim=-1).flatten(-2)
    else:
        rotated = torch.cat((real, imag), dim=-1)
    return torch.cat((rotated, keep), dim=-1).reshape(shape)


def linear_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    past_state: torch.Tensor | None = None,
    decay: torch.Tensor | None = None,
    beta: torch.Tensor | None = None,
    *,
    q_num_heads: int,
    kv_num_heads: int,
    scale: float = 0.0,
    update_rule: str = "gated_delta",
) -> tuple[torch.Tensor, torch.Tensor]:
    """ONNX LinearAttention: `(output, present_state)`, the recurrence run in float32.

    `query`, `key`, `value` are (batch, seq, heads * size); the state is
    (batch, kv_num_heads, key_size, value_size). `update_rule` is linear, gated (the
    state decays by `exp(decay)`), delta (values corrected by `beta` times the error of
    the state's prediction) or gated_delta (both). `scale` 0 means `1 / sqrt(key_size)`.
    """
    batch, steps, _ = query.shape
    gating = update_rule in ("gated", "gated_delta")
    delta = update_rule in ("delta", "gated_delta")
    q = _heads(query, q_num_heads).float()
    k = _heads(key, kv_num_heads).float()
    v = _heads(value, kv_num_heads).float()
    key_size, value_size = k.shape[-1], v.shape[-1]
    group = q_num_heads // kv_num_heads
    g = None
    if gating:
        if decay is None:
            raise ValueError(f"update_rule '{update_rule}' needs the decay input")
        if decay.shape[-1] == kv_num_heads:
            g = decay.unsqueeze(-1).transpose(1, 2).float()  # (batch, heads, seq, 1)
        else:
            g = _heads(decay, kv_num_heads).float()  # (batch, heads, seq, key_size)
    b = None
    if delta:
        if beta is None:
            raise ValueError(f"update_rule '{update_rule}' needs the beta input")
        b = beta.unsqueeze(-1).transpose(1, 2).float()  # (batch, heads or 1, seq, 1)
    if past_state is not None:
        state = past_state.float()
        state_dtype = past_state.dtype
    else:
        state = query.new_zeros((batch, kv_num_heads, key_size, value_size), dtype=torch.float32)
        state_dtype = query.dtype
    factor = scale if scale != 0.0 else 1 / math.sqrt(key_size)
    outputs: list[torch.Tensor] = []
    for t in range(steps):
        k_t, v_t = k[:, :, t], v[:, :, t]
        if g is not None:
            state = state * torch.exp(g[:, :, t]).unsqueeze(-1)
        if b is not None:
            retrieved = torch.einsum("bhdm,bhd->bhm", state, k_t)
            v_t = b[:, :, t] * (v_t - retrieved)
        state = state + k_t.unsqueeze(-1) * v_t.unsqueeze(-2)
        read = state if group == 1 else state.repeat_interleave(group, dim=1)
        outputs.append(factor * torch.einsum("bhd,bhdm->bhm", q[:, :, t], read))
    if outputs:
        out = torch.stack(outputs, dim=2)  # (batch, heads, seq, value_size)
    else:
        out = q.new_zeros((batch, q_num_heads, 0, value_size))
    output = out.transpose(1, 2).flatten(2).to(query.dtype)
    return output, state.to(state_dtype)


def causal_conv_with_state(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    past_state: torch.Tensor | None = None,
    *,
    activation: str = "none",
) -> tuple[torch.Tensor, torch.Tensor]:
    """ONNX CausalConvWithState: `(output, present_state)`.

    A depthwise causal `conv1d` of `x` (batch, channels, length) by `weight`
    (channels, 1, kernel), left-padded by `past_state` (batch, channels, kernel - 1, zeros
    when absent), then SiLU for `activation` silu or swish. `present_state` is the last
    kernel - 1 steps of the padded input.
    """
    kernel = weight.shape[2]
    if past_state is None:
        past_state = x.new_zeros((x.shape[0], x.shape[1], kernel - 1))
    padded = torch.cat((past_state, x), dim=2)
    out = F.conv1d(padded, weight, bias, groups=x.shape[1])
    if activation in ("silu", "swish"):
        out = F.silu(out.float()).to(x.dtype)
    return out, padded[:, :, padded.shape[2] - (kernel - 1) :]
