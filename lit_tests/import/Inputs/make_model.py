"""Write a small ONNX model for the import lit tests.

    python make_model.py [--truncate] NAME OUT.onnx

NAME picks one of the builders in MODELS; `--truncate` writes only the first
half of the serialized model (an unreadable file). Models are built with
`onnx.helper` only, so the tests need no network and no model zoo.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64


def _model(graph: onnx.GraphProto, opset: int, **kwargs: object) -> onnx.ModelProto:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], **kwargs)
    # Old opsets need an IR version they existed with; the checker is strict about it.
    model.ir_version = min(model.ir_version, 8)
    return model


def _info(name: str, elem_type: int, shape: list[int | str | None]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem_type, shape)


def conv_net() -> onnx.ModelProto:
    """Conv -> Relu -> MaxPool -> Flatten -> Gemm, opset 17.

    The two weight matrices (18 and 24 elements) exceed the importer's inline
    limit and become weights; the biases stay inline constants.
    """
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.standard_normal((2, 1, 3, 3), dtype=np.float32), "conv.weight"),
        numpy_helper.from_array(np.array([0.5, -0.5], dtype=np.float32), "conv.bias"),
        numpy_helper.from_array(rng.standard_normal((3, 8), dtype=np.float32), "fc.weight"),
        numpy_helper.from_array(np.zeros(3, dtype=np.float32), "fc.bias"),
    ]
    nodes = [
        helper.make_node(
            "Conv",
            ["input", "conv.weight", "conv.bias"],
            ["conv_out"],
            name="conv",
            kernel_shape=[3, 3],
            pads=[1, 1, 1, 1],
        ),
        helper.make_node("Relu", ["conv_out"], ["relu_out"], name="relu"),
        helper.make_node(
            "MaxPool", ["relu_out"], ["pool_out"], name="pool", kernel_shape=[2, 2], strides=[2, 2]
        ),
        helper.make_node("Flatten", ["pool_out"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "conv_net", [_info("input", F, [1, 1, 4, 4])], [_info("logits", F, [1, 3])], inits
    )
    return _model(graph, 17)


def opset9() -> onnx.ModelProto:
    """Ops whose opset-9 form differs from the current schema (attributes that became inputs)."""
    nodes = [
        helper.make_node("Unsqueeze", ["x"], ["unsq"], name="unsqueeze", axes=[0]),
        helper.make_node("Squeeze", ["unsq"], ["sq"], name="squeeze", axes=[0]),
        helper.make_node("Softmax", ["sq"], ["soft"], name="softmax", axis=1),
        helper.make_node("Clip", ["soft"], ["clip"], name="clip", min=0.25, max=0.75),
        helper.make_node("Pad", ["clip"], ["pad"], name="pad", pads=[0, 1, 0, 0, 1, 0], value=2.0),
        helper.make_node("Slice", ["pad"], ["slice"], name="slice", starts=[1], ends=[3], axes=[1]),
        helper.make_node("TopK", ["x"], ["values", "indices"], name="topk", k=2),
        helper.make_node("ReduceMean", ["x"], ["mean"], name="mean", axes=[2], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "opset9",
        [_info("x", F, [2, 3, 4])],
        [
            _info("slice", F, [2, 2, 4]),
            _info("values", F, [2, 3, 2]),
            _info("indices", I64, [2, 3, 2]),
            _info("mean", F, [2, 3]),
        ],
    )
    return _model(graph, 9)


def opset7() -> onnx.ModelProto:
    """Upsample with a `scales` attribute and BatchNormalization with `spatial`, opset 7."""
    stats = [
        numpy_helper.from_array(np.full(2, v, dtype=np.float32), name)
        for name, v in (("scale", 1.0), ("bias", 0.0), ("mean", 0.0), ("var", 1.0))
    ]
    nodes = [
        helper.make_node("Upsample", ["img"], ["up"], name="upsample", scales=[1.0, 1.0, 2.0, 2.0]),
        helper.make_node(
            "BatchNormalization",
            ["up", "scale", "bias", "mean", "var"],
            ["bn"],
            name="bn",
            epsilon=1e-3,
            spatial=1,
        ),
    ]
    graph = helper.make_graph(
        nodes, "opset7", [_info("img", F, [1, 2, 2, 2])], [_info("bn", F, [1, 2, 4, 4])], stats
    )
    return _model(graph, 7)


def opset11() -> onnx.ModelProto:
    """Split with a `split` attribute, Softmax on the last and on a non-last axis, ReduceSum
    with an `axes` attribute (all opset 11)."""
    nodes = [
        helper.make_node("Split", ["x"], ["a", "b"], name="split", axis=1, split=[1, 2]),
        helper.make_node("Softmax", ["b"], ["soft"], name="softmax", axis=-1),
        helper.make_node("Softmax", ["x"], ["soft0"], name="softmax0", axis=0),
        helper.make_node("ReduceSum", ["x"], ["sum"], name="sum", axes=[1], keepdims=1),
    ]
    graph = helper.make_graph(
        nodes,
        "opset11",
        [_info("x", F, [2, 3])],
        [
            _info("a", F, [2, 1]),
            _info("soft", F, [2, 2]),
            _info("soft0", F, [2, 3]),
            _info("sum", F, [2, 1]),
        ],
    )
    return _model(graph, 11)


def resize10() -> onnx.ModelProto:
    """Resize opset 10: (X, scales) moves to (X, roi, scales) with asymmetric coordinates."""
    scales = numpy_helper.from_array(np.array([1.0, 1.0, 2.0, 2.0], dtype=np.float32), "scales")
    nodes = [helper.make_node("Resize", ["x", "scales"], ["y"], name="resize", mode="nearest")]
    graph = helper.make_graph(
        nodes, "resize10", [_info("x", F, [1, 1, 2, 2])], [_info("y", F, [1, 1, 4, 4])], [scales]
    )
    return _model(graph, 10)


def if_model() -> onnx.ModelProto:
    """An If whose branches read an outer value and return tensors of the same type."""
    then_graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["then_out"], name="then_relu")],
        "then_graph",
        [],
        [_info("then_out", F, [2])],
    )
    else_graph = helper.make_graph(
        [helper.make_node("Neg", ["x"], ["else_out"], name="else_neg")],
        "else_graph",
        [],
        [_info("else_out", F, [2])],
    )
    nodes = [
        helper.make_node(
            "If", ["cond"], ["y"], name="branch", then_branch=then_graph, else_branch=else_graph
        ),
    ]
    graph = helper.make_graph(
        nodes,
        "if_model",
        [_info("cond", TensorProto.BOOL, []), _info("x", F, [2])],
        [_info("y", F, [2])],
    )
    return _model(graph, 17)


def loop_model() -> onnx.ModelProto:
    """A Loop running `M` times, adding `x` to a carried sum and scanning it out."""
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"], name="keep_going"),
            helper.make_node("Add", ["sum_in", "x"], ["sum_out"], name="accumulate"),
            helper.make_node("Identity", ["sum_out"], ["scan_out"], name="emit"),
        ],
        "body",
        [_info("iter", I64, []), _info("cond_in", TensorProto.BOOL, []), _info("sum_in", F, [2])],
        [
            _info("cond_out", TensorProto.BOOL, []),
            _info("sum_out", F, [2]),
            _info("scan_out", F, [2]),
        ],
    )
    nodes = [
        helper.make_node(
            "Loop", ["trip_count", "", "init"], ["final", "trace"], name="loop", body=body
        ),
    ]
    graph = helper.make_graph(
        nodes,
        "loop_model",
        [_info("trip_count", I64, []), _info("init", F, [2]), _info("x", F, [2])],
        [_info("final", F, [2]), _info("trace", F, [None, 2])],
    )
    return _model(graph, 17)


def big_weight() -> onnx.ModelProto:
    """MatMul by a 4x8 initializer (32 elements: above the inline limit, so a weight);
    the 3-element Reshape shape stays an inline constant."""
    weight = np.arange(32, dtype=np.float32).reshape(4, 8) / 4
    nodes = [
        helper.make_node("MatMul", ["x", "fc.weight"], ["y"], name="fc"),
        helper.make_node("Reshape", ["y", "shape"], ["z"], name="reshape"),
    ]
    graph = helper.make_graph(
        nodes,
        "big_weight",
        [_info("x", F, [2, 4])],
        [_info("z", F, [1, 2, 8])],
        [
            numpy_helper.from_array(weight, "fc.weight"),
            numpy_helper.from_array(np.array([1, 2, 8], dtype=np.int64), "shape"),
        ],
    )
    return _model(graph, 17)


def custom_domain() -> onnx.ModelProto:
    """A node of a domain Ramiel does not support."""
    nodes = [helper.make_node("Gelu", ["x"], ["y"], name="gelu0", domain="com.example")]
    graph = helper.make_graph(nodes, "custom", [_info("x", F, [2])], [_info("y", F, [2])])
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)],
    )
    return model


def relu() -> onnx.ModelProto:
    """The smallest valid model."""
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    graph = helper.make_graph(nodes, "relu", [_info("x", F, [2])], [_info("y", F, [2])])
    return _model(graph, 17)


def old_opset() -> onnx.ModelProto:
    """A model of opset 6, older than Ramiel supports."""
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    graph = helper.make_graph(nodes, "old", [_info("x", F, [2])], [_info("y", F, [2])])
    return _model(graph, 6)


MODELS: dict[str, Callable[[], onnx.ModelProto]] = {
    "conv_net": conv_net,
    "opset7": opset7,
    "opset9": opset9,
    "opset11": opset11,
    "resize10": resize10,
    "if": if_model,
    "loop": loop_model,
    "big_weight": big_weight,
    "custom_domain": custom_domain,
    "relu": relu,
    "old_opset": old_opset,
}


def main() -> None:
    truncate = "--truncate" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--truncate"]
    if len(args) != 2 or args[0] not in MODELS:
        sys.exit(f"usage: make_model.py [--truncate] {{{','.join(MODELS)}}} OUT.onnx")
    data = MODELS[args[0]]().SerializeToString()
    if truncate:
        data = data[: len(data) // 2]
    with open(args[1], "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
