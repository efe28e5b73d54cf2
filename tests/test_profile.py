"""The measured cost model: every op of the serial code timed, cached per model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects.builtin import ModuleOp

import ramiel.compiler
from ramiel import kernels
from ramiel.dialects.context import ir_context
from ramiel.dialects.dataflow import ClusterOp
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.importer.onnx_importer import import_model
from ramiel.passes.canonicalize import CanonicalizePass
from ramiel.passes.cluster import ClusterPass
from ramiel.passes.profile import CACHE_ENV, profile_costs
from ramiel.weights import attach_weights

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "inception_block.onnx"


def _module() -> ModuleOp:
    imported = import_model(EXAMPLE)
    attach_weights(imported.module, imported.weights)
    CanonicalizePass().apply(ir_context(), imported.module)
    return imported.module


def test_every_op_gets_a_measured_cost_and_the_cache_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    module = _module()
    costs = profile_costs(module, repeat=3)
    work = [op for op in module.walk() if isinstance(op, OnnxOp) and op.name != "onnx.Constant"]
    assert set(costs) == set(work)
    assert all(cost > 0 for cost in costs.values())
    assert len(list((tmp_path / "profiles").glob("*.json"))) == 1

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached profile must not run the model again")

    monkeypatch.setattr(ramiel.compiler, "instantiate", no_run)
    again = _module()
    cached = profile_costs(again, repeat=3)
    assert sorted(cached.values()) == sorted(costs.values())


def _conv_module(channels: int) -> ModuleOp:
    """One 1x1 convolution with `channels` outputs: the printed code does not say how many."""
    weight = np.ones((channels, 8, 1, 1), np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"])],
        "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(weight, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    imported = import_model(model)
    attach_weights(imported.module, imported.weights)
    return imported.module


def test_models_whose_code_differs_only_in_weight_shapes_get_their_own_profiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    narrow, wide = _conv_module(8), _conv_module(512)
    profile_costs(narrow, repeat=1)
    profile_costs(wide, repeat=1)
    assert len(list((tmp_path / "profiles").glob("*.json"))) == 2


def test_a_new_build_of_the_kernel_library_gets_its_own_profiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    module = _conv_module(8)
    profile_costs(module, repeat=1)
    monkeypatch.setattr(kernels, "library_path", lambda: tmp_path / "kernels-changed.so")
    profile_costs(module, repeat=1)
    assert len(list((tmp_path / "profiles").glob("*.json"))) == 2


def test_an_uncached_profile_is_measured_and_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    narrow = _conv_module(8)
    profile_costs(narrow, repeat=1)
    runs: list[bool] = []
    real = ramiel.compiler.instantiate

    def counting(*args: Any, **kwargs: Any) -> Any:
        runs.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(ramiel.compiler, "instantiate", counting)
    profile_costs(narrow, repeat=1, cache=False)  # its cached profile is not read
    assert runs == [True]
    profile_costs(_conv_module(512), repeat=1, cache=False)  # nor is a new one written
    assert len(list((tmp_path / "profiles").glob("*.json"))) == 1


def test_cluster_pass_with_the_profile_cost_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    module = _module()
    ClusterPass(workers=2, cost_model="profile").apply(ir_context(), module)
    assert any(isinstance(op, ClusterOp) for op in module.walk())
    assert '"profile"' in str(module)
