"""The ONNX backend node tests, run through `ramiel.compile`.

onnx 1.23 builds the node test cases in memory (`onnx.backend.test.case.node`); each
case is a one-operator model (or its function-expanded form) with recorded inputs and
outputs. `run_case` compiles the model, runs every recorded data set and compares the
outputs with onnx's own rule (`Runner.assert_similar_outputs`, rtol 1e-3, atol 1e-7).

`expected_failures.txt` beside this file lists the cases that cannot pass, each with
its reason; `python -m ramiel.conformance` prints the results per operator.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from onnx import ModelProto, TensorProto, numpy_helper

EXPECTED_FAILURES_FILE = Path(__file__).with_name("expected_failures.txt")

# Opsets up to which the overall pass rate is measured.
MAX_MEASURED_OPSET = 26


@dataclass(frozen=True)
class Case:
    """One node test: its name, the operator it tests, its model and data sets."""

    name: str
    op_type: str
    opset: int
    model: ModelProto
    data_sets: Sequence[tuple[Sequence[Any], Sequence[Any]]]
    rtol: float
    atol: float


@dataclass(frozen=True)
class Result:
    """How one case went: passed, or the first line of why not."""

    case: Case
    passed: bool
    message: str = ""


def _opset(model: ModelProto) -> int:
    versions = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    return max(versions, default=0)


_EXPANDED = re.compile(r"_expanded(_ver\d+)?$")


@cache
def collect_cases() -> tuple[Case, ...]:
    """Every node test case of the installed onnx, with the operator each one tests."""
    from onnx.backend.test.case import node

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        raw = node.collect_testcases(None)
    op_of: dict[str, str] = {}
    raw = [c for c in raw if c.model is not None]
    for case in raw:
        assert case.model is not None
        ops = [n.op_type for n in case.model.graph.node if n.op_type != "Constant"]
        if not _EXPANDED.search(case.name):
            op_of[case.name] = (ops or ["Constant"])[0]
    cases: list[Case] = []
    for case in raw:
        assert case.model is not None
        base = _EXPANDED.sub("", case.name)
        op_type = op_of.get(base) or op_of.get(case.name) or "?"
        cases.append(
            Case(
                case.name,
                op_type,
                _opset(case.model),
                case.model,
                case.data_sets or [],
                case.rtol,
                case.atol,
            )
        )
    return tuple(cases)


def expected_failures(path: Path = EXPECTED_FAILURES_FILE) -> dict[str, str]:
    """`{case name: reason}` from the expected-failure file (`name: reason` lines)."""
    failures: dict[str, str] = {}
    reason = ""
    for line in path.read_text().splitlines():
        text = line.strip()
        if not text:
            continue
        if text.startswith("#"):
            # A `# reason` line applies to the names that follow it.
            reason = text.lstrip("# ").strip()
            continue
        name, _, own_reason = text.partition(":")
        failures[name.strip()] = own_reason.strip() or reason
    return failures


# ---- value conversion ---------------------------------------------------------------------

_TORCH_OF_ML_DTYPE = {
    "bfloat16": torch.bfloat16,
    "float8_e4m3fn": torch.float8_e4m3fn,
    "float8_e4m3fnuz": torch.float8_e4m3fnuz,
    "float8_e5m2": torch.float8_e5m2,
    "float8_e5m2fnuz": torch.float8_e5m2fnuz,
    "float8_e8m0fnu": torch.float8_e8m0fnu,
}


# Types torch lacks, held in a wider dtype by compiled models (see ramiel.ops.registry).
_HELD: dict[str, type[np.generic]] = {
    "int4": np.int8,
    "int2": np.int8,
    "uint4": np.uint8,
    "uint2": np.uint8,
    "float4_e2m1fn": np.float32,
}


def to_torch(value: Any) -> Any:
    """A recorded input as the compiled model takes it."""
    if value is None:
        return None
    if isinstance(value, list):
        return [to_torch(v) for v in cast(list[Any], value)]
    if isinstance(value, TensorProto):
        value = numpy_helper.to_array(value)
    array = np.asarray(value)
    held = _HELD.get(array.dtype.name)
    if held is not None:
        return torch.as_tensor(array.astype(held))
    special = _TORCH_OF_ML_DTYPE.get(array.dtype.name)
    if special is not None:
        bits = array.view(np.uint16 if array.dtype.itemsize == 2 else np.uint8)
        return torch.as_tensor(bits.copy()).view(special)
    if array.dtype == object:
        raise TypeError("string tensors are not supported")
    return torch.as_tensor(array.copy())


def to_numpy(value: Any, like: Any) -> Any:
    """An output of the compiled model as numpy, in the dtype family of `like`."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [to_numpy(v, None) for v in cast(Sequence[Any], value)]
    tensor = cast(torch.Tensor, value).detach()
    like_dtype = None if like is None else np.asarray(like).dtype
    if like_dtype is not None and like_dtype.name in _HELD:
        return tensor.numpy().astype(like_dtype)
    if tensor.dtype in _TORCH_OF_ML_DTYPE.values():
        bits = tensor.view(torch.uint16 if tensor.element_size() == 2 else torch.uint8).numpy()
        if like is not None and np.asarray(like).dtype.itemsize == bits.dtype.itemsize:
            return bits.view(np.asarray(like).dtype)
        return bits
    return tensor.numpy()


def _reference(value: Any) -> Any:
    if isinstance(value, TensorProto):
        return numpy_helper.to_array(value)
    if isinstance(value, list):
        return [_reference(v) for v in cast(list[Any], value)]
    return value if value is None else np.asarray(value)


# ---- running --------------------------------------------------------------------------------


def run_case(case: Case) -> Result:
    """Compile `case.model`, run its data sets and compare with the recorded outputs."""
    from onnx.backend.test.runner import Runner

    from ramiel.compiler import compile as ramiel_compile

    try:
        model = ramiel_compile(case.model)
    except Exception as error:
        return Result(case, False, f"compile: {_first_line(error)}")
    for inputs, outputs in case.data_sets:
        try:
            with torch.no_grad():
                got = model(*[to_torch(v) for v in inputs])
        except Exception as error:
            return Result(case, False, f"run: {_first_line(error)}")
        expected = [_reference(v) for v in outputs]
        try:
            actual = [to_numpy(g, e) for g, e in zip(got, expected, strict=False)]
            if len(got) != len(expected):
                raise AssertionError(f"{len(got)} outputs, expected {len(expected)}")
            expected, actual = _spread_sequences(expected, actual)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                Runner.assert_similar_outputs(expected, actual, case.rtol, case.atol)
        except (AssertionError, TypeError, ValueError) as error:
            return Result(case, False, f"mismatch: {_first_line(error)}")
    return Result(case, True)


def _spread_sequences(expected: list[Any], actual: list[Any]) -> tuple[list[Any], list[Any]]:
    """Sequence outputs spread into their items, after checking their lengths.

    `Runner.assert_similar_outputs` recurses into a sequence by calling itself on each
    pair of items, which fails for 0-d items; comparing the items at top level is the
    same rule without that flaw.
    """
    flat_expected: list[Any] = []
    flat_actual: list[Any] = []
    for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
        if isinstance(e, list) and isinstance(a, list):
            e_items, a_items = cast(list[Any], e), cast(list[Any], a)
            if len(e_items) != len(a_items):
                raise AssertionError(
                    f"output {index}: sequence of {len(a_items)} items, expected {len(e_items)}"
                )
            flat_expected.extend(e_items)
            flat_actual.extend(a_items)
        else:
            flat_expected.append(e)
            flat_actual.append(a)
    return flat_expected, flat_actual


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else type(error).__name__
    if len(lines) > 1 and "Mismatched" in text:
        first += " " + " ".join(line.strip() for line in lines[1:4])
    return f"{type(error).__name__}: {first}"[:300]
