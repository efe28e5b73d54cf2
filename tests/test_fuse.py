"""The `fuse` pass and its fused kernels end to end: small CNNs compiled with `fuse=True`
match onnxruntime and really call `_conv` / `_conv_add` with the expected post-ops, serial
and on two workers; the light models still match their recorded outputs; `fuse=False`
keeps the plain translation; packed weights stay out of the `state_dict`.

The IR-level behaviour (what folds, what does not, where `dataflow.channels_last` goes) is
tested by `lit_tests/fuse/*.mlir`, the printed code by `lit_tests/target-python/kernels.mlir`.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

import ramiel
from ramiel import runtime as rt
from ramiel.codegen.python import print_python
from ramiel.compiler import CompiledModel, instantiate, lower, module_weight_tensors, weight_tensors
from ramiel.dialects.context import ir_context
from ramiel.dialects.dataflow import ConcatConvOp, ConvOp
from ramiel.importer.onnx_importer import import_model
from ramiel.passes.canonicalize import CanonicalizePass
from ramiel.passes.fuse import FusePass
from ramiel.testing.models import (
    export,
    light_model_input,
    light_model_output,
    light_model_path,
    load_onnx,
    randomize_batch_norm,
    run_onnxruntime,
)
from ramiel.weights import attach_weights

RTOL = 1e-3
ATOL = 1e-7
"""The tolerances of `test_compile`: the fused kernels sum in another order than
onnxruntime, but stay well within them (at most a fifth of the allowed error here)."""


# ---- helpers ---------------------------------------------------------------------------


def _seeded(module: nn.Module) -> nn.Module:
    """`module` in eval mode with BatchNorm statistics that are not the identity."""
    randomize_batch_norm(module)
    return module.eval()


def _input(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(2))


def _exported(module: nn.Module, *shape: int) -> onnx.ModelProto:
    """`module` (seeded) exported with the TorchScript exporter (the fast one)."""
    return export(_seeded(module), (_input(*shape),), dynamo=False)


def _compiled(model: onnx.ModelProto, workers: int) -> CompiledModel:
    """`model` compiled with fused kernels. With two workers the module is clustered and
    printed without a minimum gain, so the code is parallel whenever the clustering
    finds work for both workers (the chains of `CASES` stay serial; see
    `test_two_workers_print_kernels_in_cluster_methods`)."""
    if workers == 1:
        return ramiel.compile(model, workers=1, fuse=True)
    compilation = lower(model, workers=workers, fuse=True, min_gain=0.0)
    return instantiate(compilation.code, weight_tensors(compilation))


def _run(compiled: torch.nn.Module, inputs: list[np.ndarray]) -> list[np.ndarray]:
    with torch.no_grad():
        outputs = compiled(*[torch.as_tensor(x) for x in inputs])
    return [o.numpy() for o in outputs]


_KERNEL_LINE = re.compile(r"= (_conv|_conv_add)\((.*)\)(; del .*)?(  # .*)?$")
_ACTIVATION_NAMES = {
    "relu": "Relu",
    "leaky_relu": "LeakyRelu",
    "hardtanh": "Clip",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
}


# The printed matrix-product conv (a Gemm's torch.addmm has no pixel permute).
_MATMUL_LINE = re.compile(
    r"= (F\.leaky_relu\()?torch\.addmm\((.*\.permute\(0, 2, 3, 1\)\.reshape\(.*)$"
)
_MATMUL_ACTIVATIONS = {".relu_()": "Relu", ".sigmoid_()": "Sigmoid", ".tanh_()": "Tanh"}


def _matmul_kind(line: str) -> str | None:
    """What a matrix-product kernel line computes (`Conv+Add+Relu`), if it is one."""
    match = _MATMUL_LINE.search(line)
    if match is None:
        return None
    rest = match.group(2)
    parts = ["Conv"]
    if ".add_(" in rest:
        parts.append("Add")
    if match.group(1):
        parts.append("LeakyRelu")
    elif ".clamp_(" in rest:
        parts.append("Clip")
    parts += [name for suffix, name in _MATMUL_ACTIVATIONS.items() if suffix in rest]
    return "+".join(parts)


def matmul_kernels(code: str) -> int:
    """How many convolutions the code runs as matrix products."""
    return sum(_matmul_kind(line) is not None for line in code.splitlines())


def kernel_kinds(code: str) -> Counter[str]:
    """The fused kernels the code calls, oneDNN's and matrix products, by what they
    compute (`Conv+Add+Relu`)."""
    kinds: Counter[str] = Counter()
    for line in code.splitlines():
        matmul = _matmul_kind(line)
        if matmul is not None:
            kinds[matmul] += 1
            continue
        match = _KERNEL_LINE.search(line)
        if match is None:
            continue
        kernel, args = match.group(1), match.group(2)
        parts = ["Conv"]
        if kernel == "_conv_add":
            parts.append("Add")
            # ..., group, 'add', 1.0, unary or None, [scalars], '')
            activation = re.search(r"'add', 1\.0, (None|'\w+'), \[", args)
        else:
            # ..., group, 'activation', [scalars], '')
            activation = re.search(r", '(\w+)', \[[^\]]*\], ''$", args)
        assert activation is not None, line
        name = activation.group(1).strip("'")
        if name not in ("None", "none"):
            parts.append(_ACTIVATION_NAMES[name])
        kinds["+".join(parts)] += 1
    return kinds


# ---- models ----------------------------------------------------------------------------


class _ConvThen(nn.Module):
    """A convolution, then an activation."""

    def __init__(self, conv: nn.Conv2d, activation: nn.Module) -> None:
        super().__init__()
        self.conv = conv
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """activation(conv(x))."""
        return self.activation(self.conv(x))


def _conv_then(activation: nn.Module) -> nn.Module:
    return _ConvThen(nn.Conv2d(3, 8, 3, padding=1), activation)


class _BasicBlock(nn.Module):
    """ResNet's basic block after a stem conv: relu(bn(conv(relu(bn(conv(x))))) + x)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The block's output."""
        identity = torch.relu(self.stem(x))
        y = torch.relu(self.bn1(self.conv1(identity)))
        return torch.relu(self.bn2(self.conv2(y)) + identity)


class _InputResidual(nn.Module):
    """A residual add whose other operand is the graph input itself (NCHW, not
    channels-last like the conv's output)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """relu(conv(x) + x)."""
        return torch.relu(self.conv(x) + x)


class _Depthwise(nn.Module):
    """A MobileNet block: 1x1 expand, 3x3 depthwise (stride 2), ReLU6 after both."""

    def __init__(self) -> None:
        super().__init__()
        self.expand = nn.Conv2d(3, 12, 1)
        self.depthwise = nn.Conv2d(12, 12, 3, stride=2, padding=1, groups=12)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The block's output."""
        return nn.functional.relu6(self.depthwise(nn.functional.relu6(self.expand(x))))


class _TwoUsers(nn.Module):
    """A conv whose output is read twice: the Relu cannot fold into it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """relu(y) and y * 2 for y = conv(x)."""
        y = self.conv(x)
        return torch.relu(y), y * 2


class _AfterSlice(nn.Module):
    """Convs reading slices: of the graph input (spatial crop) and of a conv's
    channels-last output (a channel range): views that are not contiguous."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Conv2d(3, 8, 3)
        self.second = nn.Conv2d(4, 6, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The second conv of a channel slice of the first, on a cropped input."""
        y = self.first(x[:, :, 1:-1, 2:])
        return torch.sigmoid(self.second(y[:, 2:6]))


class _ChannelShuffle(nn.Module):
    """ShuffleNet's channel shuffle (Reshape, Transpose, Reshape) between two convs."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Conv2d(3, 8, 1)
        self.second = nn.Conv2d(8, 8, 3, padding=1, groups=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The shuffled groups convolved again."""
        y = torch.relu(self.first(x))
        y = y.reshape(1, 2, 4, 6, 6).transpose(1, 2).reshape(1, 8, 6, 6)
        return torch.relu(self.second(y))


def _lrn_model(size: int, *, decomposed: bool = False) -> onnx.ModelProto:
    """Conv+Relu, LRN (on the conv's channels-last output), Conv: GoogLeNet's stem.

    onnxruntime runs LRN of odd sizes only (and onnx's reference evaluator sums the
    window of channel 0 only), so `decomposed=True` writes LRN as the ops of its
    definition for onnxruntime: the squares summed over the channel window
    [c - floor((size-1)/2), c + ceil((size-1)/2)] by a 1x1 Conv with a 0/1 band
    weight, then `x / (bias + alpha / size * sum) ^ beta`."""
    rng = np.random.default_rng(size)
    channels, alpha, beta, bias = 6, 1e-2, 0.75, 1.0
    w1 = rng.standard_normal((channels, 3, 3, 3)).astype(np.float32)
    w2 = rng.standard_normal((4, channels, 1, 1)).astype(np.float32)
    b1 = rng.standard_normal(channels).astype(np.float32)
    initializers = [
        numpy_helper.from_array(w1, "w1"),
        numpy_helper.from_array(b1, "b1"),
        numpy_helper.from_array(w2, "w2"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
    ]
    if decomposed:
        band = np.zeros((channels, channels, 1, 1), np.float32)
        for c in range(channels):
            first = max(0, c - (size - 1) // 2)
            last = min(channels - 1, c + -(-(size - 1) // 2))
            band[c, first : last + 1] = 1.0
        initializers += [
            numpy_helper.from_array(band, "band"),
            numpy_helper.from_array(np.array(alpha / size, np.float32), "scale"),
            numpy_helper.from_array(np.array(bias, np.float32), "bias"),
            numpy_helper.from_array(np.array(beta, np.float32), "beta"),
        ]
        nodes += [
            helper.make_node("Mul", ["r1", "r1"], ["square"]),
            helper.make_node("Conv", ["square", "band"], ["window"]),
            helper.make_node("Mul", ["window", "scale"], ["scaled"]),
            helper.make_node("Add", ["scaled", "bias"], ["base"]),
            helper.make_node("Pow", ["base", "beta"], ["denominator"]),
            helper.make_node("Div", ["r1", "denominator"], ["n"]),
        ]
    else:
        nodes.append(
            helper.make_node("LRN", ["r1"], ["n"], size=size, alpha=alpha, beta=beta, bias=bias)
        )
    nodes.append(helper.make_node("Conv", ["n", "w2"], ["y"]))
    graph = helper.make_graph(
        nodes,
        "lrn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 7, 7])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 7, 7])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10  # what onnxruntime reads
    return model


@dataclass(frozen=True)
class Case:
    """A model, its input shape and the fused kernels its code must call."""

    build: Callable[[], onnx.ModelProto]
    shape: tuple[int, ...]
    kernels: dict[str, int]
    reference: Callable[[], onnx.ModelProto] | None = None
    """The model onnxruntime runs for the expected outputs, when not the model itself."""


CASES: dict[str, Case] = {
    "conv_relu": Case(
        lambda: _exported(_conv_then(nn.ReLU()), 1, 3, 8, 8), (1, 3, 8, 8), {"Conv+Relu": 1}
    ),
    "basic_block": Case(
        lambda: _exported(_BasicBlock(), 1, 3, 8, 8),
        (1, 3, 8, 8),
        {"Conv+Relu": 2, "Conv+Add+Relu": 1},
    ),
    "input_residual": Case(
        lambda: _exported(_InputResidual(), 1, 4, 6, 6), (1, 4, 6, 6), {"Conv+Add+Relu": 1}
    ),
    "relu6": Case(
        lambda: _exported(_conv_then(nn.ReLU6()), 1, 3, 8, 8), (1, 3, 8, 8), {"Conv+Clip": 1}
    ),
    "leaky_relu": Case(
        lambda: _exported(_conv_then(nn.LeakyReLU(0.2)), 1, 3, 8, 8),
        (1, 3, 8, 8),
        {"Conv+LeakyRelu": 1},
    ),
    "sigmoid": Case(
        lambda: _exported(_conv_then(nn.Sigmoid()), 1, 3, 8, 8), (1, 3, 8, 8), {"Conv+Sigmoid": 1}
    ),
    "tanh": Case(
        lambda: _exported(_conv_then(nn.Tanh()), 1, 3, 8, 8), (1, 3, 8, 8), {"Conv+Tanh": 1}
    ),
    "depthwise": Case(lambda: _exported(_Depthwise(), 1, 3, 9, 9), (1, 3, 9, 9), {"Conv+Clip": 2}),
    "strided_dilated": Case(
        lambda: _exported(
            _ConvThen(nn.Conv2d(3, 8, 3, stride=2, dilation=2, padding=2), nn.ReLU()),
            1,
            3,
            11,
            11,
        ),
        (1, 3, 11, 11),
        {"Conv+Relu": 1},
    ),
    "no_bias": Case(
        lambda: _exported(
            _ConvThen(nn.Conv2d(3, 8, (3, 1), padding=(1, 0), bias=False), nn.ReLU()),
            1,
            3,
            8,
            8,
        ),
        (1, 3, 8, 8),
        {"Conv+Relu": 1},
    ),
    "two_users": Case(lambda: _exported(_TwoUsers(), 1, 3, 8, 8), (1, 3, 8, 8), {"Conv": 1}),
    "after_slice": Case(
        lambda: _exported(_AfterSlice(), 1, 3, 9, 9),
        (1, 3, 9, 9),
        {"Conv": 1, "Conv+Sigmoid": 1},
    ),
    "lrn_odd": Case(lambda: _lrn_model(3), (1, 3, 7, 7), {"Conv+Relu": 1, "Conv": 1}),
    "lrn_even": Case(
        lambda: _lrn_model(4),
        (1, 3, 7, 7),
        {"Conv+Relu": 1, "Conv": 1},
        reference=lambda: _lrn_model(4, decomposed=True),
    ),
    "channel_shuffle": Case(
        lambda: _exported(_ChannelShuffle(), 1, 3, 6, 6), (1, 3, 6, 6), {"Conv+Relu": 2}
    ),
}


# ---- small models against onnxruntime --------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("name", list(CASES))
def test_fused_model_matches_onnxruntime(name: str, workers: int) -> None:
    case = CASES[name]
    model = case.build()
    x = _input(*case.shape).numpy()
    reference = model if case.reference is None else case.reference()
    expected = run_onnxruntime(reference, [x])
    compiled = _compiled(model, workers)
    assert kernel_kinds(compiled.code) == Counter(case.kernels), compiled.code
    actual = _run(compiled, [x])
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL)


def test_fused_code_converts_the_input_once_and_keeps_the_layout() -> None:
    """Only the graph input is converted in the basic block; in the channel shuffle the
    Reshape's result is converted again before the second conv; LRN (on Ramiel's kernel)
    gives a channels-last result."""
    block = _compiled(CASES["basic_block"].build(), 1).code
    assert block.count("memory_format=torch.channels_last") == 1
    shuffle = _compiled(CASES["channel_shuffle"].build(), 1).code
    assert shuffle.count("memory_format=torch.channels_last") == 2
    lrn = _compiled(CASES["lrn_odd"].build(), 1).code
    assert lrn.count("memory_format=torch.channels_last") == 1
    assert "= _lrn(" in lrn


def test_two_workers_print_kernels_in_cluster_methods() -> None:
    """Two independent conv branches on two workers: the kernels are printed inside the
    cluster methods and the packed weights are built once, in `__init__`. (5x5 windows:
    3x3 ones would go to the Winograd kernel, which packs nothing for oneDNN.)"""

    class Branches(nn.Module):
        """Two chains of three convs, joined by an Add."""

        def __init__(self) -> None:
            super().__init__()
            self.left = nn.Sequential(*[nn.Conv2d(16, 16, 5, padding=2) for _ in range(3)])
            self.right = nn.Sequential(*[nn.Conv2d(16, 16, 5, padding=2) for _ in range(3)])

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            """relu(left(x)) + sigmoid(right(x))."""
            return torch.relu(self.left(x)) + torch.sigmoid(self.right(x))

    model = _exported(Branches(), 1, 16, 24, 24)
    x = _input(1, 16, 24, 24).numpy()
    compiled = _compiled(model, 2)
    code = compiled.code
    assert "self.workers.run(" in code, code  # really the parallel printer
    assert code.count("rt.pack_conv_weight(") == 6
    # Packed for the threads a worker runs them on, not the threads at load time.
    assert code.count(", threads=rt.threads_per_worker(2))") == 6
    assert sum(kernel_kinds(code).values()) == 6
    (expected,) = run_onnxruntime(model, [x])
    (actual,) = _run(compiled, [x])
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


# ---- light models --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["inception_v1", "resnet50"])
def test_light_model_fused_matches_recorded_output(name: str) -> None:
    path = light_model_path(name)
    x = light_model_input(load_onnx(path))
    compiled = ramiel.compile(path, workers=1, fuse=True)
    assert "= _conv(" in compiled.code
    (actual,) = _run(compiled, [x])
    np.testing.assert_allclose(actual, light_model_output(name), rtol=RTOL, atol=ATOL)


def _fused_with(model: onnx.ModelProto, matmul_max_macs: int) -> CompiledModel:
    """`model` canonicalized, fused with that matrix-product bound, printed serial."""
    imported = import_model(model)
    attach_weights(imported.module, imported.weights)
    CanonicalizePass().apply(ir_context(), imported.module)
    FusePass(matmul_max_macs=matmul_max_macs).apply(ir_context(), imported.module)
    code = print_python(imported.module)
    return instantiate(code, module_weight_tensors(imported.module, imported.weights))


def test_light_squeezenet_on_onednn_kernels_matches_recorded_output() -> None:
    """SqueezeNet's light model (random weights) ends in 1000 equal logits of about 9e9,
    so its recorded softmax is uniform only while every logit rounds alike: oneDNN's
    summation order happens to, the matrix-product kernel's (a few ulps off, 8e-7
    relative on its first layer) does not. So this test keeps every conv on oneDNN, and
    the matrix-product kernel is checked on the well-conditioned models below."""
    model = load_onnx(light_model_path("squeezenet"))
    compiled = _fused_with(model, 0)
    assert "= _conv(" in compiled.code and matmul_kernels(compiled.code) == 0
    (actual,) = _run(compiled, [light_model_input(model)])
    np.testing.assert_allclose(actual, light_model_output("squeezenet"), rtol=RTOL, atol=ATOL)


class _Pointwise(nn.Module):
    """NASNet's pointwise convolutions: 1x1 conv + BN + activation, and a 1x1 conv + BN
    added to a residual then activated, at 8x8 (well under the matmul bound), with 12
    outputs (under a vector: not Ramiel's pointwise kernel). Only Relu folds after an
    Add."""

    def __init__(self, activation: nn.Module) -> None:
        super().__init__()
        self.first = nn.Sequential(nn.Conv2d(16, 12, 1, bias=False), nn.BatchNorm2d(12))
        self.second = nn.Sequential(nn.Conv2d(12, 12, 1), nn.BatchNorm2d(12))
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """activation(second(y) + y) with y = activation(first(x))."""
        y = self.activation(self.first(x))
        return self.activation(self.second(y) + y)


@pytest.mark.parametrize(
    ("activation", "kinds"),
    [
        (nn.ReLU(), {"Conv+Relu": 1, "Conv+Add+Relu": 1}),
        (nn.LeakyReLU(0.2), {"Conv+LeakyRelu": 1, "Conv+Add": 1}),
        (nn.ReLU6(), {"Conv+Clip": 1, "Conv+Add": 1}),
        (nn.Sigmoid(), {"Conv+Sigmoid": 1, "Conv+Add": 1}),
        (nn.Tanh(), {"Conv+Tanh": 1, "Conv+Add": 1}),
    ],
    ids=["relu", "leaky_relu", "clip", "sigmoid", "tanh"],
)
def test_matmul_kernel_matches_onnxruntime(activation: nn.Module, kinds: dict[str, int]) -> None:
    model = _exported(_Pointwise(activation), 1, 16, 8, 8)
    x = _input(1, 16, 8, 8).numpy()
    (expected,) = run_onnxruntime(model, [x])
    compiled = _compiled(model, 1)
    assert matmul_kernels(compiled.code) == 2, compiled.code
    assert kernel_kinds(compiled.code) == Counter(kinds)
    (actual,) = _run(compiled, [x])
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)
    # The same model with both convolutions on oneDNN agrees to float32 rounding.
    (onednn,) = _run(_fused_with(model, 0), [x])
    np.testing.assert_allclose(actual, onednn, rtol=1e-5, atol=1e-6)


def test_matmul_kernel_on_a_strided_input() -> None:
    """1x1 convs whose inputs are channel slices (not dense channels-last tensors): their
    pixels are copied into rows, and the result still matches onnxruntime."""
    model = _exported(_SlicedPointwise(), 1, 8, 6, 6)
    x = _input(1, 8, 6, 6).numpy()
    (expected,) = run_onnxruntime(model, [x])
    compiled = _compiled(model, 1)
    assert matmul_kernels(compiled.code) == 3, compiled.code
    (actual,) = _run(compiled, [x])
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


class _SlicedPointwise(nn.Module):
    """Two 1x1 convs on the two halves of a 1x1 conv's output channels."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Conv2d(8, 12, 1)
        self.left = nn.Conv2d(6, 4, 1)
        self.right = nn.Conv2d(6, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """left(y[:, :6]) * right(y[:, 6:]) with y = first(x)."""
        y = self.first(x)
        return self.left(y[:, :6]) * self.right(y[:, 6:])


def test_light_model_without_fuse_has_no_kernels() -> None:
    path = light_model_path("squeezenet")
    x = light_model_input(load_onnx(path))
    compiled = ramiel.compile(path, workers=1, fuse=False)
    assert "_conv" not in compiled.code
    assert "channels_last" not in compiled.code
    assert "pack_conv_weight" not in compiled.code
    assert "F.conv2d(" in compiled.code
    (actual,) = _run(compiled, [x])
    np.testing.assert_allclose(actual, light_model_output("squeezenet"), rtol=RTOL, atol=ATOL)


# ---- packed weights ----------------------------------------------------------------------


def _packed_attributes(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {
        name: value
        for name, value in vars(model).items()
        if isinstance(value, torch.Tensor) and name.endswith("_packed")
    }


def test_packed_weights_are_attributes_not_state() -> None:
    """Each dataflow.conv has its packed weight, an opaque oneDNN tensor kept as a plain
    attribute: the state_dict holds only dense tensors and can be saved and loaded."""
    model = CASES["basic_block"].build()
    compilation = lower(model, workers=1, fuse=True)
    convs = [op for op in compilation.module.walk() if isinstance(op, ConvOp)]
    compiled = instantiate(compilation.code, weight_tensors(compilation))
    packed = _packed_attributes(compiled.model)
    assert len(convs) == 3
    assert len(packed) == len(convs)
    assert all(tensor.is_mkldnn for tensor in packed.values())
    state = compiled.state_dict()
    assert not [key for key in state if key.endswith("_packed")]
    assert all(not tensor.is_mkldnn for tensor in state.values())
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer)
    assert loaded.keys() == state.keys()
    # The (4-D) conv weights are read only packed: only the three biases are buffers.
    assert sorted(tensor.shape for tensor in state.values()) == [(8,)] * 3, list(state)


def test_packed_weight_count_matches_conv_count_on_a_light_model() -> None:
    """SqueezeNet: one packed weight per oneDNN dataflow.conv, one weight matrix per
    matrix-product or pointwise-kernel one (the squeeze convolutions of a fire module's
    Concat read its parts: dataflow.concat_conv), taps for the stem on the direct kernel
    and a transformed weight per 3x3 expansion on the Winograd kernel, none of them in
    the saved state_dict."""
    compilation = lower(light_model_path("squeezenet"), workers=1, fuse=True)
    convs = [op for op in compilation.module.walk() if isinstance(op, ConvOp)]
    concat_convs = [op for op in compilation.module.walk() if isinstance(op, ConcatConvOp)]
    compiled = instantiate(compilation.code, weight_tensors(compilation))
    packed = _packed_attributes(compiled.model)
    matrices = [name for name in vars(compiled.model) if name.endswith("_matrix")]
    on_matrix = [op for op in convs if op.is_matmul or op.on_pointwise_kernel]
    direct = [op for op in convs if op.on_direct_kernel]
    winograd = [op for op in convs if op.on_winograd_kernel]
    transformed = [name for name in vars(compiled.model) if name.endswith("_winograd")]
    assert len(convs) > 0
    assert len(concat_convs) == 5  # the squeezes not after a max pool
    assert len(direct) == 1
    assert len(winograd) == len(transformed) > 0
    assert len(packed) == len(convs) - len(on_matrix) - len(direct) - len(winograd)
    assert len(matrices) == len(on_matrix) + len(concat_convs) > 0
    buffer = io.BytesIO()
    torch.save(compiled.state_dict(), buffer)
    buffer.seek(0)
    loaded = torch.load(buffer)
    assert not [key for key in loaded if key.endswith(("_packed", "_matrix", "_winograd"))]
    assert all(tensor.dim() != 4 for tensor in loaded.values())


def test_packing_for_other_threads_restores_the_thread_count() -> None:
    weight = torch.rand(8, 4, 3, 3)
    before = torch.get_num_threads()
    packed = rt.pack_conv_weight(weight, [1, 1], [1, 1], [1, 1], 1, [1, 4, 8, 8], threads=1)
    assert torch.get_num_threads() == before
    x = torch.rand(1, 4, 8, 8).contiguous(memory_format=torch.channels_last)
    with rt.intra_op_threads(1), torch.inference_mode():
        y = torch.ops.mkldnn._convolution_pointwise(
            x, packed, None, [1, 1], [1, 1], [1, 1], 1, "none", [], ""
        )
    torch.testing.assert_close(y, torch.nn.functional.conv2d(x, weight, padding=1))
