"""The canonicalize pass on whole models: outputs are unchanged, the graph gets smaller.

A hypothesis property test builds random small graphs mixing foldable ops on constants
with ops on the graph input, and checks that the compiled model gives the same outputs
with and without canonicalization.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

import ramiel
from ramiel.dialects.context import ir_context
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.dialects.onnx_ops import BatchNormalizationOp, ShapeOp
from ramiel.importer.onnx_importer import import_model
from ramiel.passes.canonicalize import CanonicalizePass
from ramiel.testing.models import export, inception_example, run_onnxruntime
from ramiel.weights import attach_weights

SHAPE = (2, 3)
UNARY = ("Relu", "Neg", "Abs", "Sigmoid", "Identity", "Exp")
BINARY = ("Add", "Mul", "Sub", "Max", "Min")


@st.composite
def random_graphs(draw: st.DrawFn) -> tuple[onnx.ModelProto, np.ndarray]:
    """A graph of up to 12 elementwise and layout ops over an input and constants."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    initializers: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []
    values = ["x"]
    constant_count = draw(st.integers(1, 3))
    for index in range(constant_count):
        name = f"c{index}"
        array = rng.standard_normal(SHAPE).astype(np.float32)
        initializers.append(numpy_helper.from_array(array, name))
        values.append(name)
    for index in range(draw(st.integers(1, 12))):
        out = f"v{index}"
        kind = draw(st.sampled_from(("unary", "binary", "transpose2", "reshape_back")))
        if kind == "unary":
            op = draw(st.sampled_from(UNARY))
            nodes.append(helper.make_node(op, [draw(st.sampled_from(values))], [out]))
        elif kind == "binary":
            op = draw(st.sampled_from(BINARY))
            a, b = draw(st.sampled_from(values)), draw(st.sampled_from(values))
            nodes.append(helper.make_node(op, [a, b], [out]))
        elif kind == "transpose2":
            # Two transposes that compose to the identity.
            source = draw(st.sampled_from(values))
            nodes.append(helper.make_node("Transpose", [source], [f"{out}_t"], perm=[1, 0]))
            nodes.append(helper.make_node("Transpose", [f"{out}_t"], [out], perm=[1, 0]))
        else:
            source = draw(st.sampled_from(values))
            shape_name = f"{out}_s"
            initializers.append(numpy_helper.from_array(np.array([3, 2], np.int64), shape_name))
            back = f"{out}_b"
            initializers.append(numpy_helper.from_array(np.array(SHAPE, np.int64), back))
            nodes.append(helper.make_node("Reshape", [source, shape_name], [f"{out}_r"]))
            nodes.append(helper.make_node("Reshape", [f"{out}_r", back], [out]))
        values.append(out)
    outputs = [values[-1]] + ([values[-2]] if draw(st.booleans()) and len(values) > 2 else [])
    graph = helper.make_graph(
        nodes,
        "random",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(SHAPE))],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, list(SHAPE)) for o in outputs],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    return model, rng.standard_normal(SHAPE).astype(np.float32)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_canonicalization_keeps_outputs(case: tuple[onnx.ModelProto, np.ndarray]) -> None:
    model, x = case
    plain = ramiel.compile(model, canonicalize=False)
    canonical = ramiel.compile(model, canonicalize=True)
    with torch.no_grad():
        before = plain(torch.as_tensor(x))
        after = canonical(torch.as_tensor(x))
    assert len(before) == len(after)
    for b, a in zip(before, after, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)


def _canonicalized_ops(model: onnx.ModelProto) -> list[OnnxOp]:
    imported = import_model(model)
    attach_weights(imported.module, imported.weights)
    CanonicalizePass().apply(ir_context(), imported.module)
    return [op for op in imported.module.walk() if isinstance(op, OnnxOp)]


@pytest.fixture(scope="module")
def unoptimized_cnn() -> tuple[onnx.ModelProto, torch.Tensor]:
    module, (x,) = inception_example()
    return export(module, (x,), dynamo=True, optimize=False), x


def test_exported_cnn_loses_shape_arithmetic_and_keeps_its_outputs(
    unoptimized_cnn: tuple[onnx.ModelProto, torch.Tensor],
) -> None:
    model, x = unoptimized_cnn
    ops = _canonicalized_ops(model)
    assert not [op for op in ops if isinstance(op, ShapeOp)]
    before = len([n for n in model.graph.node])
    assert len(ops) < before
    with torch.no_grad():
        (plain,) = ramiel.compile(model, canonicalize=False)(x)
        (canonical,) = ramiel.compile(model)(x)
    torch.testing.assert_close(canonical, plain, rtol=1e-4, atol=1e-5)


def test_batch_norm_after_conv_is_folded(
    unoptimized_cnn: tuple[onnx.ModelProto, torch.Tensor],
) -> None:
    model, _ = unoptimized_cnn
    assert any(n.op_type == "BatchNormalization" for n in model.graph.node)
    assert not [op for op in _canonicalized_ops(model) if isinstance(op, BatchNormalizationOp)]


def _caffe2_style_block() -> onnx.ModelProto:
    """Conv -> Mul -> Add -> Relu, then BN -> Mul -> Add -> Relu -> Conv, the per-channel
    constants shaped [C, 1, 1] as Caffe2 exports write them (DenseNet-121 in the light zoo)."""
    rng = np.random.default_rng(7)
    c = 8

    def const(name: str, shape: tuple[int, ...], low: float = -1.0) -> onnx.TensorProto:
        array = rng.uniform(low, 1.0, shape).astype(np.float32)
        return numpy_helper.from_array(array, name)

    initializers = [
        const("w0", (c, 3, 3, 3)),
        const("k0", (c, 1, 1)),
        const("t0", (c, 1, 1)),
        const("gamma", (c,)),
        const("beta", (c,)),
        const("mean", (c,)),
        const("var", (c,), low=0.5),
        const("k1", (1, c, 1, 1)),
        const("t1", ()),
        const("w1", (c, c, 1, 1)),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w0"], ["c0"], pads=[1, 1, 1, 1]),
        helper.make_node("Mul", ["c0", "k0"], ["m0"]),
        helper.make_node("Add", ["t0", "m0"], ["a0"]),
        helper.make_node("Relu", ["a0"], ["r0"]),
        helper.make_node("BatchNormalization", ["r0", "gamma", "beta", "mean", "var"], ["b1"]),
        helper.make_node("Mul", ["b1", "k1"], ["m1"]),
        helper.make_node("Add", ["m1", "t1"], ["a1"]),
        helper.make_node("Relu", ["a1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w1"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "caffe2_style",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, c, 6, 6])],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)], ir_version=8)


def test_per_channel_mul_and_add_fold_into_conv_and_batch_norm() -> None:
    model = _caffe2_style_block()
    kinds = [type(op).__name__ for op in _canonicalized_ops(model)]
    assert "MulOp" not in kinds and "AddOp" not in kinds
    assert kinds.count("ConvOp") == 2 and kinds.count("BatchNormalizationOp") == 1
    x = np.random.default_rng(8).standard_normal((1, 3, 6, 6)).astype(np.float32)
    (expected,) = run_onnxruntime(model, [x])
    with torch.no_grad():
        (got,) = ramiel.compile(model)(torch.as_tensor(x))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-3, atol=1e-5)
