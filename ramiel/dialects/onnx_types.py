"""Types of the `onnx` dialect and the mapping between ONNX and MLIR types.

Tensors use the builtin `tensor<...>` type; the element types follow onnx-mlir
(`i64` for int64, `ui8` for uint8, `i1` for bool). ONNX values that are not
tensors get dialect types: `!onnx.string` (element type of string tensors),
`!onnx.seq<T>` (sequence) and `!onnx.opt<T>` (optional).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
from onnx import TensorProto
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    BFloat16Type,
    ComplexType,
    Float4E2M1FNType,
    Float6E2M3FNType,
    Float6E3M2FNType,
    Float8E4M3FNType,
    Float8E4M3FNUZType,
    Float8E5M2FNUZType,
    Float8E5M2Type,
    Float8E8M0FNUType,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    Signedness,
    TensorType,
    UnrankedTensorType,
)
from xdsl.ir import Attribute, ParametrizedAttribute, TypeAttribute
from xdsl.irdl import irdl_attr_definition


@irdl_attr_definition
class StringType(ParametrizedAttribute, TypeAttribute):
    """Element type of ONNX string tensors: `tensor<2x!onnx.string>`."""

    name = "onnx.string"


@irdl_attr_definition
class SeqType(ParametrizedAttribute, TypeAttribute):
    """An ONNX sequence of values of one type: `!onnx.seq<tensor<?xf32>>`."""

    name = "onnx.seq"
    element_type: Attribute


@irdl_attr_definition
class OptType(ParametrizedAttribute, TypeAttribute):
    """An ONNX optional value, possibly empty: `!onnx.opt<tensor<3xf32>>`."""

    name = "onnx.opt"
    element_type: Attribute


def _ui(width: int) -> IntegerType:
    return IntegerType(width, Signedness.UNSIGNED)


# ONNX TensorProto.DataType -> (MLIR element type, ONNX type name).
_ELEMENT_TYPES: dict[int, tuple[Attribute, str]] = {
    TensorProto.FLOAT: (Float32Type(), "float"),
    TensorProto.UINT8: (_ui(8), "uint8"),
    TensorProto.INT8: (IntegerType(8), "int8"),
    TensorProto.UINT16: (_ui(16), "uint16"),
    TensorProto.INT16: (IntegerType(16), "int16"),
    TensorProto.INT32: (IntegerType(32), "int32"),
    TensorProto.INT64: (IntegerType(64), "int64"),
    TensorProto.STRING: (StringType(), "string"),
    TensorProto.BOOL: (IntegerType(1), "bool"),
    TensorProto.FLOAT16: (Float16Type(), "float16"),
    TensorProto.DOUBLE: (Float64Type(), "double"),
    TensorProto.UINT32: (_ui(32), "uint32"),
    TensorProto.UINT64: (_ui(64), "uint64"),
    TensorProto.COMPLEX64: (ComplexType(Float32Type()), "complex64"),
    TensorProto.COMPLEX128: (ComplexType(Float64Type()), "complex128"),
    TensorProto.BFLOAT16: (BFloat16Type(), "bfloat16"),
    TensorProto.FLOAT8E4M3FN: (Float8E4M3FNType(), "float8e4m3fn"),
    TensorProto.FLOAT8E4M3FNUZ: (Float8E4M3FNUZType(), "float8e4m3fnuz"),
    TensorProto.FLOAT8E5M2: (Float8E5M2Type(), "float8e5m2"),
    TensorProto.FLOAT8E5M2FNUZ: (Float8E5M2FNUZType(), "float8e5m2fnuz"),
    TensorProto.UINT4: (_ui(4), "uint4"),
    TensorProto.INT4: (IntegerType(4), "int4"),
    TensorProto.FLOAT4E2M1: (Float4E2M1FNType(), "float4e2m1"),
    TensorProto.FLOAT8E8M0: (Float8E8M0FNUType(), "float8e8m0"),
    TensorProto.UINT2: (_ui(2), "uint2"),
    TensorProto.INT2: (IntegerType(2), "int2"),
    TensorProto.FLOAT6E2M3: (Float6E2M3FNType(), "float6e2m3"),
    TensorProto.FLOAT6E3M2: (Float6E3M2FNType(), "float6e3m2"),
}

_ONNX_NAME_OF: dict[Attribute, str] = {t: n for t, n in _ELEMENT_TYPES.values()}
_DATA_TYPE_OF: dict[Attribute, int] = {t: dt for dt, (t, _) in _ELEMENT_TYPES.items()}

# Element types whose values numpy holds natively (weights and inline constants).
_NUMPY_DTYPES: dict[int, np.dtype[np.generic]] = {
    TensorProto.FLOAT: np.dtype(np.float32),
    TensorProto.DOUBLE: np.dtype(np.float64),
    TensorProto.FLOAT16: np.dtype(np.float16),
    TensorProto.INT8: np.dtype(np.int8),
    TensorProto.INT16: np.dtype(np.int16),
    TensorProto.INT32: np.dtype(np.int32),
    TensorProto.INT64: np.dtype(np.int64),
    TensorProto.UINT8: np.dtype(np.uint8),
    TensorProto.UINT16: np.dtype(np.uint16),
    TensorProto.UINT32: np.dtype(np.uint32),
    TensorProto.UINT64: np.dtype(np.uint64),
    TensorProto.BOOL: np.dtype(np.bool_),
    TensorProto.COMPLEX64: np.dtype(np.complex64),
    TensorProto.COMPLEX128: np.dtype(np.complex128),
}


_KNOWN_DATA_TYPES = frozenset(TensorProto.DataType.values())


class UnsupportedTypeError(ValueError):
    """An ONNX type that the `onnx` dialect cannot represent."""


def element_type_from_onnx(data_type: int) -> Attribute:
    """The MLIR element type of an ONNX `TensorProto.DataType`."""
    try:
        return _ELEMENT_TYPES[data_type][0]
    except KeyError:
        name = TensorProto.DataType.Name(data_type) if data_type in _KNOWN_DATA_TYPES else data_type
        raise UnsupportedTypeError(f"unsupported ONNX element type {name}") from None


def onnx_data_type(element_type: Attribute) -> int:
    """The ONNX `TensorProto.DataType` of an MLIR element type."""
    try:
        return _DATA_TYPE_OF[element_type]
    except KeyError:
        raise UnsupportedTypeError(f"element type {element_type} has no ONNX equivalent") from None


def numpy_dtype(element_type: Attribute) -> np.dtype[np.generic] | None:
    """The numpy dtype holding values of `element_type`, if numpy has one."""
    data_type = _DATA_TYPE_OF.get(element_type)
    return None if data_type is None else _NUMPY_DTYPES.get(data_type)


def tensor_type(element_type: Attribute, shape: Sequence[int | None] | None) -> Attribute:
    """`tensor<shape x element_type>`; `None` dims are dynamic, a `None` shape is unranked."""
    if shape is None:
        return UnrankedTensorType(element_type)
    return TensorType(element_type, [DYNAMIC_INDEX if d is None or d < 0 else d for d in shape])


def onnx_type_name(value_type: Attribute) -> str | None:
    """The ONNX type string of an MLIR type (`tensor(float)`, `seq(tensor(int64))`), if any."""
    if isinstance(value_type, TensorType | UnrankedTensorType):
        shaped = cast(TensorType[Attribute] | UnrankedTensorType[Attribute], value_type)
        element_name = _ONNX_NAME_OF.get(shaped.element_type)
        return None if element_name is None else f"tensor({element_name})"
    if isinstance(value_type, SeqType):
        inner = onnx_type_name(value_type.element_type)
        return None if inner is None else f"seq({inner})"
    if isinstance(value_type, OptType):
        inner = onnx_type_name(value_type.element_type)
        return None if inner is None else f"optional({inner})"
    return None
