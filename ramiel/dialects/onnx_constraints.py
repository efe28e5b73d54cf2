"""IRDL constraints for the operands, results and attribute kinds of `onnx` ops."""

from __future__ import annotations

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    UnrankedTensorType,
    f32,
    i64,
)
from xdsl.irdl import AnyAttr, base

from ramiel.dialects.onnx_types import OptType, SeqType

ONNX_VALUE = base(TensorType) | base(UnrankedTensorType) | base(SeqType) | base(OptType)
"""Any ONNX value: a tensor, a sequence or an optional."""

INT_ATTR = IntegerAttr.constr(i64)
FLOAT_ATTR = FloatAttr.constr(f32)
INTS_ATTR = DenseArrayBase.constr(i64)
FLOATS_ATTR = DenseArrayBase.constr(f32)
STRINGS_ATTR = ArrayAttr.constr(base(StringAttr))
TENSOR_ATTR = base(DenseIntOrFPElementsAttr) | base(DenseResourceAttr)
TENSORS_ATTR = ArrayAttr.constr(TENSOR_ATTR)
TYPE_ATTR = AnyAttr()
TYPES_ATTR = ArrayAttr.constr(AnyAttr())
