"""Lowerings of the elementwise operators: math, activations, comparisons, casts."""

from __future__ import annotations

from ramiel.dialects.onnx_ops import AddOp, ReluOp
from ramiel.ops.registry import Emit, lowers


@lowers(ReluOp)
def relu(e: Emit, op: ReluOp) -> str:
    return f"torch.relu({e.arg(0)})"


@lowers(AddOp)
def add(e: Emit, op: AddOp) -> str:
    return f"{e.arg(0)} + {e.arg(1)}"
