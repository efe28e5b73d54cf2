"""`ramiel.compile` and `ramiel compile` end to end: numerics against onnxruntime and the
recorded outputs of the light models, the generated code, run-time checks, threads, errors."""

from __future__ import annotations

import importlib
import importlib.util
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

import ramiel
from ramiel.runtime import InputError
from ramiel.testing.models import (
    LIGHT_MODELS,
    export,
    inception_example,
    light_model_input,
    light_model_output,
    light_model_path,
    load_onnx,
    run_onnxruntime,
    save_onnx,
    transformer_example,
)
from ramiel.tools.diagnostics import RamielError

RTOL = 1e-3
ATOL = 1e-7


def run_ramiel(compiled: torch.nn.Module, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Outputs of a compiled model as numpy arrays."""
    with torch.no_grad():
        outputs = compiled(*[torch.as_tensor(x) for x in inputs])
    return [o.numpy() for o in outputs]


# ---- light models ----------------------------------------------------------------------


@pytest.mark.parametrize("name", LIGHT_MODELS)
def test_light_model_matches_expected_output(name: str) -> None:
    """The default build of each light model gives its recorded output. SqueezeNet's is
    built without fused kernels: its weights are constant-filled, so its 1000 logits are
    equal (about 9e9) and its recorded softmax is uniform only while they round alike,
    which the matrix-product kernel's summation order breaks by a few ulps
    (`test_fuse.test_light_squeezenet_on_onednn_kernels_matches_recorded_output`)."""
    x = light_model_input(load_onnx(light_model_path(name)))
    compiled = ramiel.compile(light_model_path(name), fuse=name != "squeezenet")
    (actual,) = run_ramiel(compiled, [x])
    expected = light_model_output(name)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("canonicalize", [False, True])
def test_inception_v1_code_names_every_node(canonicalize: bool) -> None:
    """Each ONNX node of GoogLeNet can be found in the generated code by its output name:
    assigned in `forward`, built once in `__init__` when it depends on constants only, or
    folded into a weight. The light models generate their weights with ConstantOfShape
    filled with one value: canonicalization rightly merges equal ones, so after it only
    the compute nodes are looked for (inference Dropout is removed too)."""
    path = light_model_path("inception_v1")
    # The plain translation: fusing folds a Relu's line into its Conv's.
    compiled = ramiel.compile(path, canonicalize=canonicalize, fuse=False)
    code: str = compiled.code
    model = load_onnx(path)
    # Serial code has the ops in `forward`, parallel code in one method per cluster.
    forward = code[code.index("class Model") :]
    for node in model.graph.node:
        if canonicalize and node.op_type in ("ConstantOfShape", "Dropout"):
            continue
        # xDSL drops a `_<digits>` suffix from SSA name hints; the printer may add one back.
        name = re.escape(re.sub(r"_\d+$", "", re.sub(r"\W", "_", node.output[0])))
        in_forward = re.search(rf"^        {name}(_\d+)? = ", forward, re.MULTILINE)
        in_init = re.search(rf"self.register_buffer\('{name}(_\d+)?', ", code)
        in_weights = re.search(rf"^    '{name}(_\d+)?': ", code, re.MULTILINE)
        assert in_forward or in_init or in_weights, node.output[0]
    # One line per op: every assignment in forward is a single statement line.
    lines = [line.strip() for line in forward.splitlines()[2:] if line.strip()]
    assert lines[-1].startswith("return (")
    compile(code, "<inception_v1>", "exec")


# ---- our own models, both exporters --------------------------------------------------


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize(
    "example", [inception_example, transformer_example], ids=["inception", "transformer"]
)
def test_own_model_matches_onnxruntime(example: Any, dynamo: bool) -> None:
    module, inputs = example()
    model = export(module, inputs, dynamo=dynamo)
    arrays = [x.numpy() for x in inputs]
    expected = run_onnxruntime(model, arrays)
    actual = run_ramiel(ramiel.compile(model), arrays)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=1e-5)


# ---- the compiled module -----------------------------------------------------------------


def small_model() -> onnx.ModelProto:
    """y = relu(x @ w + b), z = sum(y): two outputs, one weight large enough to be external."""
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((8, 16)).astype(np.float32), "fc.weight")
    b = numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "fc.bias")
    nodes = [
        helper.make_node("MatMul", ["x", "fc.weight"], ["mm"], name="fc/matmul"),
        helper.make_node("Add", ["mm", "fc.bias"], ["pre"], name="fc/add"),
        helper.make_node("Relu", ["pre"], ["y"], name="relu"),
        helper.make_node("ReduceSum", ["y"], ["z"], name="total", keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8])],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 16]),
            helper.make_tensor_value_info("z", TensorProto.FLOAT, []),
        ],
        [w, b],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10  # what onnxruntime 1.31 reads
    return model


def test_compile_returns_module_with_code() -> None:
    model = small_model()
    compiled = ramiel.compile(model)
    assert isinstance(compiled, torch.nn.Module)
    code: str = compiled.code
    assert "class Model(torch.nn.Module)" in code
    assert "y = torch.relu(pre); del pre" in code
    assert "return (y, z)" in code
    x = np.random.default_rng(1).standard_normal((2, 8)).astype(np.float32)
    expected = run_onnxruntime(model, [x])
    actual = run_ramiel(compiled, [x])
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=1e-6)


def test_run_time_input_checks() -> None:
    compiled = ramiel.compile(small_model())
    with pytest.raises(InputError, match=r"expected 1 input \('x'\), got 2"):
        compiled(torch.zeros(2, 8), torch.zeros(2, 8))
    with pytest.raises(InputError, match=r"expected 1 input \('x'\), got 0"):
        compiled()
    with pytest.raises(
        InputError, match=r"input 0 'x': expected shape torch.float32\[2, 8\], got \[2, 7\]"
    ):
        compiled(torch.zeros(2, 7))
    with pytest.raises(
        InputError, match=r"input 0 'x': expected dtype torch.float32, got torch.float64"
    ):
        compiled(torch.zeros(2, 8, dtype=torch.float64))
    with pytest.raises(InputError, match=r"input 0 'x': expected a torch.Tensor"):
        untyped: Any = compiled
        untyped(np.zeros((2, 8), dtype=np.float32))


def test_one_module_runs_on_many_threads() -> None:
    module, (x,) = inception_example()
    compiled = ramiel.compile(export(module, (x,), dynamo=False))
    inputs = [
        torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(i)) for i in range(8)
    ]
    with torch.no_grad():
        expected = [compiled(x)[0] for x in inputs]
    failures: list[str] = []

    def worker(index: int) -> None:
        for round_ in range(5):
            i = (index + round_) % len(inputs)
            with torch.no_grad():
                (got,) = compiled(inputs[i])
            if not torch.equal(got, expected[i]):
                failures.append(f"thread {index} round {round_}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


def test_unsupported_construct_is_a_clear_compile_error() -> None:
    node = helper.make_node("StringNormalizer", ["s"], ["t"], name="norm")
    graph = helper.make_graph(
        [node],
        "strings",
        [helper.make_tensor_value_info("s", TensorProto.STRING, [2])],
        [helper.make_tensor_value_info("t", TensorProto.STRING, [2])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    with pytest.raises(
        RamielError, match=r"^input 's': element type !onnx.string has no PyTorch dtype$"
    ):
        ramiel.compile(model)


def test_op_without_lowering_is_a_compile_error_naming_the_node() -> None:
    node = helper.make_node("ImageDecoder", ["bytes"], ["image"], name="decode")
    graph = helper.make_graph(
        [node],
        "decoder",
        [helper.make_tensor_value_info("bytes", TensorProto.UINT8, [100])],
        [helper.make_tensor_value_info("image", TensorProto.UINT8, [None, None, 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    with pytest.raises(
        RamielError, match=r"^node 'decode': onnx.ImageDecoder: the operator is not supported yet$"
    ):
        ramiel.compile(model)


# ---- the command line ------------------------------------------------------------------


def ramiel_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ramiel.tools.ramiel", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def load_generated(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"generated_{abs(hash(path))}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_compile_writes_a_package_that_loads_its_weights(tmp_path: Path) -> None:
    model_path = tmp_path / "small.onnx"
    save_onnx(small_model(), model_path)
    out = tmp_path / "out"
    result = ramiel_cli("compile", str(model_path), "-o", str(out), "--emit-mlir")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "model.mlir",
        "model.py",
        "weights.safetensors",
    ]
    assert "onnx.MatMul" in (out / "model.mlir").read_text()
    generated = load_generated(out / "model.py")
    compiled = generated.Model()  # weights from weights.safetensors beside model.py
    x = np.random.default_rng(2).standard_normal((2, 8)).astype(np.float32)
    for a, e in zip(run_ramiel(compiled, [x]), run_onnxruntime(small_model(), [x]), strict=True):
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=1e-6)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "ramiel: error: "),
        (b"\x08\x07\x12\x03abc garbage", "ramiel: error: "),
    ],
    ids=["empty", "corrupt"],
)
def test_cli_compile_bad_model_fails_cleanly(tmp_path: Path, content: bytes, message: str) -> None:
    model_path = tmp_path / "bad.onnx"
    model_path.write_bytes(content)
    out = tmp_path / "out"
    result = ramiel_cli("compile", str(model_path), "-o", str(out))
    assert result.returncode == 1
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_cli_compile_missing_file(tmp_path: Path) -> None:
    result = ramiel_cli("compile", str(tmp_path / "nope.onnx"), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "nope.onnx" in result.stderr and "Traceback" not in result.stderr


def test_cli_compile_truncated_model(tmp_path: Path) -> None:
    data = small_model().SerializeToString()
    model_path = tmp_path / "truncated.onnx"
    model_path.write_bytes(data[: len(data) // 2])
    result = ramiel_cli("compile", str(model_path), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "truncated.onnx" in result.stderr and "Traceback" not in result.stderr
