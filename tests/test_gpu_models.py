"""The Inception-v3-style and BERT-style test models of the GPU benchmark, at small sizes:
their exported graphs have the published structure, and Ramiel's compiled modules compute
what onnxruntime computes."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

import ramiel
from ramiel.testing.bert import (
    SMALL_CONFIG,
    SMALL_HIDDEN,
    SMALL_LAYERS,
    SMALL_SEQ,
    SMALL_VOCAB,
    BertConfig,
    bert_example,
    bert_input,
)
from ramiel.testing.inception_v3 import (
    MIN_INPUT_SIZE,
    SMALL_SIZE,
    SMALL_WIDTH,
    InceptionV3Style,
    inception_v3_example,
    inception_v3_input,
)
from ramiel.testing.models import load_onnx, run_onnxruntime

INCEPTION_WIDTH = SMALL_WIDTH
INCEPTION_SIZE = SMALL_SIZE
BERT_CONFIG: BertConfig = SMALL_CONFIG
BERT_LAYERS, BERT_HIDDEN, BERT_SEQ, BERT_VOCAB = SMALL_LAYERS, SMALL_HIDDEN, SMALL_SEQ, SMALL_VOCAB

# Inputs of each block's Concat, in graph order: 3 InceptionA (4 branches), InceptionB
# (3: the published grid reduction has two convolution branches and a max pool),
# 4 InceptionC (4), InceptionD (3), 2 InceptionE (4 branches, two of them split in two;
# the exporter flattens the nested Concats into one of 6 inputs).
INCEPTION_CONCAT_INPUTS = [4, 4, 4, 3, 4, 4, 4, 4, 3, 6, 6]
# Convolutions: stem 5, InceptionA 7, InceptionB 4, InceptionC 10, InceptionD 6, InceptionE 9.
INCEPTION_CONVS = 5 + 3 * 7 + 4 + 4 * 10 + 6 + 2 * 9


@pytest.fixture(scope="module")
def inception() -> onnx.ModelProto:
    """The small Inception-v3, exported once for this file."""
    return inception_v3_example(width=INCEPTION_WIDTH, size=INCEPTION_SIZE)


@pytest.fixture(scope="module")
def bert() -> onnx.ModelProto:
    """The small BERT, exported once for this file."""
    return bert_example(**BERT_CONFIG)


def op_types(model: onnx.ModelProto) -> Counter[str]:
    """How many nodes of each op type the graph has."""
    return Counter(node.op_type for node in model.graph.node)


def test_inception_graph_has_the_published_blocks(inception: onnx.ModelProto) -> None:
    graph = inception.graph
    concats = [node for node in graph.node if node.op_type == "Concat"]
    assert [len(node.input) for node in concats] == INCEPTION_CONCAT_INPUTS
    counts = op_types(inception)
    assert counts["Conv"] == counts["Relu"] == INCEPTION_CONVS
    # Average pools: one per InceptionA, C and E; max pools: two in the stem, one per
    # grid reduction.
    assert counts["AveragePool"] == 3 + 4 + 2
    assert counts["MaxPool"] == 2 + 2
    assert "BatchNormalization" not in counts  # folded into the convolutions
    # Every branch of an InceptionA, C or E block ends in a Conv + ReLU unit.
    producer = {out: node for node in graph.node for out in node.output}
    for concat in concats:
        if len(concat.input) != 3:
            assert {producer[v].op_type for v in concat.input} == {"Relu"}


def test_inception_structure_does_not_depend_on_size(inception: onnx.ModelProto) -> None:
    tiny = inception_v3_example(width=0.125, size=MIN_INPUT_SIZE)
    assert [n.op_type for n in tiny.graph.node] == [n.op_type for n in inception.graph.node]
    with torch.device("meta"):  # the published widths, without initializing 24M weights
        assert InceptionV3Style().features == 2048
    with pytest.raises(ValueError, match="at least 75"):
        inception_v3_example(width=0.125, size=MIN_INPUT_SIZE - 1)


def test_inception_compiled_model_matches_onnxruntime(inception: onnx.ModelProto) -> None:
    x = inception_v3_input(INCEPTION_SIZE)
    assert x.shape == (1, 3, INCEPTION_SIZE, INCEPTION_SIZE) and x.dtype == np.float32
    (expected,) = run_onnxruntime(inception, [x])
    compiled = ramiel.compile(inception)
    with torch.no_grad():
        (actual,) = compiled(torch.as_tensor(x))
    # atol: float32 sums along paths 47 convolutions deep, logits of about unit scale. Against
    # the float64 PyTorch model, onnxruntime, eager PyTorch and Ramiel are each about 5e-5
    # off; between Ramiel and onnxruntime the largest difference seen is 6e-5.
    np.testing.assert_allclose(actual.numpy(), expected, rtol=1e-3, atol=2e-4)


def test_bert_graph_has_one_attention_per_layer(bert: onnx.ModelProto) -> None:
    graph = bert.graph
    counts = op_types(bert)
    assert counts["Softmax"] == BERT_LAYERS
    assert counts["LayerNormalization"] == 1 + 2 * BERT_LAYERS
    assert counts["Erf"] == BERT_LAYERS  # exact GELU, decomposed at opset 18
    (ids,) = graph.input
    assert ids.type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert [d.dim_value for d in ids.type.tensor_type.shape.dim] == [1, BERT_SEQ]
    assert len(graph.output) == 2
    # Linear layers are MatMuls by a weight; group them by the tensor they read. In each
    # layer Q, K and V read the layer's input and nothing else reads it with them.
    weights = {t.name for t in graph.initializer}
    readers: defaultdict[str, list[onnx.NodeProto]] = defaultdict(list)
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in weights:
            readers[node.input[0]].append(node)
    qkv = [name for name, nodes in readers.items() if len(nodes) == 3]
    assert len(qkv) == BERT_LAYERS
    assert all(len(nodes) in (1, 3) for nodes in readers.values())
    producer = {out: node for node in graph.node for out in node.output}
    assert all(producer[name].op_type == "LayerNormalization" for name in qkv)
    shapes = {
        tuple(t.dims)
        for name in qkv
        for node in readers[name]
        for t in graph.initializer
        if t.name == node.input[1]
    }
    assert shapes == {(BERT_HIDDEN, BERT_HIDDEN)}


def test_bert_compiled_model_matches_onnxruntime(bert: onnx.ModelProto) -> None:
    ids = bert_input(BERT_SEQ, BERT_VOCAB)
    assert ids.shape == (1, BERT_SEQ) and ids.dtype == np.int64
    assert 0 <= ids.min() and ids.max() < BERT_VOCAB
    expected = run_onnxruntime(bert, [ids])
    compiled = ramiel.compile(bert)
    with torch.no_grad():
        actual = compiled(torch.as_tensor(ids))
    assert len(actual) == len(expected) == 2
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a.numpy(), e, rtol=1e-3, atol=1e-5)


def test_examples_are_saved_when_given_a_path(
    tmp_path: Path, inception: onnx.ModelProto, bert: onnx.ModelProto
) -> None:
    path = tmp_path / "inception_v3.onnx"
    saved = inception_v3_example(path, width=INCEPTION_WIDTH, size=INCEPTION_SIZE)
    assert load_onnx(path).graph == saved.graph == inception.graph
    path = tmp_path / "bert.onnx"
    saved = bert_example(path, **BERT_CONFIG)
    assert load_onnx(path).graph == saved.graph == bert.graph
