"""The `dataflow` dialect: `dataflow.weight`, `dataflow.cluster` and `dataflow.yield`, and
the ONNX names of what `dataflow.pool` computes."""

from __future__ import annotations

import pytest
from ir_helpers import assert_round_trips, parse_module, print_ir
from xdsl.context import Context
from xdsl.utils.exceptions import VerifyException

from ramiel.dialects.dataflow import ClusterOp, PoolOp, WeightOp

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


def _pool(name: str, mode: str, window: int, stride: int, pad: int, out: int, add: str) -> str:
    """A line of `dataflow.pool` over %x (1x16x7x7), `add` its addend (or empty)."""
    attrs = (
        f'mode = "{mode}", kernel_shape = array<i64: {window}, {window}>, '
        f"strides = array<i64: {stride}, {stride}>, pads = array<i64: {pad}, {pad}>, "
        "dilations = array<i64: 1, 1>"
    )
    operand = f"%x add {add}" if add else "%x"
    return (
        f"  %{name} = dataflow.pool {operand} {{{attrs}}} : tensor<1x16x7x7xf32> -> "
        f"tensor<1x16x{out}x{out}xf32>\n"
    )


POOLS = [
    # name, mode, window, stride, pad, output size, addend; the kind
    (("g", "average", 7, 1, 0, 1, ""), "GlobalAveragePool"),
    (("ga", "average", 7, 1, 0, 1, "%r"), "GlobalAveragePool+Add"),
    (("a", "average", 3, 1, 1, 7, ""), "AveragePool"),
    (("s", "average", 3, 2, 0, 3, ""), "AveragePool"),
    (("m", "max", 7, 1, 0, 1, ""), "MaxPool"),
]


def test_pool_kind_names_a_global_average(mlir_context: Context) -> None:
    """A window over the whole unpadded image with one output pixel is a
    GlobalAveragePool (the fuse pass's form of one); other averages are AveragePool."""
    text = (
        "func.func @main(%x: tensor<1x16x7x7xf32>, %r: tensor<1x16x1x1xf32>) {\n"
        + "".join(_pool(*args) for args, _ in POOLS)
        + "  func.return\n}\n"
    )
    module = parse_module(mlir_context, text)
    module.verify()
    kinds = [op.kind for op in module.walk() if isinstance(op, PoolOp)]
    assert kinds == [kind for _, kind in POOLS]
