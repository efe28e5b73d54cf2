"""What passes ask of an SSA value: its constant value, its static shape, its users."""

from __future__ import annotations

from typing import cast

import numpy as np
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Attribute, SSAValue

from ramiel.dialects.dataflow import WeightOp
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.dialects.onnx_ops import ConstantOp
from ramiel.ops.constants import constant_value
from ramiel.weights import WeightStore, weights_of


def value_of(value: SSAValue, store: WeightStore | None = None) -> np.ndarray | None:
    """The value of `value` when an inline `onnx.Constant` or a stored `dataflow.weight`
    produces it. Weights are read from `store`, or else from the module holding the op."""
    owner = value.owner
    if isinstance(owner, ConstantOp):
        return constant_value(owner)
    if isinstance(owner, WeightOp):
        if store is None:
            module = owner.get_toplevel_object()
            store = weights_of(module) if isinstance(module, ModuleOp) else None
        if store is not None and owner.key.data in store:
            return store[owner.key.data]
    return None


def static_shape(value: SSAValue) -> tuple[int, ...] | None:
    """The shape of a ranked tensor value whose dimensions are all known, else None."""
    value_type: Attribute = value.type
    if not isinstance(value_type, TensorType):
        return None
    shape = tuple(cast(TensorType[Attribute], value_type).get_shape())
    return None if any(d < 0 for d in shape) else shape


def rank(value: SSAValue) -> int | None:
    """The rank of a ranked tensor value, else None."""
    value_type: Attribute = value.type
    if not isinstance(value_type, TensorType):
        return None
    return len(cast(TensorType[Attribute], value_type).get_shape())


def only_onnx_users(value: SSAValue) -> bool:
    """Whether every user of `value` is an `onnx` op, so its type may be made more precise
    (a `func.return` or `onnx.Yield` must keep the type its signature declares)."""
    return all(isinstance(use.operation, OnnxOp) for use in value.uses)
