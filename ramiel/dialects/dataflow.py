"""The `dataflow` dialect: the structure that Ramiel's passes create around `onnx` ops.

* `dataflow.weight` names a large tensor kept outside the IR (in a `.safetensors` file).
* `dataflow.cluster` is an isolated single-block region with explicit inputs and
  outputs: one unit of work that a worker runs from start to end.
* `dataflow.yield` returns a cluster's outputs.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import I64, IntegerAttr, StringAttr
from xdsl.ir import Attribute, Block, Dialect, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    lazy_traits_def,
    opt_attr_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import (
    HasParent,
    IsolatedFromAbove,
    IsTerminator,
    Pure,
    RecursivelySpeculatable,
    RecursiveMemoryEffect,
)
from xdsl.utils.exceptions import VerifyException

from ramiel.dialects.onnx_constraints import ONNX_VALUE

WEIGHTS_FILE_ATTR = "dataflow.weights"
"""Module attribute naming the file that holds the module's weights, relative to the IR file."""


@irdl_op_definition
class WeightOp(IRDLOperation):
    """A weight tensor stored outside the IR, referenced by name; its type gives dtype and shape.

    ```mlir
    %w = dataflow.weight "conv1/7x7_s2_w_0" : tensor<64x3x7x7xf32>
    ```
    """

    name = "dataflow.weight"
    key = prop_def(StringAttr)
    result = result_def(ONNX_VALUE)
    traits = traits_def(Pure())
    assembly_format = "$key attr-dict `:` type($result)"

    def __init__(self, key: str, result_type: Attribute) -> None:
        super().__init__(properties={"key": StringAttr(key)}, result_types=[result_type])


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Returns the outputs of a `dataflow.cluster`.

    ```mlir
    dataflow.yield %a, %b : tensor<4xf32>, tensor<4xf32>
    ```
    """

    name = "dataflow.yield"
    values = var_operand_def(ONNX_VALUE)
    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(ClusterOp), Pure()))
    assembly_format = "attr-dict ($values^ `:` type($values))?"

    def __init__(self, values: Sequence[SSAValue]) -> None:
        super().__init__(operands=[values])


@irdl_op_definition
class ClusterOp(IRDLOperation):
    """A group of ops that one worker runs in order, isolated from the enclosing region.

    Its operands are the values the cluster reads from outside, bound to the
    entry block's arguments; its results are the values it yields. A cluster
    whose results are unused and whose ops are pure is removed by DCE. `worker`
    names the thread that runs it: one worker runs its clusters in block order.

    ```mlir
    %y = dataflow.cluster(%x) {worker = 1 : i64} : (tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%a: tensor<4xf32>):
      %r = onnx.Relu(%a) : (tensor<4xf32>) -> tensor<4xf32>
      dataflow.yield %r : tensor<4xf32>
    }
    ```
    """

    name = "dataflow.cluster"
    inputs = var_operand_def(ONNX_VALUE)
    outputs = var_result_def(ONNX_VALUE)
    body = region_def("single_block")
    worker = opt_attr_def(IntegerAttr[I64])
    traits = traits_def(IsolatedFromAbove(), RecursiveMemoryEffect(), RecursivelySpeculatable())
    assembly_format = "`(` $inputs `)` attr-dict `:` functional-type($inputs, $outputs) $body"

    def __init__(
        self,
        inputs: Sequence[SSAValue],
        result_types: Sequence[Attribute],
        body: Region,
        worker: int | None = None,
    ) -> None:
        attributes: dict[str, Attribute] = {}
        if worker is not None:
            attributes["worker"] = IntegerAttr(worker, 64)
        super().__init__(
            operands=[inputs], result_types=[result_types], regions=[body], attributes=attributes
        )

    @property
    def worker_index(self) -> int:
        """The worker that runs this cluster (0 when unassigned)."""
        return 0 if self.worker is None else self.worker.value.data

    @property
    def block(self) -> Block:
        """The cluster's only block."""
        return self.body.block

    def verify_(self) -> None:
        block = self.block
        arg_types = tuple(arg.type for arg in block.args)
        if arg_types != tuple(self.inputs.types):
            raise VerifyException(
                "'dataflow.cluster' op block argument types "
                f"({', '.join(map(str, arg_types))}) do not match its input types "
                f"({', '.join(map(str, self.inputs.types))})"
            )
        terminator = block.last_op
        if not isinstance(terminator, YieldOp):
            raise VerifyException("'dataflow.cluster' op must end with 'dataflow.yield'")
        if tuple(terminator.values.types) != tuple(self.outputs.types):
            raise VerifyException(
                "'dataflow.cluster' op yields "
                f"({', '.join(map(str, terminator.values.types))}) but its result types are "
                f"({', '.join(map(str, self.outputs.types))})"
            )


Dataflow = Dialect("dataflow", [WeightOp, ClusterOp, YieldOp])
