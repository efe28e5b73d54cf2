"""Models of our own for tests and benchmarks, built in code and exported to ONNX.

No model hub is reachable, so each model is a seeded `torch.nn.Module` exported with
either exporter: `dynamo=True` (torch.export + onnxscript) or `dynamo=False`
(TorchScript). The light models of the onnx wheel are found with `light_model_path`.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from torch import nn

LIGHT_MODELS_DIR = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
LIGHT_MODELS = (
    "bvlc_alexnet",
    "densenet121",
    "inception_v1",
    "inception_v2",
    "resnet50",
    "shufflenet",
    "squeezenet",
    "vgg19",
    "zfnet512",
)


def load_onnx(path: str | Path) -> onnx.ModelProto:
    """`onnx.load` with its types spelled out (the stubs leave them partly unknown)."""
    untyped: Any = onnx
    return untyped.load(str(path))


def save_onnx(model: onnx.ModelProto, path: str | Path) -> None:
    """`onnx.save`, typed."""
    untyped: Any = onnx
    untyped.save(model, str(path))


def light_model_path(name: str) -> Path:
    """`light_<name>.onnx` inside the installed onnx package."""
    return LIGHT_MODELS_DIR / f"light_{name}.onnx"


def light_model_output(name: str) -> Any:
    """The expected output recorded beside a light model, as a numpy array."""
    tensor = onnx.TensorProto()
    tensor.ParseFromString((LIGHT_MODELS_DIR / f"light_{name}_output_0.pb").read_bytes())
    return onnx.numpy_helper.to_array(tensor)


def light_model_input(model: onnx.ModelProto) -> Any:
    """The input the light models' outputs were recorded for (onnx's runner's dummy data:
    `arange(n) / n` in the input's shape)."""
    initializers = {t.name for t in model.graph.initializer}
    (data,) = [i for i in model.graph.input if i.name not in initializers]
    shape = tuple(d.dim_value or 1 for d in data.type.tensor_type.shape.dim)
    count = int(np.prod(shape))
    return (np.arange(count).reshape(shape) / count).astype(np.float32)


class _ConvBnRelu(nn.Sequential):
    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1) -> None:
        super().__init__(
            nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(),
        )


class _InceptionBlock(nn.Module):
    def __init__(self, cin: int, width: int) -> None:
        super().__init__()
        self.b1 = _ConvBnRelu(cin, width, 1)
        self.b2 = nn.Sequential(_ConvBnRelu(cin, width // 2, 1), _ConvBnRelu(width // 2, width, 3))
        self.b3 = nn.Sequential(
            _ConvBnRelu(cin, width // 4, 1), _ConvBnRelu(width // 4, width // 2, 5)
        )
        self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), _ConvBnRelu(cin, width // 2, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((self.b1(x), self.b2(x), self.b3(x), self.b4(x)), 1)


class InceptionNet(nn.Module):
    """A GoogLeNet-style CNN: stem, three four-branch blocks with BatchNorm, pooling, classifier."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(_ConvBnRelu(3, 32, 7, 2), nn.MaxPool2d(3, 2, 1))
        self.block1 = _InceptionBlock(32, 32)
        self.block2 = _InceptionBlock(96, 48)
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.block3 = _InceptionBlock(144, 64)
        self.head = nn.Linear(192, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities of an image batch."""
        y = self.block2(self.block1(self.stem(x)))
        y = self.block3(self.pool(y))
        y = nn.functional.adaptive_avg_pool2d(y, 1).flatten(1)
        return torch.softmax(self.head(y), dim=-1)


class TransformerEncoder(nn.Module):
    """Two post-norm encoder layers (d_model 64, 4 heads, GELU feed-forward) and a head."""

    def __init__(self) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(
            d_model=64,
            nhead=4,
            dim_feedforward=128,
            dropout=0.0,
            activation="gelu",
            batch_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encoded sequence, layer-normalized."""
        return self.norm(self.encoder(x))


def inception_example() -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    """The Inception-style CNN (seeded) and an input for it."""
    _seed(0)
    model = InceptionNet().eval()
    randomize_batch_norm(model)
    return model, (torch.randn(1, 3, 64, 64),)


def transformer_example() -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    """The transformer encoder (seeded) and an input for it."""
    _seed(0)
    return TransformerEncoder().eval(), (torch.randn(1, 16, 64),)


def _seed(seed: int) -> None:
    untyped: Any = torch
    untyped.manual_seed(seed)


def randomize_batch_norm(model: nn.Module) -> None:
    """Give BatchNorm layers non-trivial statistics, so folding them is really tested."""
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            channels = module.num_features
            mean, var = module.running_mean, module.running_var
            assert mean is not None and var is not None
            with torch.no_grad():
                mean.copy_(torch.randn(channels, generator=generator) * 0.1)
                var.copy_(torch.rand(channels, generator=generator) + 0.5)
                module.weight.copy_(torch.rand(channels, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(channels, generator=generator) * 0.1)


def calibrate_batch_norm(model: nn.Module, batch: tuple[int, ...], rounds: int = 2) -> None:
    """Set BatchNorm statistics to the plain average over `rounds` random batches of shape
    `batch` (so that BN folding is not the identity and activations stay near unit scale
    through the depth); the model is left in eval mode."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.momentum = None  # a plain average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(rounds):
            model(torch.randn(batch))
    model.eval()


def export(
    model: nn.Module,
    inputs: tuple[torch.Tensor, ...],
    *,
    dynamo: bool,
    opset: int = 18,
    optimize: bool = True,
) -> onnx.ModelProto:
    """`model` exported to ONNX in memory with the chosen exporter (weights inline).

    `optimize=False` keeps the dynamo exporter's graph as traced: BatchNormalization
    unfolded, shape arithmetic in place (what canonicalization must clean up)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "model.onnx"
        untyped: Any = torch.onnx
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            if dynamo:
                untyped.export(
                    model, inputs, str(path), dynamo=True, opset_version=opset, optimize=optimize
                )
            else:
                untyped.export(model, inputs, str(path), dynamo=False, opset_version=opset)
        return load_onnx(path)


def run_onnxruntime(
    model: onnx.ModelProto,
    inputs: Sequence[np.ndarray] | Mapping[str, np.ndarray],
    *,
    optimize: bool = True,
) -> list[np.ndarray]:
    """The outputs of `model` run by onnxruntime on the CPU; inputs by name, or in
    graph-input order.

    `optimize=False` turns onnxruntime's graph optimizations off, so it runs the graph as
    written (for comparing two graphs, not just two results).
    """
    ort: Any = importlib.import_module("onnxruntime")
    options = ort.SessionOptions()
    if not optimize:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    if not isinstance(inputs, Mapping):
        names = [i.name for i in session.get_inputs()]
        inputs = dict(zip(names, inputs, strict=True))
    outputs: list[Any] = session.run(None, dict(inputs))
    return [np.asarray(o) for o in outputs]
