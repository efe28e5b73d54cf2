"""Evaluate one `onnx` op on constant operands, through its lowering.

The constant folder calls `evaluate`: it runs the very expression the printer would
write for the op, on the constant values, so folding and running cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute, SSAValue

from ramiel import runtime
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.dialects.onnx_types import numpy_dtype
from ramiel.ops.registry import Emit, Multi, Operand, Unsupported, lowering_for


def evaluate(op: OnnxOp, values: dict[SSAValue, np.ndarray]) -> list[np.ndarray] | None:
    """The results of `op` (in `op.results` order) given the values of its operands, or
    None when the op cannot be evaluated here (no lowering, unsupported, not numpy-held)."""
    lowering = lowering_for(type(op))
    if lowering is None or op.regions:
        return None
    namespace: dict[str, Any] = {"torch": torch, "F": F, "rt": runtime}
    inputs: list[Operand | None] = []
    for index, value in enumerate(op.flat_inputs()):
        if value is None:
            inputs.append(None)
            continue
        array = values.get(value)
        if array is None:
            return None
        name = f"a{index}"
        data = np.ascontiguousarray(array).reshape(array.shape)  # keeps 0-d arrays 0-d
        namespace[name] = torch.as_tensor(data if data.flags.writeable else data.copy())
        inputs.append(Operand(name, value.type, array))
    flat_outputs = op.flat_outputs()
    emit = Emit(op, inputs, [None if v is None else Operand("", v.type) for v in flat_outputs])
    try:
        lowered = lowering(emit, op)
    except Unsupported:
        return None
    if emit.prelude:
        return None
    expr = lowered.expr if isinstance(lowered, Multi) else lowered
    with torch.no_grad():
        result: Any = eval(expr, namespace)  # our own lowering's expression
    items: list[Any] = list(result) if isinstance(lowered, Multi) else [result]
    arrays: list[np.ndarray] = []
    for value, item in zip(flat_outputs, items, strict=False):
        if value is None:
            continue
        array = _to_numpy(item, value.type)
        if array is None:
            return None
        arrays.append(array)
    return arrays if len(arrays) == len(op.results) else None


def _to_numpy(item: object, value_type: Attribute) -> np.ndarray | None:
    if not isinstance(item, torch.Tensor) or not isinstance(value_type, TensorType):
        return None
    dtype = numpy_dtype(cast(TensorType[Attribute], value_type).element_type)
    if dtype is None:
        return None
    try:
        array = item.detach().cpu().numpy()
    except TypeError:
        return None
    shape = tuple(cast(TensorType[Attribute], value_type).get_shape())
    if len(shape) != array.ndim or any(
        d >= 0 and d != n for d, n in zip(shape, array.shape, strict=True)
    ):
        return None
    return array.astype(dtype, copy=False)


def evaluate_values(op: OnnxOp, arrays: Sequence[np.ndarray]) -> list[np.ndarray] | None:
    """`evaluate` with the operands' values given in `op.operands` order."""
    return evaluate(op, dict(zip(op.operands, arrays, strict=True)))
