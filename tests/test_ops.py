"""The table of op semantics: coverage, and how lowerings see their operands."""

from __future__ import annotations

import numpy as np

from ramiel.dialects.onnx_ops import ONNX_OPS
from ramiel.ops.registry import lowered_op_classes, py_literal, short_float32, tensor_literal

# String tensors have no PyTorch dtype, and decoding images needs an image library.
NOT_LOWERED = {"ImageDecoder", "RegexFullMatch", "StringConcat", "StringNormalizer", "StringSplit"}


def test_every_op_class_but_string_ops_has_a_lowering() -> None:
    missing = {op.SCHEMA.name for op in ONNX_OPS if op not in lowered_op_classes()}
    assert missing == NOT_LOWERED


def test_py_literal_spells_special_floats_and_tuples() -> None:
    assert py_literal(float("inf")) == 'float("inf")'
    assert py_literal(-float("inf")) == '-float("inf")'
    assert py_literal(float("nan")) == 'float("nan")'
    assert py_literal((3,)) == "(3,)"
    assert py_literal([1, (2, 3)]) == "[1, (2, 3)]"
    assert py_literal(np.int64(4)) == "4"


def test_tensor_literal_keeps_empty_shapes() -> None:
    assert tensor_literal(np.zeros((2, 0, 4), np.float32), "torch.float32") == (
        "torch.empty((2, 0, 4), dtype=torch.float32)"
    )
    assert tensor_literal(np.array([1, 2], np.int64), "torch.int64") == (
        "torch.tensor([1, 2], dtype=torch.int64)"
    )


def test_short_float32_spells_float32_attributes_as_written() -> None:
    assert short_float32(float(np.float32(0.01))) == 0.01
    assert short_float32(float(np.float32(1e-5))) == 1e-5
    assert short_float32(0.1) == 0.1  # not a float32: unchanged
    assert short_float32(float("inf")) == float("inf")
