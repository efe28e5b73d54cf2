"""The analytic cost model: the work of ops computed by hand, every op class costed, and the
calibration file.

Ops are built by importing small ONNX models; their FLOPs and bytes are checked against
the formulas worked out by hand in each test. Costs are only compared with each other
and with the calibration's own rates: no wall-clock time is measured here.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import pytest
from onnx import ModelProto, NodeProto, TensorProto, helper, numpy_helper
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from ramiel.conformance import collect_cases
from ramiel.dialects import onnx_ops as ops
from ramiel.dialects.context import ir_context
from ramiel.dialects.dataflow import ConvOp as KernelConvOp
from ramiel.dialects.dataflow import WeightOp
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.importer.errors import OnnxImportError
from ramiel.importer.onnx_importer import import_model
from ramiel.passes.analytic_cost import (
    CALIBRATION_FILE,
    KINDS,
    Calibration,
    Rates,
    Work,
    analytic_cost_us,
    load_calibration,
    op_work,
)
from ramiel.passes.canonicalize import CanonicalizePass
from ramiel.passes.cluster import main_function
from ramiel.passes.fuse import FusePass
from ramiel.testing.models import LIGHT_MODELS, light_model_path, load_onnx
from ramiel.weights import attach_weights

F = TensorProto.FLOAT
I64 = TensorProto.INT64
BOOL = TensorProto.BOOL

_OpT = TypeVar("_OpT", bound=Operation)

Shape = Sequence[int | str | None] | None


def _model(
    nodes: Sequence[NodeProto],
    inputs: Sequence[tuple[str, int, Shape]],
    outputs: Sequence[str],
    initializers: Sequence[TensorProto] = (),
    opset: int = 18,
) -> ModelProto:
    """A model whose output types are left to shape inference."""
    graph = helper.make_graph(
        list(nodes),
        "g",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in outputs],
        list(initializers),
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=10)


def _import(model: ModelProto) -> ModuleOp:
    module = import_model(model).module
    module.verify()
    return module


def _the(module: ModuleOp, op_class: type[_OpT]) -> _OpT:
    found = [op for op in module.walk() if isinstance(op, op_class)]
    assert len(found) == 1, f"{len(found)} {op_class.__name__} ops"
    return found[0]


def _single(
    op_type: str,
    inputs: Sequence[tuple[str, int, Shape]],
    attrs: dict[str, Any] | None = None,
    initializers: Sequence[TensorProto] = (),
    outputs: int = 1,
) -> ModuleOp:
    names = [n for n, _, _ in inputs] + [t.name for t in initializers]
    out = [f"y{i}" for i in range(outputs)]
    node = helper.make_node(op_type, names, out, **(attrs or {}))
    return _import(_model([node], inputs, out, initializers))


@pytest.fixture(scope="module")
def calibration() -> Calibration:
    return load_calibration()


# ---- work of hand-computed cases ------------------------------------------------------------


def test_conv_flops_and_bytes() -> None:
    # Y is 1x4x8x8: every output element is a dot product of Cin * kh * kw = 3 * 3 * 3.
    module = _single(
        "Conv",
        [("x", F, [1, 3, 8, 8]), ("w", F, [4, 3, 3, 3]), ("b", F, [4])],
        {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]},
    )
    work = op_work(_the(module, ops.ConvOp))
    assert work.kind == "conv"
    assert work.flops == 2 * 1 * 4 * (8 * 8) * 3 * (3 * 3)
    assert work.bytes == 4 * (1 * 3 * 8 * 8 + 4 * 3 * 3 * 3 + 4 + 1 * 4 * 8 * 8)


def test_strided_conv_counts_output_positions() -> None:
    # 9x9 input, 3x3 kernel, stride 2, no padding: 4x4 outputs.
    module = _single(
        "Conv",
        [("x", F, [1, 3, 9, 9]), ("w", F, [4, 3, 3, 3])],
        {"kernel_shape": [3, 3], "strides": [2, 2]},
    )
    assert op_work(_the(module, ops.ConvOp)).flops == 2 * 4 * (4 * 4) * 3 * 9


def test_depthwise_conv_is_its_own_kind() -> None:
    # groups = channels = 8: each output element reads one channel's 3x3 window.
    module = _single(
        "Conv",
        [("x", F, [1, 8, 10, 10]), ("w", F, [8, 1, 3, 3])],
        {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "group": 8},
    )
    work = op_work(_the(module, ops.ConvOp))
    assert work.kind == "conv_depthwise"
    assert work.flops == 2 * 8 * (10 * 10) * 1 * 9


def _fused(nodes: Sequence[NodeProto], initializers: Sequence[TensorProto]) -> ModuleOp:
    """A 1x16x8x8 model after canonicalize and fuse with every Ramiel kernel enabled."""
    imported = import_model(_model(nodes, [("x", F, [1, 16, 8, 8])], ["y"], initializers))
    module = imported.module
    attach_weights(module, imported.weights)
    CanonicalizePass().apply(ir_context(), module)
    FusePass(depthwise=True, pointwise=True, pool=True, affine=True).apply(ir_context(), module)
    return module


def test_ops_on_ramiel_kernels_have_kinds_of_their_own(calibration: Calibration) -> None:
    rng = np.random.default_rng(0)

    def tensor(name: str, *shape: int) -> TensorProto:
        return numpy_helper.from_array(rng.random(shape, np.float32) + 0.5, name)

    nodes = [
        helper.make_node("Conv", ["x", "dw"], ["a"], group=16, kernel_shape=[3, 3], pads=[1] * 4),
        helper.make_node("Conv", ["a", "pw"], ["b"], kernel_shape=[1, 1]),
        helper.make_node("MaxPool", ["b"], ["c"], kernel_shape=[3, 3], pads=[1] * 4),
        helper.make_node("BatchNormalization", ["c", "s", "t", "m", "v"], ["d"]),
        helper.make_node("Sigmoid", ["d"], ["y"]),
    ]
    weights = [tensor("dw", 16, 1, 3, 3), tensor("pw", 16, 16, 1, 1)]
    weights += [tensor(name, 16) for name in "stmv"]
    module = _fused(nodes, weights)
    ops_ = main_function(module).body.block.ops
    kinds = sorted(
        k for k in (op_work(op).kind for op in ops_) if k not in ("free", "data_movement")
    )
    assert kinds == [
        "elementwise",
        "native_affine",
        "native_depthwise",
        "native_pointwise",
        "native_pool",
    ]
    for kind in ("native_pointwise", "native_depthwise", "native_pool", "native_affine"):
        assert kind in KINDS
        assert calibration.rates_of(kind) is calibration.rates[kind]  # calibrated, not "other"


def test_winograd_conv_counts_the_products_it_makes() -> None:
    """A 3x3 convolution on the Winograd kernel: 16 products per 2x2 output tile and
    channel pair (2 * 16 * 16 tiles * 16 * 16 FLOPs at 8x8), at the pointwise rates."""
    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array(rng.random((16, 16, 3, 3), np.float32), "w3")
    nodes = [helper.make_node("Conv", ["x", "w3"], ["y"], kernel_shape=[3, 3], pads=[1] * 4)]
    imported = import_model(_model(nodes, [("x", F, [1, 16, 8, 8])], ["y"], [weight]))
    module = imported.module
    attach_weights(module, imported.weights)
    FusePass(winograd=True).apply(ir_context(), module)
    (conv,) = [op for op in main_function(module).body.block.ops if isinstance(op, KernelConvOp)]
    assert conv.on_winograd_kernel
    work = op_work(conv)
    assert work.kind == "native_pointwise"
    assert work.flops == 2 * 16 * 16 * 16 * 16


def test_grouped_conv_counts_channels_per_group() -> None:
    module = _single(
        "Conv",
        [("x", F, [1, 8, 10, 10]), ("w", F, [8, 4, 3, 3])],
        {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "group": 2},
    )
    work = op_work(_the(module, ops.ConvOp))
    assert work.kind == "conv"
    assert work.flops == 2 * 8 * (10 * 10) * (8 // 2) * 9


def test_conv_transpose_flops() -> None:
    # Every input element meets Cout/group * kh * kw = 4 * 3 * 3 weights.
    module = _single(
        "ConvTranspose",
        [("x", F, [1, 2, 3, 3]), ("w", F, [2, 4, 3, 3])],
        {"kernel_shape": [3, 3]},
    )
    work = op_work(_the(module, ops.ConvTransposeOp))
    assert work.kind == "conv"
    assert work.flops == 2 * (2 * 3 * 3) * 4 * 9


def test_batched_matmul_flops() -> None:
    module = _single("MatMul", [("a", F, [2, 3, 4, 5]), ("b", F, [2, 3, 5, 6])])
    work = op_work(_the(module, ops.MatMulOp))
    assert work.kind == "matmul"
    assert work.flops == 2 * (2 * 3) * 4 * 6 * 5
    assert work.bytes == 4 * (2 * 3 * 4 * 5 + 2 * 3 * 5 * 6 + 2 * 3 * 4 * 6)


def test_gemm_flops_with_transposed_b_and_bias() -> None:
    module = _single("Gemm", [("a", F, [1, 16]), ("b", F, [10, 16]), ("c", F, [10])], {"transB": 1})
    assert op_work(_the(module, ops.GemmOp)).flops == 2 * 1 * 10 * 16 + 10


def test_einsum_contraction_matches_matmul() -> None:
    einsum = _single(
        "Einsum", [("a", F, [2, 3, 4]), ("b", F, [2, 4, 5])], {"equation": "bij,bjk->bik"}
    )
    matmul = _single("MatMul", [("a", F, [2, 3, 4]), ("b", F, [2, 4, 5])])
    assert op_work(_the(einsum, ops.EinsumOp)).flops == 2 * 2 * 3 * 4 * 5
    assert op_work(_the(einsum, ops.EinsumOp)).flops == op_work(_the(matmul, ops.MatMulOp)).flops


def test_lstm_flops_are_gate_products_per_step() -> None:
    # seq 5, batch 1, input 3, hidden 4: per step W (16x3) and R (16x4) products, plus
    # the gate arithmetic on 16 gate values.
    module = _single(
        "LSTM",
        [("x", F, [5, 1, 3]), ("w", F, [1, 16, 3]), ("r", F, [1, 16, 4])],
        {"hidden_size": 4},
    )
    work = op_work(_the(module, ops.LSTMOp))
    assert work.kind == "recurrent"
    assert work.flops == 5 * (2 * (16 * 3 + 16 * 4) + 10 * 16)


def test_max_pool_reads_a_window_per_output_and_writes_indices() -> None:
    # 9x9, 3x3 window, stride 2: 4x4 outputs per channel; F.max_pool2d also writes int64
    # indices that the op does not return.
    module = _single(
        "MaxPool", [("x", F, [1, 4, 9, 9])], {"kernel_shape": [3, 3], "strides": [2, 2]}
    )
    work = op_work(_the(module, ops.MaxPoolOp))
    outputs = 4 * 4 * 4
    assert work == Work("max_pool", outputs * 9, 4 * (4 * 81 + outputs) + 8 * outputs)


def test_average_pool_has_its_own_rate() -> None:
    module = _single("AveragePool", [("x", F, [1, 4, 9, 9])], {"kernel_shape": [3, 3]})
    work = op_work(_the(module, ops.AveragePoolOp))
    assert work.kind == "avg_pool"
    assert work.flops == (4 * 7 * 7) * (9 + 4)


def test_elementwise_bytes_and_relative_flops() -> None:
    relu = op_work(_the(_single("Relu", [("x", F, [2, 8])]), ops.ReluOp))
    tanh = op_work(_the(_single("Tanh", [("x", F, [2, 8])]), ops.TanhOp))
    assert relu == Work("elementwise", 16, 4 * 16 * 2)
    assert tanh.kind == "elementwise"
    assert tanh.bytes == relu.bytes
    assert tanh.flops > relu.flops


def test_unknown_dimensions_count_as_one() -> None:
    work = op_work(_the(_single("Relu", [("x", F, ["n", 16])]), ops.ReluOp))
    assert work.bytes == 4 * 16 * 2


def test_bytes_follow_the_element_type() -> None:
    work = op_work(_the(_single("Cast", [("x", F, [8])], {"to": TensorProto.FLOAT16}), ops.CastOp))
    assert work.bytes == 4 * 8 + 2 * 8


def test_reshape_and_friends_are_views() -> None:
    shape = numpy_helper.from_array(np.array([1, 32], dtype=np.int64), "shape")
    reshape = _single("Reshape", [("x", F, [1, 2, 4, 4])], initializers=[shape])
    flatten = _single("Flatten", [("x", F, [1, 2, 4, 4])], {"axis": 1})
    identity = _single("Identity", [("x", F, [1, 2, 4, 4])])
    for module, op_class in (
        (reshape, ops.ReshapeOp),
        (flatten, ops.FlattenOp),
        (identity, ops.IdentityOp),
    ):
        assert op_work(_the(module, op_class)) == Work("view", 0.0, 0.0)


def test_concat_moves_its_inputs_into_its_output() -> None:
    module = _single("Concat", [("a", F, [1, 2, 4, 4]), ("b", F, [1, 3, 4, 4])], {"axis": 1})
    assert op_work(_the(module, ops.ConcatOp)) == Work("data_movement", 0.0, 4 * 2 * 80)


def test_slice_moves_what_it_selects() -> None:
    starts = numpy_helper.from_array(np.array([1], dtype=np.int64), "starts")
    ends = numpy_helper.from_array(np.array([3], dtype=np.int64), "ends")
    axes = numpy_helper.from_array(np.array([1], dtype=np.int64), "axes")
    module = _single("Slice", [("x", F, [4, 10])], initializers=[starts, ends, axes])
    work = op_work(_the(module, ops.SliceOp))
    assert work.kind == "data_movement"
    assert work.bytes == 2 * (4 * 2 * 4) + 3 * 8  # read and write 4x2 floats, 3 indices


def test_constants_and_weights_are_free(calibration: Calibration) -> None:
    big = numpy_helper.from_array(np.ones((64, 64), dtype=np.float32), "big")
    small = numpy_helper.from_array(np.ones((1,), dtype=np.float32), "small")
    model = _model(
        [
            helper.make_node("Constant", [], ["c"], value=small),
            helper.make_node("MatMul", ["x", "big"], ["m"]),
            helper.make_node("Add", ["x", "c"], ["y"]),
        ],
        [("x", F, [64, 64])],
        ["m", "y"],
        [big],
    )
    module = _import(model)
    for op in (_the(module, WeightOp), _the(module, ops.ConstantOp)):
        assert op_work(op) == Work("free", 0.0, 0.0)
        assert analytic_cost_us(op, calibration) == 0.0


# ---- costs ------------------------------------------------------------------------------------


def test_cost_is_the_rates_of_the_kind(calibration: Calibration) -> None:
    op = _the(_single("Relu", [("x", F, [1, 64, 56, 56])]), ops.ReluOp)
    work = op_work(op)
    rates = calibration.rates_of("elementwise")
    expected = (
        rates.overhead_us
        + work.flops / 1e6 * rates.us_per_mflop
        + work.bytes / 1e6 * rates.us_per_mbyte
    )
    assert analytic_cost_us(op, calibration) == pytest.approx(expected)


def test_conv_costs_more_than_relu_on_the_same_tensor(calibration: Calibration) -> None:
    conv = _single(
        "Conv",
        [("x", F, [1, 64, 56, 56]), ("w", F, [64, 64, 3, 3]), ("b", F, [64])],
        {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]},
    )
    relu = _single("Relu", [("x", F, [1, 64, 56, 56])])
    conv_us = analytic_cost_us(_the(conv, ops.ConvOp), calibration)
    relu_us = analytic_cost_us(_the(relu, ops.ReluOp), calibration)
    assert conv_us > 10 * relu_us > 0


def test_nchw_max_pool_costs_more_than_elementwise_passes(calibration: Calibration) -> None:
    # Eager NCHW max pooling runs scalar code per window element: a 3x3/2 pool over a
    # tensor takes far longer than an elementwise pass over it.
    pool = _single(
        "MaxPool", [("x", F, [1, 64, 112, 112])], {"kernel_shape": [3, 3], "strides": [2, 2]}
    )
    relu = _single("Relu", [("x", F, [1, 64, 112, 112])])
    pool_us = analytic_cost_us(_the(pool, ops.MaxPoolOp), calibration)
    relu_us = analytic_cost_us(_the(relu, ops.ReluOp), calibration)
    assert pool_us > 10 * relu_us


def test_costs_grow_with_size(calibration: Calibration) -> None:
    small, large = (
        _the(
            _single("MaxPool", [("x", F, [1, c, 28, 28])], {"kernel_shape": [3, 3]}), ops.MaxPoolOp
        )
        for c in (16, 256)
    )
    assert analytic_cost_us(large, calibration) > analytic_cost_us(small, calibration)


def _loop_model(trips: int) -> ModelProto:
    one = numpy_helper.from_array(np.ones(4, dtype=np.float32), "one")
    body = helper.make_graph(
        [
            helper.make_node("Constant", [], ["one"], value=one),
            helper.make_node("Add", ["x_in", "one"], ["x_out"]),
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", I64, []),
            helper.make_tensor_value_info("cond_in", BOOL, []),
            helper.make_tensor_value_info("x_in", F, [4]),
        ],
        [
            helper.make_tensor_value_info("cond_out", BOOL, []),
            helper.make_tensor_value_info("x_out", F, [4]),
        ],
    )
    m = numpy_helper.from_array(np.array(trips, dtype=np.int64), "m")
    cond = numpy_helper.from_array(np.array(True), "cond")
    return _model(
        [
            helper.make_node("Constant", [], ["m"], value=m),
            helper.make_node("Constant", [], ["cond"], value=cond),
            helper.make_node("Loop", ["m", "cond", "x"], ["y"], body=body),
        ],
        [("x", F, [4])],
        ["y"],
    )


def test_loop_costs_its_body_per_trip(calibration: Calibration) -> None:
    loop = _the(_import(_loop_model(3)), ops.LoopOp)
    body = [analytic_cost_us(op, calibration) for op in loop.body.block.ops]
    per_trip = calibration.rates_of("control").overhead_us + sum(body)
    assert analytic_cost_us(loop, calibration) == pytest.approx(3 * per_trip)
    add = op_work(_the(_import(_loop_model(3)), ops.AddOp))
    assert op_work(loop).flops == 3 * add.flops


def test_if_costs_its_dearer_branch(calibration: Calibration) -> None:
    def branch(name: str, op_type: str) -> Any:
        return helper.make_graph(
            [helper.make_node(op_type, ["x"], [f"{name}_y"])],
            name,
            [],
            [helper.make_tensor_value_info(f"{name}_y", F, [1, 64, 56, 56])],
        )

    model = _model(
        [
            helper.make_node(
                "If",
                ["c"],
                ["y"],
                then_branch=branch("then", "Tanh"),
                else_branch=branch("else", "Relu"),
            )
        ],
        [("c", BOOL, []), ("x", F, [1, 64, 56, 56])],
        ["y"],
    )
    module = _import(model)
    tanh = analytic_cost_us(_the(module, ops.TanhOp), calibration)
    relu = analytic_cost_us(_the(module, ops.ReluOp), calibration)
    overhead = calibration.rates_of("control").overhead_us
    assert tanh > relu
    assert analytic_cost_us(_the(module, ops.IfOp), calibration) == pytest.approx(overhead + tanh)


# ---- every op class -----------------------------------------------------------------------------


def _ops_not_in_node_tests() -> ModuleOp:
    """The op classes that no conformance case of onnx 1.23 imports."""
    nodes = [
        helper.make_node("SequenceConstruct", ["x", "x"], ["seq"]),
        helper.make_node("SequenceErase", ["seq"], ["seq2"]),
        helper.make_node("ConcatFromSequence", ["seq2"], ["cat"], axis=0),
        helper.make_node("GlobalLpPool", ["x"], ["glp"]),
        helper.make_node("MeanVarianceNormalization", ["x"], ["mvn"], axes=[0, 2, 3]),
        helper.make_node("MaxRoiPool", ["x", "rois"], ["roi"], pooled_shape=[2, 2]),
        helper.make_node("Multinomial", ["logits"], ["samples"], sample_size=3),
        helper.make_node("RandomNormal", [], ["rn"], shape=[2, 3]),
        helper.make_node("RandomUniform", [], ["ru"], shape=[2, 3]),
        helper.make_node("RandomNormalLike", ["x"], ["rnl"]),
    ]
    return _import(
        _model(
            nodes,
            [("x", F, [1, 2, 4, 4]), ("rois", F, [1, 5]), ("logits", F, [1, 5])],
            ["cat", "glp", "mvn", "roi", "samples", "rn", "ru", "rnl"],
        )
    )


def _modules() -> list[ModuleOp]:
    modules = [_import(load_onnx(light_model_path(name))) for name in LIGHT_MODELS]
    with contextlib.redirect_stderr(io.StringIO()):
        for case in collect_cases():
            with contextlib.suppress(OnnxImportError):
                modules.append(import_model(case.model).module)
    modules.append(_ops_not_in_node_tests())
    return modules


def test_every_op_class_gets_a_finite_non_negative_cost(calibration: Calibration) -> None:
    seen: set[type[OnnxOp]] = set()
    for module in _modules():
        for op in module.walk():
            work = op_work(op)
            assert work.kind in KINDS, (op.name, work.kind)
            assert math.isfinite(work.flops) and work.flops >= 0, op.name
            assert math.isfinite(work.bytes) and work.bytes >= 0, op.name
            cost = analytic_cost_us(op, calibration)
            assert math.isfinite(cost) and cost >= 0, op.name
            if isinstance(op, OnnxOp):
                seen.add(type(op))
    missing = sorted(c.__name__ for c in set(ops.ONNX_OPS) - seen)
    assert not missing, missing


# ---- the calibration ----------------------------------------------------------------------------


def test_shipped_calibration_has_rates_for_every_kind(calibration: Calibration) -> None:
    assert CALIBRATION_FILE.is_file()
    assert set(KINDS) <= set(calibration.rates)
    assert calibration.edge_us > 0
    assert calibration.threads == 1
    assert calibration.machine and calibration.torch_version and calibration.date


def test_calibration_round_trips_through_json(calibration: Calibration) -> None:
    assert Calibration.from_json(calibration.to_json()) == calibration


def test_malformed_calibrations_are_rejected(calibration: Calibration) -> None:
    data = calibration.to_json()
    del data["kinds"]["other"]
    with pytest.raises(ValueError, match="'other'"):
        Calibration.from_json(data)
    data = calibration.to_json()
    data["kinds"]["conv"]["us_per_mflop"] = -1.0
    with pytest.raises(ValueError, match="conv"):
        Calibration.from_json(data)
    data = calibration.to_json()
    del data["edge_us"]
    with pytest.raises(ValueError, match="edge_us"):
        Calibration.from_json(data)


def test_unknown_kind_falls_back_to_other(calibration: Calibration) -> None:
    assert calibration.rates_of("no such kind") == calibration.rates["other"]
    assert calibration.rates_of("free") == Rates(0.0, 0.0, 0.0)
