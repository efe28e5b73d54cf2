"""GPU code (`--target cuda`) on a machine without a GPU: the generated module compiles,
says clearly that it needs CUDA, and, run with a stand-in for `torch.cuda` on the CPU,
computes what onnxruntime computes, creates no tensor off its device and never reads a
value back to the host (the meta device catches both), and captures once per shape.

The stand-in runs every launch eagerly in launch order, so it checks the numerics of the
launch order and of the code; the synchronization is checked statically by
`tests/test_streams.py` (`check_events`). Tests that need a real GPU are skipped here."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
import torch

import ramiel
from ramiel.compiler import instantiate, lower, weight_tensors
from ramiel.runtime import CapturedGraph, CudaUnavailableError
from ramiel.testing.bert import SMALL_CONFIG, SMALL_SEQ, SMALL_VOCAB, bert_example, bert_input
from ramiel.testing.inception_v3 import (
    SMALL_SIZE,
    SMALL_WIDTH,
    inception_v3_example,
    inception_v3_input,
)
from ramiel.testing.models import (
    light_model_input,
    light_model_path,
    load_onnx,
    run_onnxruntime,
    save_onnx,
)
from ramiel.testing.nasnet import nasnet_example, nasnet_input
from ramiel.tools.diagnostics import RamielError

RTOL = 1e-3
ATOL = 1e-4
"""Deep float32 networks: logits near zero differ in absolute terms (see
tests/test_gpu_models.py, where onnxruntime itself is 4e-5 off a float64 run)."""

_ids = itertools.count()


@dataclass
class FakeEvent:
    """`torch.cuda.Event` stand-in: remembers whether it was recorded."""

    recorded_on: list[int] = field(default_factory=list[int])

    def record(self, stream: FakeStream | None = None) -> None:
        """Record on `stream` (the current one by default)."""
        self.recorded_on.append((stream or FakeCuda.current).ident)


class FakeStream:
    """`torch.cuda.Stream` stand-in: logs the waits made on it."""

    def __init__(self, device: object = None, priority: int = 0) -> None:
        del device, priority
        self.ident = next(_ids)
        self.waits: list[object] = []

    def wait_event(self, event: FakeEvent) -> None:
        """Wait for `event`, which must have been recorded (else the real one is a no-op
        and the wait orders nothing)."""
        assert event.recorded_on, "waiting on an event that was never recorded"
        self.waits.append(event)

    def wait_stream(self, stream: FakeStream) -> None:
        """Wait for all the work queued on `stream`."""
        self.waits.append(stream)


class FakeGraph:
    """`torch.cuda.CUDAGraph` stand-in: counts replays (the captured launch already ran
    eagerly, on the inputs of the call that captured it)."""

    def __init__(self) -> None:
        self.replays = 0

    def replay(self) -> None:
        """Count a replay."""
        self.replays += 1


class FakeCuda:
    """The `torch.cuda` names generated GPU code uses."""

    current = FakeStream()
    captures = 0

    @staticmethod
    def current_stream(device: object = None) -> FakeStream:
        """The stream set by the innermost `stream(...)` block."""
        del device
        return FakeCuda.current

    @staticmethod
    @contextmanager
    def stream(stream: FakeStream) -> Generator[None]:
        """Make `stream` current inside the block."""
        previous, FakeCuda.current = FakeCuda.current, stream
        try:
            yield
        finally:
            FakeCuda.current = previous

    @staticmethod
    @contextmanager
    def graph(graph: FakeGraph, stream: FakeStream | None = None) -> Generator[None]:
        """Count a capture; the block runs eagerly, on `stream` when given."""
        del graph
        FakeCuda.captures += 1
        previous = FakeCuda.current
        FakeCuda.current = stream or FakeStream()
        try:
            yield
        finally:
            FakeCuda.current = previous


@pytest.fixture
def fake_cuda(monkeypatch: pytest.MonkeyPatch) -> type[FakeCuda]:
    """`torch.cuda` replaced by the stand-in for the test's duration."""
    FakeCuda.captures = 0
    FakeCuda.current = FakeStream()
    cuda: Any = torch.cuda
    monkeypatch.setattr(cuda, "is_available", lambda: True)
    monkeypatch.setattr(cuda, "Stream", FakeStream)
    monkeypatch.setattr(cuda, "Event", FakeEvent)
    monkeypatch.setattr(cuda, "CUDAGraph", FakeGraph)
    monkeypatch.setattr(cuda, "current_stream", FakeCuda.current_stream)
    monkeypatch.setattr(cuda, "stream", FakeCuda.stream)
    monkeypatch.setattr(cuda, "graph", FakeCuda.graph)
    return FakeCuda


@cache
def _googlenet() -> tuple[onnx.ModelProto, list[np.ndarray]]:
    model = load_onnx(light_model_path("inception_v1"))
    return model, [light_model_input(model)]


@cache
def _nasnet() -> tuple[onnx.ModelProto, list[np.ndarray]]:
    return nasnet_example(), [nasnet_input()]


@cache
def _inception_v3() -> tuple[onnx.ModelProto, list[np.ndarray]]:
    return inception_v3_example(width=SMALL_WIDTH, size=SMALL_SIZE), [
        inception_v3_input(SMALL_SIZE)
    ]


@cache
def _bert() -> tuple[onnx.ModelProto, list[np.ndarray]]:
    return bert_example(**SMALL_CONFIG), [bert_input(seq=SMALL_SEQ, vocab=SMALL_VOCAB)]


MODELS: dict[str, Callable[[], tuple[onnx.ModelProto, list[np.ndarray]]]] = {
    "googlenet": _googlenet,
    "nasnet": _nasnet,
    "inception_v3": _inception_v3,
    "bert": _bert,
}


def _gpu_model(model: onnx.ModelProto, device: str, **options: Any) -> Any:
    compilation = lower(model, target="cuda", **options)
    return instantiate(compilation.code, weight_tensors(compilation), device=device).model


@pytest.mark.parametrize("name", list(MODELS))
def test_gpu_code_matches_onnxruntime_run_in_launch_order(
    name: str, fake_cuda: type[FakeCuda]
) -> None:
    model, inputs = MODELS[name]()
    gpu = _gpu_model(model, "cpu")
    assert len(gpu.streams) >= 2, "a wide model gets side streams"
    with torch.inference_mode():
        outputs = gpu(*[torch.as_tensor(x) for x in inputs])
    expected = run_onnxruntime(model, inputs)
    assert len(outputs) == len(expected)
    for actual, wanted in zip(outputs, expected, strict=True):
        np.testing.assert_allclose(actual.numpy(), wanted, rtol=RTOL, atol=ATOL)
    assert fake_cuda.captures == 1


@pytest.mark.parametrize("name", list(MODELS))
def test_gpu_code_stays_on_its_device_and_never_syncs(name: str, fake_cuda: type[FakeCuda]) -> None:
    # On the meta device a tensor created on the CPU fails to mix with the others, and
    # reading a value back (`.item()`, `.tolist()`) fails: either would break a capture.
    model, inputs = MODELS[name]()
    gpu = _gpu_model(model, "meta")
    with torch.inference_mode():
        outputs = gpu.launch(*[torch.as_tensor(x).to("meta") for x in inputs])
    expected = run_onnxruntime(model, inputs)
    assert [tuple(o.shape) for o in outputs] == [e.shape for e in expected]
    assert all(o.device.type == "meta" for o in outputs)
    del fake_cuda


def test_capture_once_per_input_shape_then_replay(fake_cuda: type[FakeCuda]) -> None:
    model, inputs = _nasnet()
    gpu = _gpu_model(model, "cpu")
    x = torch.as_tensor(inputs[0])
    with torch.inference_mode():
        first = gpu(x)
        second = gpu(x)
    assert fake_cuda.captures == 1
    graphs: dict[Any, CapturedGraph] = gpu.graphs
    (graph,) = graphs.values()
    assert isinstance(graph, CapturedGraph)
    assert graph.graph.replays == 2
    # Copies by default: each call's outputs are its own tensors.
    assert first[0].data_ptr() != second[0].data_ptr()
    assert all(o.data_ptr() != s.data_ptr() for o, s in zip(first, graph.outputs, strict=True))


def test_static_outputs_on_request(fake_cuda: type[FakeCuda]) -> None:
    model, inputs = _nasnet()
    compilation = lower(model, target="cuda")
    gpu: Any = instantiate(
        compilation.code, weight_tensors(compilation), device="cpu", copy_outputs=False
    ).model
    with torch.inference_mode():
        outputs = gpu(torch.as_tensor(inputs[0]))
    graphs: dict[Any, CapturedGraph] = gpu.graphs
    (graph,) = graphs.values()
    assert outputs is graph.outputs
    del fake_cuda


def test_side_streams_fork_from_and_join_stream_zero(fake_cuda: type[FakeCuda]) -> None:
    model, inputs = _googlenet()
    gpu = _gpu_model(model, "cpu")
    base = fake_cuda.current
    with torch.inference_mode():
        gpu.launch(torch.as_tensor(inputs[0]))
    for stream in gpu.streams:
        assert stream.waits[0] is base, "each side stream first waits for stream 0"
    joined = [w for w in base.waits if isinstance(w, FakeStream)]
    assert joined == list(gpu.streams), "stream 0 ends waiting for every side stream"


def test_max_streams_one_is_one_stream_without_events() -> None:
    model, _ = _googlenet()
    code = lower(model, target="cuda", max_streams=1).code
    assert "torch.cuda.Event()" not in code
    assert "self.streams" not in code
    assert "torch.cuda.graph(graph, stream=stream)" in code


def test_events_only_where_values_cross_streams() -> None:
    model, _ = _googlenet()
    code = lower(model, target="cuda").code
    records = code.count(".record(")
    waits = code.count(".wait_event(")
    assert 0 < records <= waits, (records, waits)
    assert records == code.count("torch.cuda.Event()")


def test_generated_gpu_code_compiles(tmp_path: Path) -> None:
    model, _ = _inception_v3()
    path = tmp_path / "model.py"
    path.write_text(lower(model, target="cuda").code)
    subprocess.run([sys.executable, "-m", "py_compile", str(path)], check=True)


def test_without_cuda_the_model_says_it_needs_one(tmp_path: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    model, _ = _nasnet()
    with pytest.raises(CudaUnavailableError, match=r"needs a CUDA device .*--target cpu"):
        ramiel.compile(model, target="cuda")
    # The written package says the same when its model is built.
    save_onnx(model, tmp_path / "nasnet.onnx")
    ramiel_cli = Path(sys.executable).with_name("ramiel")
    subprocess.run(
        [
            str(ramiel_cli),
            "compile",
            str(tmp_path / "nasnet.onnx"),
            "-o",
            str(tmp_path / "pkg"),
            "--target",
            "cuda",
        ],
        check=True,
        capture_output=True,
    )
    run = subprocess.run(
        [sys.executable, "-c", "import model; model.Model()"],
        cwd=tmp_path / "pkg",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("ramiel.runtime.cuda.CudaUnavailableError: this model was compiled")
    assert "torch.cuda.is_available() is False" in last


def test_unknown_target_and_bad_stream_cap_are_errors() -> None:
    model, _ = _nasnet()
    target: Any = "tpu"
    with pytest.raises(RamielError, match="unknown target 'tpu'"):
        lower(model, target=target)
    with pytest.raises(RamielError, match="max_streams must be 0"):
        lower(model, target="cuda", max_streams=-2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("name", list(MODELS))
def test_on_a_gpu_outputs_match_the_cpu_path(name: str) -> None:
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    model, inputs = MODELS[name]()
    gpu = ramiel.compile(model, target="cuda")
    cpu = ramiel.compile(model, workers=1)
    tensors = [torch.as_tensor(x) for x in inputs]
    with torch.inference_mode():
        gpu(*tensors)  # the capture
        outputs = [o.cpu() for o in gpu(*tensors)]  # a replay
        expected = cpu(*tensors)
    for actual, wanted in zip(outputs, expected, strict=True):
        np.testing.assert_allclose(actual.numpy(), wanted.numpy(), rtol=RTOL, atol=ATOL)
