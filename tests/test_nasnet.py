"""The NASNet-style test model: its exported graph has the shape of NASNet (cells of many
parallel branches), and Ramiel's compiled module computes what onnxruntime computes."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

import ramiel
from ramiel.testing.models import load_onnx, run_onnxruntime
from ramiel.testing.nasnet import INPUT_SHAPE, nasnet_example, nasnet_input

# Branch outputs that a cell concatenates are sums of two branches.
MIN_BRANCH_SUMS = 5


@pytest.fixture(scope="module")
def model() -> onnx.ModelProto:
    """The exported model, built once for this file."""
    return nasnet_example()


def ancestry(graph: onnx.GraphProto) -> Callable[[onnx.NodeProto], frozenset[int]]:
    """A function giving the indices of the nodes a node (transitively) reads from."""
    nodes = list(graph.node)
    producer = {out: i for i, node in enumerate(nodes) for out in node.output}

    @cache
    def of(index: int) -> frozenset[int]:
        parents = {producer[v] for v in nodes[index].input if v in producer}
        result = set(parents)
        for p in parents:
            result |= of(p)
        return frozenset(result)

    index = {id(node): i for i, node in enumerate(nodes)}
    return lambda node: of(index[id(node)])


def cell_concats(graph: onnx.GraphProto) -> list[tuple[onnx.NodeProto, list[onnx.NodeProto]]]:
    """The Concat nodes that end a cell (at least `MIN_BRANCH_SUMS` of their inputs are
    Adds), each with those Adds."""
    producer = {out: node for node in graph.node for out in node.output}
    cells: list[tuple[onnx.NodeProto, list[onnx.NodeProto]]] = []
    for node in graph.node:
        if node.op_type != "Concat":
            continue
        adds = [producer[v] for v in node.input if v in producer and producer[v].op_type == "Add"]
        if len(adds) >= MIN_BRANCH_SUMS:
            cells.append((node, adds))
    return cells


def test_graph_has_at_least_eight_cells_of_five_parallel_branches(
    model: onnx.ModelProto,
) -> None:
    graph = model.graph
    producer = {out: node for node in graph.node for out in node.output}
    ancestors = ancestry(graph)
    index = {id(node): i for i, node in enumerate(graph.node)}
    cells = cell_concats(graph)
    assert len(cells) >= 8
    for concat, adds in cells:
        # The branches: what each Add sums. A set of them none of which reads from another
        # can all run at the same time; pick one greedily (a lower bound on the widest).
        tails = [producer[v] for add in adds for v in add.input if v in producer]
        parallel: list[onnx.NodeProto] = []
        for tail in tails:
            if all(
                tail is not other
                and index[id(tail)] not in ancestors(other)
                and index[id(other)] not in ancestors(tail)
                for other in parallel
            ):
                parallel.append(tail)
        assert len(parallel) >= MIN_BRANCH_SUMS, (concat.name, [n.name for n in parallel])
    assert 300 <= len(graph.node) <= 700


def test_compiled_model_matches_onnxruntime(model: onnx.ModelProto) -> None:
    x = nasnet_input()
    assert x.shape == INPUT_SHAPE and x.dtype == np.float32
    (expected,) = run_onnxruntime(model, [x])
    compiled = ramiel.compile(model)
    with torch.no_grad():
        (actual,) = compiled(torch.as_tensor(x))
    # atol: float32 sums through eleven cells; the largest difference seen is about 1e-6.
    np.testing.assert_allclose(actual.numpy(), expected, rtol=1e-3, atol=1e-5)


def test_example_is_saved_when_given_a_path(tmp_path: Path, model: onnx.ModelProto) -> None:
    path = tmp_path / "nasnet.onnx"
    saved = nasnet_example(path)
    assert load_onnx(path).graph == saved.graph == model.graph
