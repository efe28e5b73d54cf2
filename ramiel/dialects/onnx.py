"""The `onnx` dialect: one op per ONNX operator, plus the terminator of subgraph regions."""

from __future__ import annotations

from collections.abc import Mapping

from xdsl.ir import Dialect, SSAValue
from xdsl.irdl import IRDLOperation, irdl_op_definition, traits_def, var_operand_def
from xdsl.traits import HasParent, IsTerminator, Pure

from ramiel.dialects.onnx_base import OnnxOp
from ramiel.dialects.onnx_constraints import ONNX_VALUE
from ramiel.dialects.onnx_ops import ONNX_OPS, IfOp, LoopOp, ScanOp, SequenceMapOp
from ramiel.dialects.onnx_types import OptType, SeqType, StringType


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Returns the outputs of an ONNX subgraph (the body of If, Loop, Scan or SequenceMap).

    ```mlir
    onnx.Yield %cond, %sum : tensor<i1>, tensor<2xf32>
    ```
    """

    name = "onnx.Yield"
    values = var_operand_def(ONNX_VALUE)
    traits = traits_def(IsTerminator(), HasParent(IfOp, LoopOp, ScanOp, SequenceMapOp), Pure())
    assembly_format = "attr-dict ($values^ `:` type($values))?"

    def __init__(self, *values: SSAValue) -> None:
        super().__init__(operands=[list(values)])


OP_CLASS_BY_ONNX_NAME: Mapping[str, type[OnnxOp]] = {op.SCHEMA.name: op for op in ONNX_OPS}
"""The one table from ONNX op type to op class; past the importer, code dispatches on classes."""

Onnx = Dialect("onnx", [*ONNX_OPS, YieldOp], [StringType, SeqType, OptType])
