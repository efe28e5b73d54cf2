"""Shared fixtures of the Ramiel test suite.

* `light_models_dir`: the "light" model zoo shipped inside the installed `onnx`
  package (AlexNet, ResNet-50, ... with weights replaced by `ConstantOfShape`).
* `mlir_context`: one xDSL `Context` with the `builtin`, `func`, `onnx` and
  `dataflow` dialects loaded, shared by the whole session.

Parse/print helpers live in `ir_helpers.py` (`parse_module`, `print_ir`,
`assert_same_ir`, `assert_round_trips`).
"""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
from ir_helpers import make_context
from xdsl.context import Context

LIGHT_MODELS_DIR = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


@pytest.fixture(scope="session")
def light_models_dir() -> Path:
    """The directory of the light ONNX model zoo inside the installed onnx package."""
    assert LIGHT_MODELS_DIR.is_dir(), LIGHT_MODELS_DIR
    return LIGHT_MODELS_DIR


@pytest.fixture(scope="session")
def mlir_context() -> Context:
    """A session-wide context with builtin, func, onnx and dataflow loaded."""
    return make_context()
