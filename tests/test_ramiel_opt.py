"""The `ramiel-opt` driver: `.onnx` and `.mlir` inputs, output files, and one-line errors.

Most tests call `ramiel.tools.ramiel_opt.main` in-process (capturing stdout and
stderr); two run the module as a subprocess. Every failure must print exactly one
line, `ramiel-opt: error: <where>: <message>`, exit with 1, print no traceback, and
leave no output or temporary file behind.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
from ir_helpers import assert_same_ir, parse_module
from onnx import TensorProto, external_data_helper, helper, numpy_helper
from xdsl.context import Context

from ramiel.importer.onnx_importer import import_model
from ramiel.tools.ramiel_opt import main
from ramiel.weights import read_safetensors

MODEL = "light_squeezenet.onnx"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, light_models_dir: Path) -> Path:
    """A temporary current directory holding `model.onnx` (SqueezeNet, light)."""
    shutil.copy(light_models_dir / MODEL, tmp_path / "model.onnx")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_main(args: list[str]) -> int:
    """Run `ramiel-opt args`; its exit status."""
    try:
        main(args)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


def weight_keys(text: str) -> set[str]:
    return set(re.findall(r'dataflow\.weight "([^"]+)"', text))


# ---- successful runs -----------------------------------------------------------------


def test_onnx_to_mlir_writes_ir_and_weights(
    workdir: Path, capsys: pytest.CaptureFixture[str], mlir_context: Context
) -> None:
    assert run_main(["model.onnx", "-o", "g.mlir"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert sorted(p.name for p in workdir.iterdir()) == [
        "g.mlir",
        "g.weights.safetensors",
        "model.onnx",
    ]
    text = (workdir / "g.mlir").read_text()
    assert 'dataflow.weights = "g.weights.safetensors"' in text
    keys = weight_keys(text)
    assert keys, "SqueezeNet has initializers too large to inline"
    stored = read_safetensors(workdir / "g.weights.safetensors")
    assert set(stored) == keys
    expected = import_model(workdir / "model.onnx").weights
    for key in keys:
        np.testing.assert_array_equal(stored[key], expected[key])
    module = parse_module(mlir_context, text)
    module.verify()
    imported = import_model(workdir / "model.onnx").module
    main_func, imported_func = module.body.block.first_op, imported.body.block.first_op
    assert main_func is not None and imported_func is not None
    assert_same_ir(imported_func, main_func)

    # Re-reading the IR prints it identically (the weights file is found beside it).
    assert run_main(["g.mlir"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out == text

    # Writing it elsewhere renames the weights file with it.
    assert run_main(["g.mlir", "-o", "h.mlir"]) == 0
    h_text = (workdir / "h.mlir").read_text()
    assert h_text == text.replace('"g.weights.safetensors"', '"h.weights.safetensors"')
    h_stored = read_safetensors(workdir / "h.weights.safetensors")
    assert set(h_stored) == keys
    for key in keys:
        np.testing.assert_array_equal(h_stored[key], stored[key])


def test_onnx_to_stdout_points_at_the_model(
    workdir: Path, capsys: pytest.CaptureFixture[str], mlir_context: Context
) -> None:
    assert run_main(["model.onnx"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert 'dataflow.weights = "model.onnx"' in captured.out
    parse_module(mlir_context, captured.out).verify()
    assert sorted(p.name for p in workdir.iterdir()) == ["model.onnx"]
    # The printed IR reads its weights from the model it came from.
    (workdir / "s.mlir").write_text(captured.out)
    assert run_main(["s.mlir", "-o", "t.mlir"]) == 0
    stored = read_safetensors(workdir / "t.weights.safetensors")
    assert set(stored) == weight_keys(captured.out)


def test_generic_output_parses_to_the_same_module(
    workdir: Path, capsys: pytest.CaptureFixture[str], mlir_context: Context
) -> None:
    assert run_main(["model.onnx", "-o", "g.mlir"]) == 0
    assert run_main(["g.mlir", "--print-op-generic"]) == 0
    generic = capsys.readouterr().out
    assert '"onnx.Conv"(' in generic
    custom = parse_module(mlir_context, (workdir / "g.mlir").read_text())
    assert_same_ir(custom, parse_module(mlir_context, generic))


def test_module_without_weights_gets_no_weights_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "a.mlir").write_text(
        "func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {\n"
        "  %y = onnx.Relu(%a) : (tensor<2xf32>) -> tensor<2xf32>\n"
        "  func.return %y : tensor<2xf32>\n"
        "}\n"
    )
    assert run_main(["a.mlir", "-o", "b.mlir"]) == 0
    assert capsys.readouterr().err == ""
    assert not (workdir / "b.weights.safetensors").exists()
    text = (workdir / "b.mlir").read_text()
    assert "onnx.Relu(%" in text and "dataflow.weights" not in text


# ---- failures ------------------------------------------------------------------------


def _write_model(
    path: Path, nodes: list[onnx.NodeProto], opset: int, domains: dict[str, int]
) -> None:
    graph = helper.make_graph(
        nodes,
        "g",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4]),
            helper.make_tensor_value_info("w", TensorProto.FLOAT, [1, 1, 3, 3]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    opsets = [helper.make_opsetid("", opset)] + [
        helper.make_opsetid(d, v) for d, v in domains.items()
    ]
    path.write_bytes(helper.make_model(graph, opset_imports=opsets).SerializeToString())


def _truncated(d: Path) -> str:
    data = (d / "model.onnx").read_bytes()
    (d / "trunc.onnx").write_bytes(data[: len(data) // 2])
    return "trunc.onnx"


def _text_as_onnx(d: Path) -> str:
    (d / "text.onnx").write_text("this is not a protobuf\n")
    return "text.onnx"


def _unknown_domain(d: Path) -> str:
    node = helper.make_node("FusedConv", ["x", "w"], ["y"], name="fc", domain="com.microsoft")
    _write_model(d / "ms.onnx", [node], 17, {"com.microsoft": 1})
    return "ms.onnx"


def _opset_6(d: Path) -> str:
    _write_model(d / "old.onnx", [helper.make_node("Relu", ["x"], ["y"], name="r")], 6, {})
    return "old.onnx"


def _shape_mismatch(d: Path) -> str:
    node = helper.make_node("Add", ["x", "w"], ["y"], name="add")
    _write_model(d / "mismatch.onnx", [node], 17, {})
    return "mismatch.onnx"


def _syntax_error(d: Path) -> str:
    (d / "syntax.mlir").write_text(
        "func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {\n"
        "  %y = onnx.Relu(%a : (tensor<2xf32>) -> tensor<2xf32>\n"
        "  func.return %y : tensor<2xf32>\n"
        "}\n"
    )
    return "syntax.mlir"


def _verifier_error(d: Path) -> str:
    (d / "verify.mlir").write_text(
        "func.func @f(%a: tensor<2xf32>) -> tensor<2xi64> {\n"
        "  %y = onnx.Relu(%a) : (tensor<2xf32>) -> tensor<2xi64>\n"
        "  func.return %y : tensor<2xi64>\n"
        "}\n"
    )
    return "verify.mlir"


def _missing_weights(d: Path) -> str:
    (d / "weights.mlir").write_text(
        'builtin.module attributes {dataflow.weights = "gone.safetensors"} {\n'
        "  func.func @f() -> tensor<4x5xf32> {\n"
        '    %w = dataflow.weight "w" : tensor<4x5xf32>\n'
        "    func.return %w : tensor<4x5xf32>\n"
        "  }\n"
        "}\n"
    )
    return "weights.mlir"


def _missing_external_data(d: Path) -> str:
    weight = numpy_helper.from_array(np.ones((64, 64), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64])],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    external_data_helper.convert_model_to_external_data(
        model, all_tensors_to_one_file=True, location="ext.onnx.data", size_threshold=0
    )
    (d / "ext.onnx").write_bytes(model.SerializeToString())  # and no ext.onnx.data
    return "ext.onnx"


def _missing_input(d: Path) -> str:
    return "missing.onnx"


ERROR_CASES: dict[str, tuple[Callable[[Path], str], str]] = {
    "truncated-onnx": (_truncated, r"'trunc\.onnx' is not a valid ONNX model"),
    "text-as-onnx": (_text_as_onnx, r"'text\.onnx' is not a valid ONNX model"),
    "unknown-domain": (
        _unknown_domain,
        r"node 'fc' \(com\.microsoft\.FusedConv\): operator 'FusedConv' of domain "
        r"'com\.microsoft' is not supported",
    ),
    "opset-6": (_opset_6, r"ONNX opset 6 is not supported \(supported: 7 to \d+\)"),
    "shape-mismatch": (_shape_mismatch, r"ONNX shape inference failed"),
    "mlir-syntax": (_syntax_error, r"syntax\.mlir:2:\d+: "),
    "mlir-verifier": (
        _verifier_error,
        r"verify\.mlir:2:3: 'onnx\.Relu' op result 'Y' has type tensor\(int64\), but type "
        r"variable T is already bound to tensor\(float\)",
    ),
    "missing-weights": (_missing_weights, r"gone\.safetensors"),
    "missing-input": (_missing_input, r"missing\.onnx"),
    "missing-external-data": (_missing_external_data, r"'ext\.onnx'.*ext\.onnx\.data"),
}


@pytest.mark.parametrize(
    "case",
    [case for case in sorted(ERROR_CASES)],
)
def test_bad_input_is_one_line_error_and_no_output(
    case: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_input, pattern = ERROR_CASES[case]
    name = make_input(workdir)
    before = sorted(p.name for p in workdir.iterdir())
    assert run_main([name, "-o", "out.mlir"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("ramiel-opt: error: "), lines[0]
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in captured.err
    assert sorted(p.name for p in workdir.iterdir()) == before, "no output or temporary file"


def test_failure_leaves_existing_output_untouched(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "out.mlir").write_text("old\n")
    name = _verifier_error(workdir)
    assert run_main([name, "-o", "out.mlir"]) == 1
    assert capsys.readouterr().err.startswith("ramiel-opt: error: verify.mlir:2:3: ")
    assert (workdir / "out.mlir").read_text() == "old\n"


def test_unwritable_output_is_one_line_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main(["model.onnx", "-o", "no/such/dir/out.mlir"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ramiel-opt: error: cannot write ")
    assert sorted(p.name for p in workdir.iterdir()) == ["model.onnx"]


# ---- as a command --------------------------------------------------------------------


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ramiel.tools.ramiel_opt", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_command_imports_a_model(workdir: Path) -> None:
    result = _command("model.onnx", "-o", "g.mlir")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""
    assert (workdir / "g.mlir").is_file() and (workdir / "g.weights.safetensors").is_file()


def test_command_reports_a_bad_model(workdir: Path) -> None:
    name = _truncated(workdir)
    result = _command(name, "-o", "out.mlir")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ramiel-opt: error: 'trunc.onnx'"), result.stderr
    assert not (workdir / "out.mlir").exists()
