"""The `dataflow` dialect: `dataflow.weight`, `dataflow.cluster` and `dataflow.yield`."""

from __future__ import annotations

import pytest
from ir_helpers import assert_round_trips, parse_module, print_ir
from xdsl.context import Context
from xdsl.utils.exceptions import VerifyException

from ramiel.dialects.dataflow import ClusterOp, WeightOp

GOOD = """
builtin.module attributes {dataflow.weights = "m.weights.safetensors"} {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    %w = dataflow.weight "layer/w" : tensor<4xf32>
    %y = dataflow.cluster(%x, %w) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%a: tensor<4xf32>, %b: tensor<4xf32>):
      %s = onnx.Add(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
      %r = onnx.Relu(%s) : (tensor<4xf32>) -> tensor<4xf32>
      dataflow.yield %r : tensor<4xf32>
    }
    func.return %y : tensor<4xf32>
  }
}
"""


def _cluster_module(signature: str, body: str) -> str:
    return (
        "func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
        f"  %y = dataflow.cluster(%x) : {signature} {{\n"
        "  ^bb0(%a: tensor<4xf32>):\n"
        f"{body}"
        "  }\n"
        "  func.return %y : tensor<4xf32>\n"
        "}\n"
    )


def test_weight_and_cluster_round_trip(mlir_context: Context) -> None:
    module = parse_module(mlir_context, GOOD)
    module.verify()
    weight = next(op for op in module.walk() if isinstance(op, WeightOp))
    assert weight.key.data == "layer/w"
    cluster = next(op for op in module.walk() if isinstance(op, ClusterOp))
    assert [op.name for op in cluster.block.ops] == ["onnx.Add", "onnx.Relu", "dataflow.yield"]
    assert 'dataflow.weight "layer/w" : tensor<4xf32>' in print_ir(module)
    assert_round_trips(mlir_context, module)


def test_weight_op_builder() -> None:
    from xdsl.dialects.builtin import TensorType, f32

    op = WeightOp("k", TensorType(f32, [2, 3]))
    op.verify()
    assert op.key.data == "k" and op.result.type == TensorType(f32, [2, 3])


@pytest.mark.parametrize(
    ("signature", "body", "message"),
    [
        (
            "(tensor<4xf32>) -> tensor<4xf32>",
            "    %r = onnx.Relu(%a) : (tensor<4xf32>) -> tensor<4xf32>\n"
            "    dataflow.yield %r, %r : tensor<4xf32>, tensor<4xf32>\n",
            "'dataflow.cluster' op yields (tensor<4xf32>, tensor<4xf32>) but its result types "
            "are (tensor<4xf32>)",
        ),
        (
            "(tensor<4xf32>) -> tensor<4xf32>",
            "    %r = onnx.Relu(%x) : (tensor<4xf32>) -> tensor<4xf32>\n"
            "    dataflow.yield %r : tensor<4xf32>\n",
            "isolated",
        ),
    ],
    ids=["yield-types", "isolated-from-above"],
)
def test_cluster_verifier(signature: str, body: str, message: str, mlir_context: Context) -> None:
    module = parse_module(mlir_context, _cluster_module(signature, body))
    with pytest.raises(VerifyException) as info:
        module.verify()
    assert message.lower() in str(info.value).lower()


def test_cluster_block_arguments_must_match_inputs(mlir_context: Context) -> None:
    text = (
        "func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
        "  %y = dataflow.cluster(%x) : (tensor<4xf32>) -> tensor<4xf32> {\n"
        "  ^bb0(%a: tensor<4xi64>):\n"
        "    %c = onnx.Constant() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>\n"
        "    dataflow.yield %c : tensor<4xf32>\n"
        "  }\n"
        "  func.return %y : tensor<4xf32>\n"
        "}\n"
    )
    module = parse_module(mlir_context, text)
    with pytest.raises(VerifyException, match="block argument types"):
        module.verify()
