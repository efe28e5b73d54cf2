"""Ramiel's Winograd kernel (`torch.ops.ramiel.winograd_conv2d`, F(2x2, 3x3)): compiled
3x3 convolutions on it match onnxruntime across channel counts, sizes (odd ones cut the
last tiles), pads, a residual addend and Relu; its transformed weight is G g G^T; it
gives the same result on one thread and two, for a batch of two and an NCHW input; bad
arguments name the operator.

The kernel choice is tested by `lit_tests/fuse/winograd.mlir`, the printed call by
`lit_tests/target-python/winograd.mlir`.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from ramiel import kernels
from ramiel import runtime as rt
from ramiel.compiler import instantiate, lower, weight_tensors
from ramiel.runtime.parallel import intra_op_threads
from ramiel.testing.models import run_onnxruntime

RTOL = 1e-3
ATOL = 1e-5
"""Sums of up to 9 * C_in products, transformed and back: atol 1e-5, as the other
convolution kernels' tests take."""

pytestmark = pytest.mark.skipif(
    not kernels.available(), reason=f"no kernel library: {kernels.why_not()}"
)


def _conv_model(
    cin: int, cout: int, size: tuple[int, int], pad: int, relu: bool, residual: bool
) -> onnx.ModelProto:
    """Conv 3x3 (with bias, `pad` on every side), then Add of a second input when
    `residual`, then Relu when `relu`."""
    rng = np.random.default_rng(cin * 1000 + cout)
    weight = (rng.standard_normal((cout, cin, 3, 3)) / np.sqrt(9 * cin)).astype(np.float32)
    bias = rng.standard_normal(cout).astype(np.float32)
    out = [s + 2 * pad - 2 for s in size]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[pad] * 4)]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, cin, *size])]
    if residual:
        nodes.append(helper.make_node("Add", ["c", "r"], ["s"]))
        inputs.append(helper.make_tensor_value_info("r", TensorProto.FLOAT, [1, cout, *out]))
    if relu:
        nodes.append(helper.make_node("Relu", [nodes[-1].output[0]], ["y"]))
    nodes[-1].output[0] = "y"
    graph = helper.make_graph(
        nodes,
        "winograd",
        inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, cout, *out])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)


CASES = [
    # cin, cout, size, pad, relu, residual
    (64, 64, (14, 14), 1, True, False),  # ResNet-50's shape, smaller
    (16, 48, (9, 11), 1, False, False),  # odd sizes: the last tiles are cut; 3 vectors
    (32, 80, (7, 6), 0, True, False),  # no padding; 5 vectors: a chunk of 4 and one of 1
    (16, 16, (5, 5), 2, True, False),  # pad 2: the output is larger than the input
    (32, 32, (10, 10), 1, True, True),  # a residual Add, then Relu
    (16, 32, (1, 1), 1, False, True),  # one pixel: one tile, three quarters cut
    (48, 64, (30, 30), 1, True, False),  # 225 tiles: groups of tiles over two threads
    # More than 128 outputs: the input is transformed for all tiles first.
    (16, 144, (9, 7), 1, True, True),  # 9 vectors: chunks of 4, 4 and 1; an addend
    (144, 160, (20, 18), 1, True, False),  # 1.4 MiB of weight: larger tile groups
]


@pytest.mark.parametrize(("cin", "cout", "size", "pad", "relu", "residual"), CASES)
def test_winograd_matches_onnxruntime(
    cin: int, cout: int, size: tuple[int, int], pad: int, relu: bool, residual: bool
) -> None:
    model = _conv_model(cin, cout, size, pad, relu, residual)
    compilation = lower(model, workers=1)
    assert compilation.code.count("= _winograd(") == 1
    compiled = instantiate(compilation.code, weight_tensors(compilation))
    rng = np.random.default_rng(1)
    feeds = [rng.standard_normal((1, cin, *size)).astype(np.float32)]
    if residual:
        out = tuple(s + 2 * pad - 2 for s in size)
        feeds.append(rng.standard_normal((1, cout, *out)).astype(np.float32))
    (expected,) = run_onnxruntime(model, feeds)
    with torch.no_grad():
        (got,) = compiled(*(torch.as_tensor(f) for f in feeds))
    np.testing.assert_allclose(got.numpy(), expected, rtol=RTOL, atol=ATOL)


def test_winograd_weights_are_g_g_gt() -> None:
    """U[a * 4 + b, i, o] = (G g[o, i] G^T)[a, b] with G the F(2x2, 3x3) filter transform."""
    g = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
    weight = torch.randn(32, 16, 3, 3)
    u = rt.winograd_weights(weight)
    assert u.shape == (16, 16, 32) and u.dtype == torch.float32 and u.is_contiguous()
    w = weight.double().numpy()
    for o, i in ((0, 0), (31, 15), (7, 3)):
        expected = g @ w[o, i] @ g.T
        np.testing.assert_allclose(u[:, i, o].reshape(4, 4).numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("outputs", [48, 160])
def test_winograd_batch_layouts_and_threads(outputs: int) -> None:
    """Two images, from an NCHW or a channels-last input, with an addend, give a
    channels-last output equal to F.conv2d's, and the same bits on one thread and two
    (with 48 outputs each task transforms its own tiles, with 160 all are first)."""
    op = rt.native_op("winograd_conv2d")
    x, bias = torch.randn(2, 32, 13, 10), torch.randn(outputs)
    weight = torch.randn(outputs, 32, 3, 3) * 0.1
    addend = torch.randn(2, outputs, 13, 10)
    u = rt.winograd_weights(weight)
    expected = torch.relu(torch.nn.functional.conv2d(x, weight, bias, padding=1) + addend)
    results: list[torch.Tensor] = []
    for threads in (1, 2):
        for source in (x, x.contiguous(memory_format=torch.channels_last)):
            with intra_op_threads(threads):
                got = op(source, u, bias, [1, 1], addend, True)
            assert got.is_contiguous(memory_format=torch.channels_last)
            torch.testing.assert_close(got, expected, rtol=RTOL, atol=ATOL)
            results.append(got)
    assert all(torch.equal(r, results[0]) for r in results)


def test_winograd_bad_arguments_name_the_operator() -> None:
    op = rt.native_op("winograd_conv2d")
    x, bias = torch.randn(1, 16, 6, 6), torch.randn(32)
    u = rt.winograd_weights(torch.randn(32, 16, 3, 3))
    with pytest.raises(RuntimeError, match=r"ramiel::winograd_conv2d: C_in must be a multiple"):
        op(torch.randn(1, 8, 6, 6), u[:, :8], bias, [1, 1], None, False)
    with pytest.raises(RuntimeError, match=r"ramiel::winograd_conv2d: weight must be float32"):
        op(x, u[:9], bias, [1, 1], None, False)
    with pytest.raises(RuntimeError, match=r"ramiel::winograd_conv2d: bias must be float32"):
        op(x, u, bias[:16], [1, 1], None, False)
    with pytest.raises(RuntimeError, match=r"ramiel::winograd_conv2d: expected a 4-D float32"):
        op(x[0], u, bias, [1, 1], None, False)
    with pytest.raises(RuntimeError, match=r"ramiel::winograd_conv2d: padding must be"):
        op(x, u, bias, [-1, 1], None, False)
    with pytest.raises(RuntimeError, match=r"ramiel::winograd_conv2d: a 3x3 window does not"):
        op(x[..., :2, :], u, bias, [0, 0], None, False)
    with pytest.raises(RuntimeError, match=r"ramiel::winograd_conv2d: addend must be float32"):
        op(x, u, bias, [1, 1], torch.randn(1, 32, 5, 6), False)
