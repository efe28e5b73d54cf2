"""Canonicalization patterns: constants."""

from __future__ import annotations

from typing import cast

from xdsl.dialects.builtin import AnyDenseElement, TensorType
from xdsl.ir import Attribute
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from ramiel.dialects.onnx_ops import ConstantOp
from ramiel.importer.onnx_importer import OnnxImportError, dense_attr
from ramiel.ops.constants import constant_value

_SCALAR_FORMS = ("value_float", "value_floats", "value_int", "value_ints")


class NormalizeConstantValue(RewritePattern):
    """Constant{value_float | value_floats | value_int | value_ints = v} = Constant{value = v}.

    The value becomes a dense attribute of the result type, the one form that
    folding and the printer read first. Does not fire on `value` (already
    normal), string or sparse constants, or when the result type is not a
    static tensor of the value's shape.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ConstantOp, rewriter: PatternRewriter) -> None:
        if op.value is not None or all(op.properties.get(n) is None for n in _SCALAR_FORMS):
            return
        result_type: Attribute = op.output.type
        if not isinstance(result_type, TensorType):
            return
        tensor_type = cast(TensorType[AnyDenseElement], result_type)
        array = constant_value(op)
        if array is None or tuple(tensor_type.get_shape()) != array.shape:
            return
        try:
            value = dense_attr(tensor_type, array, "constant")
        except OnnxImportError:
            return
        new = ConstantOp.build(result_types=[tensor_type], properties={"value": value})
        new.location = op.location
        rewriter.replace(op, new)


PATTERNS: tuple[RewritePattern, ...] = (NormalizeConstantValue(),)
