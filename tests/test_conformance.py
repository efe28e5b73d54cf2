"""The ONNX backend node tests through `ramiel.compile`, compared with onnx's own rule.

Every case runs; those listed in `ramiel/conformance/expected_failures.txt` are strict
xfails, so a case that starts passing must be taken off the list. The pass-rate test
checks the list against the targets: at least 99% of the core operators' cases and 90%
of all cases of opset <= 26 pass (the core operators' cases count at any opset).
"""

from __future__ import annotations

import pytest

from ramiel.conformance import (
    MAX_MEASURED_OPSET,
    Case,
    collect_cases,
    expected_failures,
    run_case,
)
from ramiel.conformance.__main__ import CORE_OPS

CASES = collect_cases()
XFAIL = expected_failures()


def _params() -> list[object]:
    params: list[object] = []
    for case in CASES:
        marks: list[pytest.MarkDecorator] = []
        if case.name in XFAIL:
            marks.append(pytest.mark.xfail(reason=XFAIL[case.name], strict=True))
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_node(case: Case) -> None:
    result = run_case(case)
    assert result.passed, result.message


def test_expected_failures_are_known_cases_with_reasons() -> None:
    names = {case.name for case in CASES}
    unknown = sorted(set(XFAIL) - names)
    assert not unknown, f"expected_failures.txt names unknown cases: {unknown[:5]}"
    assert all(reason for reason in XFAIL.values())


def test_pass_rates_meet_targets() -> None:
    measured = [c for c in CASES if c.opset <= MAX_MEASURED_OPSET]
    core = [c for c in CASES if c.op_type in CORE_OPS]  # Cast's cases are all opset 28
    core_passing = sum(c.name not in XFAIL for c in core)
    all_passing = sum(c.name not in XFAIL for c in measured)
    assert core_passing >= 0.99 * len(core), f"{core_passing}/{len(core)} core cases pass"
    assert all_passing >= 0.90 * len(measured), f"{all_passing}/{len(measured)} cases pass"
    assert {c.op_type for c in core} == set(CORE_OPS)
