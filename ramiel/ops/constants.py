"""Constants: `onnx.Constant` values as numpy arrays, and the Constant lowering."""

from __future__ import annotations

from typing import cast

import numpy as np
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, IntegerType, TensorType
from xdsl.ir import Attribute

from ramiel.dialects.onnx_ops import ConstantOp
from ramiel.dialects.onnx_types import numpy_dtype
from ramiel.ops.registry import Emit, Unsupported, lowers, py_literal, tensor_literal, torch_dtype


def dense_to_array(attr: Attribute) -> np.ndarray | None:
    """The numpy value of a dense elements attribute, if numpy holds its element type."""
    if not isinstance(attr, DenseIntOrFPElementsAttr):
        return None
    dense = cast(DenseIntOrFPElementsAttr, attr)
    shaped = cast(TensorType[Attribute], dense.type)
    element = shaped.element_type
    shape = tuple(shaped.get_shape())
    if element == IntegerType(1):
        flat = np.frombuffer(dense.data.data, dtype=np.int8) != 0
    else:
        dtype = numpy_dtype(element)
        if dtype is None:
            return None
        flat = np.frombuffer(dense.data.data, dtype=dtype)
    count = int(np.prod(shape, dtype=np.int64))
    if flat.size == 1 and count != 1:
        return np.broadcast_to(flat.reshape(()), shape).copy()
    return flat.reshape(shape).copy()


def constant_value(op: ConstantOp) -> np.ndarray | None:
    """The value of an `onnx.Constant` op as a numpy array, when numpy can hold it."""
    if op.value is not None:
        return dense_to_array(op.value)
    result_type = op.output.type
    dtype = None
    if isinstance(result_type, TensorType):
        dtype = numpy_dtype(result_type.element_type)
    for name in ("value_float", "value_int", "value_floats", "value_ints"):
        if op.properties.get(name) is not None:
            return np.array(op.onnx_attribute(name), dtype=dtype)
    return None


@lowers(ConstantOp)
def constant(e: Emit, op: ConstantOp) -> str:
    """The constant as a `torch.tensor` literal (the printer builds it once, at load time)."""
    result = e.out()
    array = constant_value(op)
    if array is not None:
        return tensor_literal(array, result.dtype)
    if op.value is not None:
        # Element types numpy lacks (bfloat16, float8): rebuild from the raw bits.
        dense = cast(DenseIntOrFPElementsAttr, op.value)
        shape = tuple(cast(TensorType[Attribute], dense.type).get_shape())
        dtype = torch_dtype(cast(TensorType[Attribute], dense.type).element_type)
        raw = list(dense.data.data)
        return (
            f"torch.tensor({py_literal(raw)}, dtype=torch.uint8).view({dtype})"
            f".reshape({py_literal(shape)})"
        )
    raise Unsupported("string and sparse constants are not supported")
