"""The `cluster` pass on real models: its invariants, its counts, and the code it leads to."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import cast

import numpy as np
import onnx
import pytest
import torch
from xdsl.dialects.builtin import DictionaryAttr, FloatAttr, IntegerAttr, ModuleOp
from xdsl.ir import Operation

from ramiel import runtime as rt
from ramiel.codegen.python import print_python
from ramiel.compiler import instantiate, lower, module_weight_tensors, weight_tensors
from ramiel.dialects.context import ir_context
from ramiel.dialects.dataflow import ClusterOp, WeightOp
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.dialects.onnx_ops import ConstantOp
from ramiel.importer.onnx_importer import import_model
from ramiel.passes.canonicalize import CanonicalizePass
from ramiel.passes.cluster import SCHEDULE_ATTR, cluster_module, main_function
from ramiel.passes.cost_model import AnalyticCostModel, CostModel
from ramiel.passes.schedule import CLONED_ATTR, build_graph, linear_clusters
from ramiel.testing.models import (
    light_model_input,
    light_model_output,
    light_model_path,
    load_onnx,
)
from ramiel.weights import attach_weights, weights_of


@cache
def _light(name: str) -> onnx.ModelProto:
    return load_onnx(light_model_path(name))


def _canonical(model: onnx.ModelProto) -> ModuleOp:
    imported = import_model(model)
    attach_weights(imported.module, imported.weights)
    CanonicalizePass().apply(ir_context(), imported.module)
    return imported.module


def _record(module: ModuleOp) -> dict[str, float]:
    record = main_function(module).attributes[SCHEDULE_ATTR]
    assert isinstance(record, DictionaryAttr)
    values: dict[str, float] = {}
    for key, attr in record.data.items():
        if isinstance(attr, IntegerAttr | FloatAttr):
            values[key] = float(attr.value.data)
    return values


def _work_ops(ops: list[Operation]) -> Counter[str]:
    return Counter(
        op.name
        for op in ops
        if isinstance(op, OnnxOp)
        and not isinstance(op, ConstantOp)
        and op.attributes.get(CLONED_ATTR) is None
    )


@pytest.mark.parametrize(("name", "published"), [("inception_v1", 28), ("squeezenet", 9)])
def test_linear_cluster_counts_match_the_published_ones(name: str, published: int) -> None:
    """Path peeling finds as many linear clusters as the paper's reimplementation."""
    module = _canonical(_light(name))
    block = main_function(module).body.block
    assert len(linear_clusters(build_graph(block, AnalyticCostModel()))) == published


@pytest.mark.parametrize("workers", [1, 2, 3, 8])
def test_clustering_googlenet_keeps_every_op_once_in_topological_order(workers: int) -> None:
    module = _canonical(_light("inception_v1"))
    block = main_function(module).body.block
    before = _work_ops(list(block.ops))
    cluster_module(module, AnalyticCostModel(), workers=workers)
    module.verify()
    clusters = [op for op in block.ops if isinstance(op, ClusterOp)]
    inside = [op for c in clusters for op in c.block.ops]
    assert _work_ops(inside) == before
    assert all(isinstance(op, ClusterOp) for op in list(block.ops)[:-1])
    assert {c.worker_index for c in clusters} <= set(range(workers))
    # Values flow forward only: each cluster reads results of clusters before it.
    position = {c: i for i, c in enumerate(clusters)}
    for cluster in clusters:
        for value in cluster.inputs:
            owner = value.owner
            assert not isinstance(owner, ClusterOp) or position[owner] < position[cluster]
        # Weights a cluster reads are its own copies.
        for op in cluster.block.ops:
            for operand in op.operands:
                assert operand.owner in set(cluster.block.ops) or operand in cluster.block.args
    record = _record(module)
    assert record["linear_clusters"] == 28
    assert record["workers"] <= workers
    lower_bound = max(record["t1_us"] / workers, record["critical_path_us"])
    assert record["makespan_us"] >= lower_bound - 1e-3
    assert record["makespan_us"] <= record["t1_us"] + 1e-3
    if workers == 1:
        assert len(clusters) == 1


def test_clustering_is_deterministic() -> None:
    first = _canonical(_light("inception_v1"))
    second = _canonical(_light("inception_v1"))
    cluster_module(first, AnalyticCostModel(), workers=2)
    cluster_module(second, AnalyticCostModel(), workers=2)
    assert str(first) == str(second)


class _Uniform(CostModel):
    """Every op costs the same: the schedule depends on the graph's shape alone."""

    def estimate(self, op: Operation) -> float:
        return 0.0 if isinstance(op, WeightOp) else 100.0


@pytest.mark.parametrize("name", ["inception_v1", "squeezenet"])
def test_parallel_code_of_light_models_matches_their_recorded_outputs(name: str) -> None:
    """Parallel code (printed whatever the gain) gives the serial code's bits and the
    recorded outputs of the ONNX test data."""
    model = _light(name)
    module = _canonical(model)
    serial_code = print_python(module)
    cluster_module(module, _Uniform(10.0), workers=2)
    parallel_code = print_python(module, min_gain=0.0)
    assert "self.workers.run" in parallel_code
    store = weights_of(module)
    assert store is not None
    tensors = module_weight_tensors(module, store)
    serial = instantiate(serial_code, tensors)
    parallel = instantiate(parallel_code, tensors)
    x = torch.as_tensor(light_model_input(model))
    with torch.inference_mode():
        expected = serial(x)
        for _ in range(3):
            got = parallel(x)
            assert all(torch.equal(a, b) for a, b in zip(got, expected, strict=True))
    result: np.ndarray = expected[0].numpy()
    np.testing.assert_allclose(result, light_model_output(name), rtol=1e-3, atol=1e-7)


def test_compile_chooses_serial_code_for_a_chain_and_says_why() -> None:
    compilation = lower(_light("squeezenet"), workers=2)
    assert "rt.Workers(self, ('_worker_0',))" in compilation.code  # one worker: in order
    # Every op on both cores' intra-op threads beats two workers on a chain.
    assert "# Serial: every op on " in compilation.code


def test_serial_code_chosen_over_two_workers_runs_compiled_and_matches_the_test_data() -> None:
    """ResNet-50's residual convolutions (`_conv_add`, oneDNN's binary overload) compile
    under TorchScript too, and the single worker gives the recorded outputs."""
    model = _light("resnet50")
    compilation = lower(model, workers=2)
    assert "_conv_add(" in compilation.code
    assert "rt.Workers(self, ('_worker_0',))" in compilation.code
    with torch.inference_mode():
        compiled = instantiate(compilation.code, weight_tensors(compilation))
        workers = cast(rt.Workers, compiled.model.workers)
        assert workers.compiled, workers.why_not
        (got,) = compiled(torch.as_tensor(light_model_input(model)))
    np.testing.assert_allclose(got.numpy(), light_model_output("resnet50"), rtol=1e-3, atol=1e-7)


def test_compile_with_one_worker_does_not_cluster() -> None:
    compilation = lower(_light("squeezenet"), workers=1)
    assert not any(isinstance(op, ClusterOp) for op in compilation.module.walk())
    assert compilation.cost_model is None
