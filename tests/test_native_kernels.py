"""Ramiel's kernel library (`ramiel.kernels`): the depthwise convolution, the pooling (with
its addend), the 1x1 convolution (of one input or of a concatenation's parts) and the
per-channel affine map (BatchNormalization + Relu) match onnxruntime across
geometries, compiled models use them (serial, parallel and as TorchScript workers), they
split their work over PyTorch's intra-op threads, bad arguments get a clear error, and
the compiler falls back to oneDNN and PyTorch where the library cannot be built.

The kernel choice is tested by `lit_tests/fuse/kernel-choice.mlir`,
`lit_tests/fuse/pool.mlir`, `lit_tests/fuse/concat-conv.mlir` and
`lit_tests/fuse/channel-affine.mlir`, the printed calls by
the `lit_tests/target-python` files of the same names.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from ramiel import kernels
from ramiel import runtime as rt
from ramiel.compiler import Compilation, instantiate, lower, weight_tensors
from ramiel.testing.models import run_onnxruntime

RTOL = 1e-3
ATOL = 1e-7

pytestmark = pytest.mark.skipif(
    not kernels.available(), reason=f"no kernel library: {kernels.why_not()}"
)


def _depthwise_model(
    channels: int,
    size: tuple[int, int],
    kernel: tuple[int, int],
    strides: tuple[int, int],
    pads: tuple[int, int],
    dilations: tuple[int, int],
    relu: bool,
) -> onnx.ModelProto:
    """One depthwise Conv (with bias), then Relu when `relu`."""
    rng = np.random.default_rng(channels * 100 + kernel[0])
    weight = rng.standard_normal((channels, 1, *kernel)).astype(np.float32)
    bias = rng.standard_normal(channels).astype(np.float32)
    out = [
        (s + 2 * p - d * (k - 1) - 1) // st + 1
        for s, p, d, k, st in zip(size, pads, dilations, kernel, strides, strict=True)
    ]
    nodes = [
        helper.make_node(
            "Conv",
            ["x", "w", "b"],
            ["c" if relu else "y"],
            group=channels,
            strides=list(strides),
            pads=[*pads, *pads],
            dilations=list(dilations),
        )
    ]
    if relu:
        nodes.append(helper.make_node("Relu", ["c"], ["y"]))
    graph = helper.make_graph(
        nodes,
        "depthwise",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, *size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, channels, *out])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)


def _check_one_call(model: onnx.ModelProto, kernel: str, shape: tuple[int, ...]) -> None:
    """`model` compiles to code that calls `kernel` once and matches onnxruntime on a
    random input of `shape`."""
    compilation = lower(model, workers=1)
    assert compilation.code.count(f"= {kernel}(") == 1
    compiled = instantiate(compilation.code, weight_tensors(compilation))
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    (expected,) = run_onnxruntime(model, [x])
    with torch.no_grad():
        (got,) = compiled(torch.as_tensor(x))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, rtol=RTOL, atol=ATOL)


def _check_outputs(
    compilation: Compilation, model: onnx.ModelProto, feeds: list[np.ndarray]
) -> None:
    """The compiled code's outputs on `feeds` match onnxruntime's (sums of many products:
    atol 1e-5)."""
    compiled = instantiate(compilation.code, weight_tensors(compilation))
    expected = run_onnxruntime(model, feeds)
    with torch.no_grad():
        got = compiled(*(torch.as_tensor(f) for f in feeds))
    assert len(got) == len(expected)
    for ours, theirs in zip(got, expected, strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=RTOL, atol=1e-5)


GEOMETRIES = [
    # channels, size, kernel, strides, pads, dilations, relu
    (32, (16, 16), (3, 3), (1, 1), (1, 1), (1, 1), False),
    (32, (16, 16), (5, 5), (1, 1), (2, 2), (1, 1), True),
    (64, (9, 9), (7, 7), (2, 2), (3, 3), (1, 1), True),
    (48, (8, 8), (3, 3), (2, 2), (1, 1), (1, 1), False),
    (16, (12, 10), (3, 5), (1, 2), (1, 2), (1, 1), False),
    (24, (11, 11), (3, 3), (1, 1), (2, 2), (2, 2), True),
    (5, (7, 7), (3, 3), (1, 1), (1, 1), (1, 1), True),  # channels not a multiple of 16
    (20, (6, 6), (3, 3), (1, 1), (0, 0), (1, 1), False),  # 16 + 4 channels, no padding
    (16, (4, 4), (5, 5), (1, 1), (2, 2), (1, 1), False),  # every pixel at the border
    (16, (5, 5), (1, 1), (1, 1), (0, 0), (1, 1), True),
    # inner columns: strips of 8, 6, 4, 2 and 1 pixels at stride 1, four at a time at
    # stride 2; at stride 1 with same padding, edge strips of 1 to 3 pixels on each side
    (32, (25, 25), (7, 7), (1, 1), (3, 3), (1, 1), True),  # 19: 8 + 8 + 2 + 1
    (16, (10, 32), (3, 3), (1, 1), (1, 1), (1, 1), True),  # 30: 8 + 8 + 8 + 6
    (16, (29, 29), (3, 3), (2, 2), (1, 1), (1, 1), False),  # 13: 4 + 4 + 4 + 1
    (16, (20, 20), (5, 5), (2, 2), (2, 2), (1, 1), False),  # 8: 4 + 4
    (32, (13, 11), (3, 3), (2, 1), (1, 1), (1, 1), True),  # strides differ: 9: 8 + 1
    (16, (5, 5), (5, 5), (1, 1), (2, 2), (1, 1), True),  # as wide as the kernel: 2, 1, 2
    (32, (6, 8), (7, 7), (1, 1), (3, 3), (1, 1), False),  # lower than the kernel: 3, 2, 3
    (16, (9, 9), (3, 3), (1, 1), (2, 1), (2, 1), False),  # dilated along y only
]


@pytest.mark.parametrize(
    ("channels", "size", "kernel", "strides", "pads", "dilations", "relu"), GEOMETRIES
)
def test_depthwise_matches_onnxruntime(
    channels: int,
    size: tuple[int, int],
    kernel: tuple[int, int],
    strides: tuple[int, int],
    pads: tuple[int, int],
    dilations: tuple[int, int],
    relu: bool,
) -> None:
    model = _depthwise_model(channels, size, kernel, strides, pads, dilations, relu)
    _check_one_call(model, "_depthwise", (1, channels, *size))


def _pool_model(
    op: str, channels: int, size: tuple[int, int], attributes: dict[str, object]
) -> onnx.ModelProto:
    """One 2-D MaxPool or AveragePool of a (1, channels, *size) input, its output shape
    left to onnxruntime."""
    node = helper.make_node(op, ["x"], ["y"], **attributes)  # pyright: ignore[reportArgumentType]
    graph = helper.make_graph(
        [node],
        "pool",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, *size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)], ir_version=9)
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


POOLS: list[tuple[str, int, tuple[int, int], dict[str, object]]] = [
    ("MaxPool", 192, (14, 14), {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}),
    ("MaxPool", 64, (15, 15), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    ("MaxPool", 20, (9, 9), {"kernel_shape": [3, 3], "strides": [2, 2], "dilations": [2, 2]}),
    ("MaxPool", 5, (7, 6), {"kernel_shape": [2, 3], "strides": [1, 2], "pads": [1, 1, 1, 1]}),
    # four pixels at a time, through dilated windows
    ("MaxPool", 32, (13, 12), {"kernel_shape": [3, 3], "dilations": [2, 2], "pads": [2, 2, 2, 2]}),
    ("AveragePool", 96, (8, 8), {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}),
    (
        "AveragePool",
        48,
        (8, 8),
        {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1},
    ),
    (
        "AveragePool",
        32,
        (11, 11),
        {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1},
    ),
    (
        "AveragePool",
        17,
        (10, 10),
        {"kernel_shape": [2, 2], "strides": [2, 2], "count_include_pad": 1, "ceil_mode": 1},
    ),
    ("AveragePool", 16, (7, 7), {"kernel_shape": [7, 7]}),
    # inner columns: strips of 8, 6, 4, 2 and 1 pixels at stride 1, four at a time at
    # stride 2; 3 wide at stride 1 with padding 1, one edge strip on each side
    ("MaxPool", 32, (15, 15), {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}),  # 13: 8 + 4 + 1
    (
        "AveragePool",
        16,
        (16, 16),
        {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1},  # 14: 8 + 6
    ),
    ("AveragePool", 16, (5, 30), {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}),  # 28: 8 x 3 + 4
    ("AveragePool", 32, (3, 3), {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}),  # 1, 1, 1
    ("MaxPool", 16, (6, 6), {"kernel_shape": [3, 3], "pads": [1, 0, 1, 0]}),  # no x padding
    ("MaxPool", 16, (31, 29), {"kernel_shape": [3, 3], "strides": [2, 2]}),  # 14: 4 + 4 + 4 + 1 + 1
    ("AveragePool", 32, (18, 18), {"kernel_shape": [2, 2], "strides": [2, 2]}),  # 9: 4 + 4 + 1
    ("MaxPool", 16, (6, 13), {"kernel_shape": [2, 2], "strides": [2, 1]}),  # 12: 8 + 4
    # asymmetric pads: GoogLeNet's last pool, and begin pads larger than end pads
    ("AveragePool", 32, (7, 7), {"kernel_shape": [7, 7], "pads": [0, 0, 1, 1]}),
    ("MaxPool", 16, (9, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 0, 2]}),
    ("AveragePool", 16, (6, 9), {"kernel_shape": [3, 2], "pads": [2, 1, 0, 1]}),
]


@pytest.mark.parametrize(("op", "channels", "size", "attributes"), POOLS)
def test_pool_matches_onnxruntime(
    op: str, channels: int, size: tuple[int, int], attributes: dict[str, object]
) -> None:
    model = _pool_model(op, channels, size, attributes)
    _check_one_call(model, "_pool", (1, channels, *size))


def test_pool_bad_arguments_name_the_operator() -> None:
    op = rt.native_op("pool2d")
    x = torch.randn(1, 8, 6, 6)
    with pytest.raises(RuntimeError, match=r"ramiel::pool2d: kernel, strides and dilations"):
        op(x, [3, 3], [0, 1], [1, 1], [1, 1], [6, 6], False, False)
    with pytest.raises(RuntimeError, match=r"ramiel::pool2d: expected a 4-D float32 input"):
        op(x.half(), [3, 3], [1, 1], [1, 1], [1, 1], [6, 6], False, False)


def _pointwise_model(
    channels: int, outputs: int, size: tuple[int, int], add: bool, relu: bool
) -> onnx.ModelProto:
    """One 1x1 Conv (with bias), plus a second input when `add`, then Relu when `relu`."""
    rng = np.random.default_rng(channels * 7 + outputs)
    weight = rng.standard_normal((outputs, channels, 1, 1)).astype(np.float32) / channels**0.5
    bias = rng.standard_normal(outputs).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"])]
    last = "c"
    if add:
        nodes.append(helper.make_node("Add", ["c", "r"], ["a"]))
        last = "a"
    if relu:
        nodes.append(helper.make_node("Relu", [last], ["y"]))
    else:
        nodes.append(helper.make_node("Identity", [last], ["y"]))
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, *size])]
    if add:
        inputs.append(helper.make_tensor_value_info("r", TensorProto.FLOAT, [1, outputs, *size]))
    graph = helper.make_graph(
        nodes,
        "pointwise",
        inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, outputs, *size])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)


@pytest.mark.parametrize(
    ("channels", "outputs", "size", "add", "relu"),
    [
        (32, 32, (32, 32), False, True),  # NASNet's
        (96, 48, (8, 8), True, True),  # three vectors of outputs, an addend
        (5, 16, (5, 5), False, False),  # one vector; 25 pixels: 24 in tiles, one alone
        (64, 96, (3, 7), True, False),  # four vectors and two
        (256, 64, (28, 28), True, True),  # large, many pixels
        # outputs not a multiple of 16: a padded matrix, the last vector through a buffer
        (512, 24, (13, 13), True, True),  # GoogLeNet's 5x5 reduce, with an addend
        (33, 17, (5, 7), False, True),
        (40, 88, (4, 4), True, False),  # 5.5 vectors: a chunk of 4, then 1.5
    ],
)
def test_pointwise_matches_onnxruntime(
    channels: int, outputs: int, size: tuple[int, int], add: bool, relu: bool
) -> None:
    model = _pointwise_model(channels, outputs, size, add, relu)
    compilation = lower(model, workers=1)
    assert compilation.code.count("= _pointwise(") == 1
    rng = np.random.default_rng(3)
    feeds = [rng.standard_normal((1, channels, *size)).astype(np.float32)]
    if add:
        feeds.append(rng.standard_normal((1, outputs, *size)).astype(np.float32))
    _check_outputs(compilation, model, feeds)


def test_pointwise_bad_arguments_name_the_operator() -> None:
    op = rt.native_op("pointwise_conv2d")
    x = torch.randn(1, 8, 4, 4)
    with pytest.raises(RuntimeError, match=r"C_out rounded up to a multiple of 16"):
        op(x, torch.randn(8, 24), torch.randn(24), None, False)
    with pytest.raises(RuntimeError, match=r"rounding up to the matrix's 32 columns, got \[16\]"):
        op(x, torch.randn(8, 32), torch.randn(16), None, False)
    with pytest.raises(RuntimeError, match=r"ramiel::pointwise_conv2d: addend must be"):
        op(x, torch.randn(8, 16), torch.randn(16), torch.randn(1, 16, 4, 5), False)


def _concat_conv_model(relu_in: bool, relu_out: bool) -> onnx.ModelProto:
    """Three parts (each a 3x3 max pool, so channels-last) concatenated, Relu'd when
    `relu_in`, into two 1x1 Convs (48 and 24 outputs), the second Relu'd when `relu_out`."""
    rng = np.random.default_rng(int(relu_in) * 2 + int(relu_out))
    channels = (16, 7, 16)
    nodes = [
        helper.make_node("MaxPool", [x], [f"p{i}"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
        for i, x in enumerate(("a", "b", "a"))
    ]
    nodes.append(helper.make_node("Concat", ["p0", "p1", "p2"], ["c"], axis=1))
    source = "c"
    if relu_in:
        nodes.append(helper.make_node("Relu", ["c"], ["r"]))
        source = "r"
    total = sum(channels)
    inits: list[onnx.TensorProto] = []
    for name, outputs in (("y", 48), ("z", 24)):
        weight = rng.standard_normal((outputs, total, 1, 1)).astype(np.float32) / total**0.5
        bias = rng.standard_normal(outputs).astype(np.float32)
        inits += [
            numpy_helper.from_array(weight, f"w{name}"),
            numpy_helper.from_array(bias, f"b{name}"),
        ]
    nodes.append(helper.make_node("Conv", [source, "wy", "by"], ["y"]))
    nodes.append(helper.make_node("Conv", [source, "wz", "bz"], ["zc" if relu_out else "z"]))
    if relu_out:
        nodes.append(helper.make_node("Relu", ["zc"], ["z"]))
    graph = helper.make_graph(
        nodes,
        "concat_conv",
        [
            helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 16, 6, 5]),
            helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 7, 6, 5]),
        ],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 48, 6, 5]),
            helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 24, 6, 5]),
        ],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)


@pytest.mark.parametrize(("relu_in", "relu_out"), [(True, False), (False, True), (True, True)])
def test_concat_conv_matches_onnxruntime(relu_in: bool, relu_out: bool) -> None:
    """1x1 convolutions of a Concat (or its Relu) read the Concat's inputs: no torch.cat
    is left, and the results match onnxruntime."""
    model = _concat_conv_model(relu_in, relu_out)
    compilation = lower(model, workers=1)
    assert compilation.code.count("= _pointwise_concat([") == 2
    assert "torch.cat" not in compilation.code
    rng = np.random.default_rng(5)
    feeds = [rng.standard_normal((1, c, 6, 5)).astype(np.float32) for c in (16, 7)]
    _check_outputs(compilation, model, feeds)


def test_concat_conv_relu_keeps_nan_and_converts_layouts() -> None:
    """The ReLU on the parts keeps a NaN (as torch.relu does); NCHW parts are read as
    channels-last copies."""
    op = rt.native_op("pointwise_concat_conv2d")
    parts = [torch.randn(1, 16, 3, 4), torch.randn(1, 5, 3, 4)]
    parts[1][0, 2, 1, 1] = float("nan")
    weight, bias = torch.randn(32, 21), torch.randn(32)
    got = op(parts, weight.t().contiguous(), bias, True, False)
    expected = torch.nn.functional.conv2d(torch.cat(parts, 1).relu(), weight[..., None, None], bias)
    assert got.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(got, expected, rtol=RTOL, atol=1e-5, equal_nan=True)
    assert torch.isnan(got[0, :, 1, 1]).all()


def test_concat_conv_bad_arguments_name_the_operator() -> None:
    op = rt.native_op("pointwise_concat_conv2d")
    x = torch.randn(1, 8, 4, 4)
    with pytest.raises(RuntimeError, match=r"ramiel::pointwise_concat_conv2d: expected at least"):
        op([], torch.randn(8, 16), torch.randn(16), True, False)
    with pytest.raises(RuntimeError, match=r"inputs \[1, 8, 4, 4\] and \[1, 8, 4, 5\] differ"):
        op([x, torch.randn(1, 8, 4, 5)], torch.randn(16, 16), torch.randn(16), True, False)
    with pytest.raises(RuntimeError, match=r"matrix must be float32 \(16, C_out rounded up"):
        op([x, x], torch.randn(8, 16), torch.randn(16), True, False)


def _pool_add_model() -> onnx.ModelProto:
    """AveragePool(x) + MaxPool(x), then AveragePool of that + y: two Adds a pool takes in."""
    attributes: dict[str, Any] = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}
    nodes = [
        helper.make_node("AveragePool", ["x"], ["a"], **attributes),
        helper.make_node("MaxPool", ["x"], ["m"], **attributes),
        helper.make_node("Add", ["a", "m"], ["s"]),
        helper.make_node("AveragePool", ["s"], ["t"], count_include_pad=1, **attributes),
        helper.make_node("Add", ["y", "t"], ["out"]),
    ]
    shape = [1, 24, 7, 9]
    graph = helper.make_graph(
        nodes,
        "pool_add",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, shape),
            helper.make_tensor_value_info("y", TensorProto.FLOAT, shape),
        ],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, shape)],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)


def test_pool_with_addend_matches_onnxruntime() -> None:
    """An Add after a pool is the pool's addend (channels-last or not): no `+` is left."""
    model = _pool_add_model()
    compilation = lower(model, workers=1)
    forward = compilation.code.split("def forward(")[1]
    assert forward.count("= _pool(") == 3
    assert " + " not in forward
    rng = np.random.default_rng(6)
    feeds = [rng.standard_normal((1, 24, 7, 9)).astype(np.float32) for _ in range(2)]
    _check_outputs(compilation, model, feeds)


def test_pool_addend_bad_shape_names_the_operator() -> None:
    op = rt.native_op("pool2d")
    x = torch.randn(1, 8, 6, 6)
    with pytest.raises(RuntimeError, match=r"ramiel::pool2d: addend must be float32"):
        op(x, [3, 3], [1, 1], [1, 1], [1, 1], [6, 6], False, False, torch.randn(1, 8, 6, 5))


def _batch_norm_model(channels: int, size: tuple[int, int], relu: bool) -> onnx.ModelProto:
    """A Concat of the input with itself (BN after a non-conv op stays a BN), then an
    inference BatchNormalization, then Relu when `relu`."""
    rng = np.random.default_rng(channels)
    doubled = 2 * channels
    params = {
        "gamma": rng.standard_normal(doubled),
        "beta": rng.standard_normal(doubled),
        "mean": rng.standard_normal(doubled),
        "var": rng.uniform(0.5, 2.0, doubled),
    }
    nodes = [
        helper.make_node("Concat", ["x", "x"], ["c"], axis=1),
        helper.make_node(
            "BatchNormalization", ["c", *params], ["b" if relu else "y"], epsilon=1e-3
        ),
    ]
    if relu:
        nodes.append(helper.make_node("Relu", ["b"], ["y"]))
    graph = helper.make_graph(
        nodes,
        "batch_norm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, *size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, doubled, *size])],
        [numpy_helper.from_array(v.astype(np.float32), k) for k, v in params.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)


@pytest.mark.parametrize(
    ("channels", "size", "relu"),
    [(64, (14, 14), True), (8, (5, 7), False), (10, (3, 3), True), (3, (1, 1), True)],
)
def test_batch_norm_matches_onnxruntime(channels: int, size: tuple[int, int], relu: bool) -> None:
    model = _batch_norm_model(channels, size, relu)
    _check_one_call(model, "_affine", (1, channels, *size))


def test_channel_affine_layouts_and_nan() -> None:
    """Channels-last in, channels-last out; NCHW (or strided) in, contiguous out; Relu
    keeps NaN, as `torch.relu` does."""
    op = rt.native_op("channel_affine")
    scale, shift = torch.randn(21), torch.randn(21)
    x = torch.randn(2, 21, 5, 12)[..., ::2]  # strided: neither layout
    x[0, 3, 2, 2] = float("nan")
    expected = torch.relu(x * scale[:, None, None] + shift[:, None, None])
    for source in (x.contiguous(), x.contiguous(memory_format=torch.channels_last), x):
        got = op(source, scale, shift, True)
        torch.testing.assert_close(got, expected, rtol=RTOL, atol=1e-6, equal_nan=True)
        channels_last = source.is_contiguous(memory_format=torch.channels_last)
        assert got.is_contiguous(memory_format=torch.channels_last) == channels_last
        assert channels_last or got.is_contiguous()
    with pytest.raises(RuntimeError, match=r"ramiel::channel_affine: scale and shift must be"):
        op(x, scale[:20], shift, False)
    with pytest.raises(RuntimeError, match=r"ramiel::channel_affine: expected a 4-D float32"):
        op(x[0], scale, shift, False)


def _stem_model(
    channels: int,
    outputs: int,
    size: tuple[int, int],
    kernel: tuple[int, int],
    strides: tuple[int, int],
    pads: tuple[int, int],
    dilations: tuple[int, int],
    relu: bool,
) -> onnx.ModelProto:
    """One Conv of a few-channel image (with bias), then Relu when `relu`."""
    rng = np.random.default_rng(outputs * 10 + kernel[0])
    weight = rng.standard_normal((outputs, channels, *kernel)).astype(np.float32)
    bias = rng.standard_normal(outputs).astype(np.float32)
    out = [
        (s + 2 * p - d * (k - 1) - 1) // st + 1
        for s, p, d, k, st in zip(size, pads, dilations, kernel, strides, strict=True)
    ]
    conv = helper.make_node(
        "Conv",
        ["x", "w", "b"],
        ["c" if relu else "y"],
        strides=list(strides),
        pads=[*pads, *pads],
        dilations=list(dilations),
    )
    nodes = [conv, *([helper.make_node("Relu", ["c"], ["y"])] if relu else [])]
    graph = helper.make_graph(
        nodes,
        "stem",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, *size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, outputs, *out])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)


STEMS = [
    # channels, outputs, size, kernel, strides, pads, dilations, relu
    (3, 32, (64, 64), (3, 3), (2, 2), (1, 1), (1, 1), True),  # NASNet-style's stem
    (3, 64, (40, 40), (7, 7), (2, 2), (3, 3), (1, 1), True),  # ResNet's and GoogLeNet's
    (1, 16, (9, 11), (3, 5), (1, 2), (2, 1), (1, 1), False),  # 11 wide: a strip and edges
    (4, 80, (10, 10), (3, 3), (1, 1), (0, 0), (2, 2), False),  # 5 vectors: 4 + 1, dilated
    (3, 48, (5, 5), (5, 5), (1, 1), (2, 2), (1, 1), True),  # every window crosses a border
]


@pytest.mark.parametrize(
    ("channels", "outputs", "size", "kernel", "strides", "pads", "dilations", "relu"), STEMS
)
def test_direct_conv_matches_onnxruntime(
    channels: int,
    outputs: int,
    size: tuple[int, int],
    kernel: tuple[int, int],
    strides: tuple[int, int],
    pads: tuple[int, int],
    dilations: tuple[int, int],
    relu: bool,
) -> None:
    """Sums of up to 147 products: atol 1e-5, as `_check_outputs` takes."""
    model = _stem_model(channels, outputs, size, kernel, strides, pads, dilations, relu)
    compilation = lower(model, workers=1)
    forward = compilation.code.split("def forward(")[1]
    assert forward.count("= _direct(") == 1 and "channels_last" not in forward
    x = np.random.default_rng(1).standard_normal((1, channels, *size)).astype(np.float32)
    _check_outputs(compilation, model, [x])


def test_direct_conv_batch_layouts_and_bad_arguments() -> None:
    """Two images, from an NCHW or a channels-last input, give a channels-last output
    equal to F.conv2d's; bad arguments name the operator."""
    op = rt.native_op("direct_conv2d")
    x, weight, bias = torch.randn(2, 3, 13, 10), torch.randn(32, 3, 3, 3), torch.randn(32)
    taps = rt.depthwise_taps(weight)
    expected = torch.relu(torch.nn.functional.conv2d(x, weight, bias, 2, 1))
    for source in (x, x.contiguous(memory_format=torch.channels_last)):
        got = op(source, taps, bias, [3, 3], [2, 2], [1, 1], [1, 1], True)
        assert got.is_contiguous(memory_format=torch.channels_last)
        torch.testing.assert_close(got, expected, rtol=RTOL, atol=1e-5)
    geometry = ([3, 3], [1, 1], [1, 1], [1, 1])
    with pytest.raises(RuntimeError, match=r"ramiel::direct_conv2d: taps must be float32 \(27,"):
        op(x, taps[:26], bias, *geometry, False)
    with pytest.raises(RuntimeError, match=r"ramiel::direct_conv2d: bias must be a float32"):
        op(x, taps, bias[:16], *geometry, False)
    with pytest.raises(RuntimeError, match=r"ramiel::direct_conv2d: expected a 4-D float32"):
        op(x[0], taps, bias, *geometry, False)
    with pytest.raises(RuntimeError, match=r"ramiel::direct_conv2d: the window does not fit"):
        op(x, taps, bias, [3, 3], [1, 1], [0, 0], [9, 9], False)
    with pytest.raises(RuntimeError, match=r"ramiel::direct_conv2d: the window does not fit"):
        op(x[..., :2, :2], taps, bias, [3, 3], [2, 2], [0, 0], [1, 1], False)  # one short


def _lrn_model(channels: int, size: tuple[int, int], window: int, beta: float) -> onnx.ModelProto:
    """Conv (3x3, channels -> channels), then LRN: the LRN's input is channels-last."""
    rng = np.random.default_rng(channels + window)
    weight = rng.standard_normal((channels, channels, 3, 3)).astype(np.float32) * 3
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("LRN", ["c"], ["y"], size=window, alpha=1e-3, beta=beta, bias=2.0),
    ]
    shape = [1, channels, *size]
    graph = helper.make_graph(
        nodes,
        "lrn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
        [numpy_helper.from_array(weight, "w")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)


@pytest.mark.parametrize(
    ("channels", "size", "window", "beta"),
    [(64, (14, 14), 5, 0.75), (21, (5, 7), 3, 0.5), (35, (3, 3), 5, 1.0), (3, (4, 4), 7, 0.75)],
)
def test_lrn_matches_onnxruntime(
    channels: int, size: tuple[int, int], window: int, beta: float
) -> None:
    """Channels in and not in multiples of 16, windows wider than the channels, each fast
    beta."""
    model = _lrn_model(channels, size, window, beta)
    compilation = lower(model, workers=1)
    forward = compilation.code.split("def forward(")[1]
    assert forward.count("= _lrn(") == 1 and "rt.lrn" not in forward
    x = np.random.default_rng(2).standard_normal((1, channels, *size)).astype(np.float32)
    _check_outputs(compilation, model, [x])


def test_lrn_other_beta_layouts_and_bad_arguments() -> None:
    """Another beta stays on `rt.lrn` in the compiled code; the kernel computes it too (by
    std::pow), from an NCHW or a channels-last input, into a channels-last output, with
    even windows centered as ONNX centers them (onnxruntime takes odd sizes only)."""
    model = _lrn_model(8, (4, 4), 5, 0.6)
    assert "rt.lrn(" in lower(model, workers=1).code
    op = rt.native_op("lrn")
    x = torch.randn(1, 20, 3, 5)
    for window, beta in ((5, 0.6), (5, 0.75), (4, 0.75), (2, 1.0)):
        expected = rt.lrn(x, window, 1e-2, beta, 1.5)
        for source in (x, x.contiguous(memory_format=torch.channels_last)):
            got = op(source, window, 1e-2, beta, 1.5)
            assert got.is_contiguous(memory_format=torch.channels_last)
            torch.testing.assert_close(got, expected, rtol=RTOL, atol=ATOL)
    with pytest.raises(RuntimeError, match=r"ramiel::lrn: expected a 4-D float32 input"):
        op(x[0], 5, 1e-2, 0.75, 1.5)
    with pytest.raises(RuntimeError, match=r"ramiel::lrn: size must be positive"):
        op(x, 0, 1e-2, 0.75, 1.5)


def _head_model(
    channels: int, size: tuple[int, int], hidden: int, classes: int, reshape: bool
) -> onnx.ModelProto:
    """A CNN's head: Conv, GlobalAveragePool, Flatten (or Reshape), Gemm, Relu, Gemm."""
    rng = np.random.default_rng(channels + classes)

    def tensor(name: str, *shape: int) -> onnx.TensorProto:
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)

    flatten = (
        helper.make_node("Reshape", ["g", "shape"], ["f"])
        if reshape
        else helper.make_node("Flatten", ["g"], ["f"], axis=1)
    )
    nodes = [
        helper.make_node("Conv", ["x", "cw"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["c"], ["g"]),
        flatten,
        helper.make_node("Gemm", ["f", "w1", "b1"], ["h"], transB=1),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Gemm", ["r", "w2"], ["y"], transB=1),
    ]
    initializers = [
        tensor("cw", channels, 3, 3, 3),
        tensor("w1", hidden, channels),
        tensor("b1", hidden),
        tensor("w2", classes, hidden),
        numpy_helper.from_array(np.array([1, channels], np.int64), "shape"),
    ]
    graph = helper.make_graph(
        nodes,
        "head",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, *size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, classes])],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)


@pytest.mark.parametrize(
    ("channels", "size", "hidden", "classes", "reshape"),
    [(64, (7, 7), 300, 10, False), (24, (5, 9), 16, 129, True), (8, (1, 1), 5, 3, False)],
)
def test_classifier_head_matches_onnxruntime(
    channels: int, size: tuple[int, int], hidden: int, classes: int, reshape: bool
) -> None:
    """The GlobalAveragePool runs on the pooling kernel and both Gemms (the first with its
    Relu, both reading through the Flatten or Reshape) on the linear kernel."""
    model = _head_model(channels, size, hidden, classes, reshape)
    compilation = lower(model, workers=1)
    forward = compilation.code.split("def forward(")[1]
    # A pool of a 1x1 image is the image itself (`PoolOp.is_subsample`), printed as is.
    assert forward.count("= _pool(") == (size != (1, 1)) and ".mean(" not in forward
    assert forward.count("= _linear(") == 2 and "F.linear" not in forward
    assert f", {hidden}, True)" in forward and "reshape" not in forward
    x = np.random.default_rng(3).standard_normal((1, 3, *size)).astype(np.float32)
    _check_outputs(compilation, model, [x])


def test_linear_rows_blocks_and_threads() -> None:
    """Rows from any input of rows times K elements, in logical order (a channels-last
    input too); output counts around the block width; two threads give one thread's
    results; Relu keeps NaN."""
    op = rt.native_op("linear")
    seed = torch.Generator().manual_seed(0)
    for rows, inputs, outputs in ((1, 576, 10), (3, 40, 16), (2, 33, 128), (1, 100, 1000)):
        weight = torch.randn(outputs, inputs, generator=seed)
        bias = torch.randn(outputs, generator=seed)
        blocks = rt.linear_blocks(weight)
        assert blocks.shape[1:] == (inputs, min(128, -(-outputs // 16) * 16))
        x = torch.randn(rows, inputs, generator=seed)
        expected = torch.nn.functional.linear(x, weight, bias)
        got = op(x, blocks, bias, outputs, False)
        torch.testing.assert_close(got, expected, rtol=RTOL, atol=1e-5)
        relu = torch.relu(x @ weight.t())
        got = op(x, blocks, None, outputs, True)
        torch.testing.assert_close(got, relu, rtol=RTOL, atol=1e-5)
        threads = torch.get_num_threads()
        try:
            torch.set_num_threads(1)
            one = op(x, blocks, bias, outputs, False)
            torch.set_num_threads(2)
            assert torch.equal(op(x, blocks, bias, outputs, False), one)
        finally:
            torch.set_num_threads(threads)
    image = torch.randn(1, 6, 2, 3).contiguous(memory_format=torch.channels_last)
    weight = torch.randn(4, 36)
    got = op(image, rt.linear_blocks(weight), None, 4, False)
    torch.testing.assert_close(got, image.reshape(1, 36) @ weight.t(), rtol=RTOL, atol=1e-5)
    nan = torch.full((1, 36), float("nan"))
    assert torch.isnan(op(nan, rt.linear_blocks(weight), None, 4, True)).all()


def test_linear_bad_arguments_name_the_operator() -> None:
    op = rt.native_op("linear")
    blocks = rt.linear_blocks(torch.randn(10, 6))
    x = torch.randn(1, 6)
    with pytest.raises(RuntimeError, match=r"ramiel::linear: expected a float32 input of rows"):
        op(torch.randn(1, 7), blocks, None, 10, False)
    with pytest.raises(RuntimeError, match=r"ramiel::linear: 1 blocks of 16 columns cannot"):
        op(x, blocks, None, 17, False)
    with pytest.raises(RuntimeError, match=r"ramiel::linear: bias must be a float32 vector"):
        op(x, blocks, torch.randn(9), 10, False)
    with pytest.raises(RuntimeError, match=r"ramiel::linear: expected float32 weight blocks"):
        op(x, blocks[0], None, 10, False)
    with pytest.raises(RuntimeError, match=r"ramiel::linear: the block width must be"):
        op(x, blocks[..., :8], None, 8, False)


def test_kernels_share_torch_openmp_runtime_and_agree_across_threads() -> None:
    """The library is built with OpenMP (its parallel loops call the runtime: without
    `-fopenmp` they run on one thread), runs on PyTorch's own OpenMP runtime (one copy in
    the process, so `torch.set_num_threads` governs it), and two threads give the
    one-thread results."""
    library = kernels.library_path().read_bytes()
    assert b"GOMP_parallel" in library or b"__kmpc_fork_call" in library
    maps = Path("/proc/self/maps")
    if maps.exists():
        runtimes = {line.split()[-1] for line in maps.read_text().splitlines() if "libgomp" in line}
        assert len(runtimes) <= 1, runtimes
    x = torch.randn(1, 64, 30, 30).contiguous(memory_format=torch.channels_last)
    weight, bias = torch.randn(64, 1, 3, 3), torch.randn(64)
    calls = {
        "pool": lambda: rt.native_op("pool2d")(
            x, [3, 3], [1, 1], [1, 1], [1, 1], [30, 30], False, False
        ),
        "depthwise": lambda: rt.native_op("depthwise_conv2d")(
            x, rt.depthwise_taps(weight), bias, [3, 3], [1, 1], [1, 1], [1, 1], True
        ),
        "affine": lambda: rt.native_op("channel_affine")(x, weight[:, 0, 0, 0], bias, True),
        "pointwise": lambda: rt.native_op("pointwise_conv2d")(
            x, weight.reshape(64, 9)[:, :1].t().expand(64, 64).contiguous(), bias, x, True
        ),
    }
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = {name: call() for name, call in calls.items()}
        torch.set_num_threads(2)
        for name, call in calls.items():
            assert torch.equal(call(), one[name]), name
    finally:
        torch.set_num_threads(threads)


def test_depthwise_batch_of_two_and_nchw_input() -> None:
    """The kernel takes any batch, and an NCHW input (made channels-last first)."""
    op = rt.native_op("depthwise_conv2d")
    weight = torch.randn(16, 1, 3, 3)
    bias = torch.randn(16)
    x = torch.randn(2, 16, 9, 9)
    got = op(x, rt.depthwise_taps(weight), bias, [3, 3], [2, 2], [1, 1], [1, 1], False)
    expected = torch.nn.functional.conv2d(x, weight, bias, 2, 1, 1, 16)
    assert got.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(got, expected, rtol=RTOL, atol=1e-5)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_depthwise_runs_in_torchscript() -> None:
    """TorchScript code (the compiled workers) calls the operator."""

    def apply(x: torch.Tensor, taps: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return torch.ops.ramiel.depthwise_conv2d(
            x, taps, bias, [3, 3], [1, 1], [1, 1], [1, 1], True
        )

    jit: Any = torch.jit
    scripted = jit.script(apply)
    weight, bias, x = torch.randn(8, 1, 3, 3), torch.randn(8), torch.randn(1, 8, 6, 6)
    expected = torch.relu(torch.nn.functional.conv2d(x, weight, bias, 1, 1, 1, 8))
    torch.testing.assert_close(
        scripted(x, rt.depthwise_taps(weight), bias), expected, rtol=RTOL, atol=1e-5
    )


def test_bad_arguments_name_the_operator() -> None:
    op = rt.native_op("depthwise_conv2d")
    x = torch.randn(1, 8, 6, 6)
    with pytest.raises(RuntimeError, match=r"ramiel::depthwise_conv2d: taps must be"):
        op(x, torch.randn(3, 8), torch.randn(8), [3, 3], [1, 1], [1, 1], [1, 1], False)
    with pytest.raises(RuntimeError, match=r"ramiel::depthwise_conv2d: expected a 4-D float32"):
        op(x.double(), torch.randn(9, 8), torch.randn(8), [3, 3], [1, 1], [1, 1], [1, 1], False)
    taps, bias = torch.randn(9, 8), torch.randn(8)
    with pytest.raises(RuntimeError, match=r"ramiel::depthwise_conv2d: the output would be"):
        op(x[..., :2, :2], taps, bias, [3, 3], [2, 2], [0, 0], [1, 1], False)  # one short


def test_nasnet_style_runs_depthwise_on_two_compiled_workers() -> None:
    """NASNet's separable convolutions run on the kernel inside the TorchScript workers,
    matching onnxruntime."""
    from ramiel.testing.nasnet import nasnet_example, nasnet_input

    model = nasnet_example()
    compilation = lower(model, workers=2, intra_op_threads=1, min_gain=0.0)
    assert compilation.code.count("= _depthwise(") == 110
    # Every pool of the model (37, and the head's GlobalAveragePool) is on the kernel but
    # the four 1x1 subsamplings of the factorized reductions, which are strided views read
    # by the two 1x1 convolutions after each (ReLU'd as they are read, so no Relu is left
    # there); a cheap op may be cloned into a second worker, so count the nodes lines name.
    lines = compilation.code.splitlines()
    pools = {line.split("  # ")[-1] for line in lines if "= _pool(" in line}
    assert len(pools) == 34
    views = {line.split("  # ")[-1] for line in lines if "[:, :, ::2, ::2]" in line}
    assert len(views) == 4 and all("adjust_prev/AveragePool" in name for name in views)
    assert compilation.code.count("= _pointwise_concat([_cells_4_adjust_prev_AveragePool") == 2
    assert "/cells.3/adjust/adjust.0/Relu" not in compilation.code
    assert compilation.code.count("= _direct(") == 1
    assert compilation.code.count("= _linear(") == 1
    compiled = instantiate(compilation.code, weight_tensors(compilation))
    workers = cast(rt.Workers, compiled.model.workers)
    assert workers.compiled, workers.why_not
    x = nasnet_input()
    (expected,) = run_onnxruntime(model, [x])
    with torch.no_grad():
        (got,) = compiled(torch.as_tensor(x))
    np.testing.assert_allclose(got.numpy(), expected, rtol=RTOL, atol=1e-5)


@pytest.fixture
def fresh_library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """`ramiel.kernels` with its cache cleared and an empty cache directory; restored
    afterwards (the operators stay registered in this process)."""
    monkeypatch.setenv("RAMIEL_CACHE", str(tmp_path))
    kernels._load.cache_clear()  # pyright: ignore[reportPrivateUsage]
    yield
    monkeypatch.undo()
    kernels._load.cache_clear()  # pyright: ignore[reportPrivateUsage]


def _depthwise_calls(model: onnx.ModelProto) -> int:
    return lower(model, workers=1).code.count("= _depthwise(")


@pytest.mark.usefixtures("fresh_library")
def test_turned_off_keeps_depthwise_on_onednn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAMIEL_NATIVE_KERNELS", "0")
    assert not kernels.available()
    assert kernels.why_not() == "RAMIEL_NATIVE_KERNELS=0"
    model = _depthwise_model(8, (6, 6), (3, 3), (1, 1), (1, 1), (1, 1), True)
    assert _depthwise_calls(model) == 0
    with pytest.raises(kernels.NativeKernelsUnavailable, match="RAMIEL_NATIVE_KERNELS=0"):
        rt.native_op("depthwise_conv2d")


@pytest.mark.usefixtures("fresh_library")
def test_no_compiler_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CXX", "no-such-compiler")
    assert not kernels.available()
    assert kernels.why_not() == "no C++ compiler ('no-such-compiler') on PATH"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("fresh_library")
def test_failed_build_leaves_no_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A compiler that fails: the reason quotes its output, and no library (nor a
    half-written one) is left in the cache."""
    compiler = tmp_path / "bad-cxx"
    compiler.write_text("#!/bin/sh\necho 'bad-cxx: cannot compile' >&2\nexit 1\n")
    compiler.chmod(0o755)
    cache = tmp_path / "cache"
    monkeypatch.setenv("CXX", str(compiler))
    monkeypatch.setenv("RAMIEL_CACHE", str(cache))
    assert not kernels.available()
    reason = kernels.why_not()
    assert reason is not None and "building the kernel library failed" in reason
    assert "bad-cxx: cannot compile" in reason
    assert list(cache.iterdir()) == []


def test_library_name_follows_the_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    """A different compiler (or source, torch version, CPU) is a different library."""
    first = kernels.library_path()
    monkeypatch.setenv("CXX", "clang++")
    assert kernels.library_path() != first


def test_pointwise_reads_views_with_contiguous_channels_in_place() -> None:
    """Subsampled, shifted and channel-sliced views of a channels-last tensor (and parts
    of a concatenation) give what the convolution of the copied view gives; an NCHW input
    is copied to channels-last first."""
    conv = rt.native_op("pointwise_conv2d")
    concat = rt.native_op("pointwise_concat_conv2d")
    seed = torch.Generator().manual_seed(0)
    x = torch.randn(1, 48, 31, 33, generator=seed).contiguous(memory_format=torch.channels_last)
    weight = torch.randn(40, 48, 1, 1, generator=seed)
    bias = torch.randn(40, generator=seed)
    views = [x[:, :, ::2, ::2], x[:, :, 1::2, 1::2], x[:, :, 1:, 3:], x[:, 8:24], x.contiguous()]
    for view in views:
        w = weight[:, : view.shape[1]].contiguous()
        expected = torch.relu(torch.nn.functional.conv2d(view.contiguous(), w, bias))
        got = conv(view, rt.conv1x1_matrix(w, 16), bias, None, True)
        torch.testing.assert_close(got, expected, rtol=RTOL, atol=1e-5)
    parts = [torch.randn(1, 16, 8, 8, generator=seed) for _ in range(3)]
    parts = [p.contiguous(memory_format=torch.channels_last)[:, :, 1::2, 1::2] for p in parts]
    expected = torch.nn.functional.conv2d(torch.relu(torch.cat(parts, 1)), weight, bias)
    got = concat(parts, rt.conv1x1_matrix(weight, 16), bias, True, False)
    torch.testing.assert_close(got, expected, rtol=RTOL, atol=1e-5)


def _factorized_reduction_model() -> onnx.ModelProto:
    """NASNet's factorized reduction of a Concat: Relu, then two 1x1 convolutions of
    subsamplings (AveragePool 1x1, stride 2), the second shifted by a pixel (a Slice)."""
    rng = np.random.default_rng(5)
    inits = [
        numpy_helper.from_array(rng.standard_normal((16, 8, 1, 1)).astype(np.float32), "w0"),
        numpy_helper.from_array(rng.standard_normal((16, 32, 1, 1)).astype(np.float32), "w1"),
        numpy_helper.from_array(rng.standard_normal((16, 32, 1, 1)).astype(np.float32), "w2"),
        numpy_helper.from_array(np.array([1, 1], np.int64), "starts"),
        numpy_helper.from_array(np.array([10, 10], np.int64), "ends"),
        numpy_helper.from_array(np.array([2, 3], np.int64), "axes"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w0"], ["a"]),
        helper.make_node("Neg", ["a"], ["a2"]),
        helper.make_node("Concat", ["a", "a2"], ["c"], axis=1),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("AveragePool", ["r"], ["p1"], kernel_shape=[1, 1], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w1"], ["y1"]),
        helper.make_node("Slice", ["r", "starts", "ends", "axes"], ["s"]),
        helper.make_node("AveragePool", ["s"], ["p2"], kernel_shape=[1, 1], strides=[2, 2]),
        helper.make_node("Conv", ["p2", "w2"], ["y2"]),
        helper.make_node("Concat", ["y1", "y2"], ["y"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "factorized_reduction",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 10, 10])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 32, 5, 5])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)


def test_factorized_reduction_reads_views_of_its_input_and_matches_onnxruntime() -> None:
    """Both convolutions read strided views of the Concat, ReLU'd in the kernel: no Relu
    and no pooling call is left."""
    model = _factorized_reduction_model()
    compilation = lower(model, workers=1)
    forward = compilation.code.split("def forward(")[1]
    assert forward.count("= _pointwise_concat([") == 2
    assert "torch.relu" not in forward and "_pool(" not in forward
    assert forward.count("[:, :, ::2, ::2]") == 2
    x = np.random.default_rng(6).standard_normal((1, 8, 10, 10)).astype(np.float32)
    _check_outputs(compilation, model, [x])
