"""A BERT-style encoder built in code, for the GPU benchmark.

BERT (Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language
Understanding", 2019) embeds token ids, adds learned position embeddings, normalizes, and
runs a stack of post-norm transformer encoder layers; a pooler reads the first token.

`BertStyle` writes every step out with plain modules (no `nn.MultiheadAttention`, no
`nn.TransformerEncoder`), so the exported graph is made of plain ONNX ops: Gather for the
embeddings, MatMul + Add for each Linear, Reshape and Transpose to split and merge heads,
MatMul, Div and Softmax for attention, LayerNormalization (opset 18), and exact GELU as its
erf decomposition (the Gelu op only exists from opset 20). The separate Q, K and V
projections of a layer all read the same tensor: three independent MatMuls, the only
operator-level parallelism in the model besides the heads batched inside each MatMul.

The token-type (segment) embedding of BERT is left out: with a single segment it adds a
constant vector, which the embedding LayerNorm's bias can absorb. There is no attention mask
(every token is real). Defaults are BERT-base: 12 layers, hidden 768, 12 heads,
intermediate 3072, sequence 128, vocabulary 30522.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, TypedDict, Unpack

import numpy as np
import onnx
import torch
from torch import nn
from torch.nn import functional

from ramiel.testing.models import export, save_onnx

LAYERS = 12
HIDDEN = 768
HEADS = 12
INTERMEDIATE = 3072
SEQ = 128
VOCAB = 30522
LAYER_NORM_EPS = 1e-12  # BERT's


class BertConfig(TypedDict, total=False):
    """`BertStyle`'s configuration, as keyword arguments (the defaults are BERT-base)."""

    layers: int
    hidden: int
    heads: int
    intermediate: int
    seq: int
    vocab: int


SMALL_LAYERS, SMALL_HIDDEN, SMALL_SEQ, SMALL_VOCAB = 2, 64, 16, 100
SMALL_CONFIG: BertConfig = {
    "layers": SMALL_LAYERS,
    "hidden": SMALL_HIDDEN,
    "heads": 4,
    "intermediate": 128,
    "seq": SMALL_SEQ,
    "vocab": SMALL_VOCAB,
}
"""A BERT small enough for tests on a CPU, same structure."""


class _EncoderLayer(nn.Module):
    """One post-norm encoder layer: self-attention with separate Q, K, V projections,
    residual + LayerNorm, GELU feed-forward, residual + LayerNorm."""

    def __init__(self, hidden: int, heads: int, intermediate: int) -> None:
        super().__init__()
        if hidden % heads:
            raise ValueError(f"hidden size {hidden} is not a multiple of {heads} heads")
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attention_out = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)
        self.ffn_in = nn.Linear(hidden, intermediate)
        self.ffn_out = nn.Linear(intermediate, hidden)
        self.ffn_norm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, seq, hidden = x.shape
        return x.reshape(batch, seq, self.heads, hidden // self.heads).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The layer's output for `x` (batch x seq x hidden)."""
        batch, seq, hidden = x.shape
        q = self._split_heads(self.query(x))
        k = self._split_heads(self.key(x))
        v = self._split_heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hidden // self.heads)
        context = torch.matmul(torch.softmax(scores, dim=-1), v)
        context = context.transpose(1, 2).reshape(batch, seq, hidden)
        x = self.attention_norm(x + self.attention_out(context))
        ffn = self.ffn_out(functional.gelu(self.ffn_in(x)))  # exact (erf) GELU, as BERT
        return self.ffn_norm(x + ffn)


class BertStyle(nn.Module):
    """A BERT encoder: token and position embeddings, embedding LayerNorm, `layers`
    encoder layers, and the pooler (first token, Linear, tanh).

    Input: int64 token ids of shape [batch, seq] (seq at most the configured `seq`).
    Outputs: the last layer's hidden states [batch, seq, hidden] and the pooled first
    token [batch, hidden], like BERT's `last_hidden_state` and `pooler_output`."""

    def __init__(
        self,
        layers: int = LAYERS,
        hidden: int = HIDDEN,
        heads: int = HEADS,
        intermediate: int = INTERMEDIATE,
        seq: int = SEQ,
        vocab: int = VOCAB,
    ) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(seq, hidden)
        self.position_ids: torch.Tensor
        self.register_buffer("position_ids", torch.arange(seq).unsqueeze(0), persistent=False)
        self.embedding_norm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)
        self.layers = nn.ModuleList(
            _EncoderLayer(hidden, heads, intermediate) for _ in range(layers)
        )
        self.pooler = nn.Linear(hidden, hidden)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Hidden states and pooled output of the token ids `ids`."""
        positions = self.position_ids[:, : ids.shape[1]]
        x = self.embedding_norm(self.token(ids) + self.position(positions))
        for layer in self.layers:
            x = layer(x)
        return x, torch.tanh(self.pooler(x[:, 0]))


def bert_model(**config: Unpack[BertConfig]) -> BertStyle:
    """The seeded `BertStyle` of this configuration (`BertStyle`'s keyword arguments), in
    eval mode. LayerNorm scales and shifts are randomized (near 1 and 0), so that they are
    not the identity."""
    untyped: Any = torch
    untyped.manual_seed(0)
    model = BertStyle(**config)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.LayerNorm):
                (size,) = module.normalized_shape
                module.weight.copy_(1 + 0.1 * torch.randn(size, generator=generator))
                module.bias.copy_(0.1 * torch.randn(size, generator=generator))
    return model.eval()


def bert_input(seq: int = SEQ, vocab: int = VOCAB) -> np.ndarray:
    """Seeded random token ids in [0, vocab), int64, of shape [1, seq]."""
    return np.random.default_rng(0).integers(0, vocab, (1, seq), dtype=np.int64)


def bert_example(path: Path | None = None, **config: Unpack[BertConfig]) -> onnx.ModelProto:
    """`bert_model(**config)` exported to ONNX for one sequence of the configured length
    (TorchScript exporter, opset 18); also saved to `path` when given."""
    model = bert_model(**config)
    ids = bert_input(model.position.num_embeddings, model.token.num_embeddings)
    proto = export(model, (torch.as_tensor(ids),), dynamo=False)
    if path is not None:
        save_onnx(proto, path)
    return proto
