"""`python -m ramiel.conformance`: run the ONNX node tests and print pass/fail per operator.

python -m ramiel.conformance                 # every case, table per operator, totals
python -m ramiel.conformance --op Conv,Gemm  # only these operators
python -m ramiel.conformance -k resize -v    # cases whose name contains 'resize', with why
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Sequence

from ramiel.conformance import (
    MAX_MEASURED_OPSET,
    Result,
    collect_cases,
    expected_failures,
    run_case,
)

CORE_OPS = (
    "Conv Gemm MatMul Relu Add Mul Concat MaxPool AveragePool GlobalAveragePool "
    "BatchNormalization Reshape Flatten Transpose Softmax LayerNormalization Gelu Erf Sigmoid "
    "Tanh Split Slice Gather Unsqueeze Squeeze Shape Constant Pad Resize Clip Div Sub Pow Sqrt "
    "ReduceMean Cast Where Expand Dropout Identity LRN"
).split()
"""The 41 operators a CNN or transformer exporter emits most."""


def _rate(results: Sequence[Result]) -> str:
    passed = sum(r.passed for r in results)
    total = len(results)
    return f"{passed}/{total} ({100.0 * passed / max(total, 1):.1f}%)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected cases; print the table; exit 1 on an unexpected result."""
    parser = argparse.ArgumentParser(prog="python -m ramiel.conformance", description=__doc__)
    parser.add_argument("--op", help="comma-separated operator types to run")
    parser.add_argument("-k", dest="pattern", help="run cases whose name contains this")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every failure")
    options = parser.parse_args(argv)
    ops = set(options.op.split(",")) if options.op else None
    cases = [
        c
        for c in collect_cases()
        if (ops is None or c.op_type in ops) and (not options.pattern or options.pattern in c.name)
    ]
    xfail = expected_failures()
    start = time.perf_counter()
    results = [run_case(c) for c in cases]
    elapsed = time.perf_counter() - start
    by_op: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_op[result.case.op_type].append(result)
    width = max((len(op) for op in by_op), default=8)
    print(f"{'operator':<{width}}  {'passed':>7}  {'failed':>6}  expected failures")
    for op in sorted(by_op):
        group = by_op[op]
        passed = sum(r.passed for r in group)
        listed = sum(r.case.name in xfail for r in group)
        print(f"{op:<{width}}  {passed:>7}  {len(group) - passed:>6}  {listed}")
    unexpected = [r for r in results if not r.passed and r.case.name not in xfail]
    fixed = [r for r in results if r.passed and r.case.name in xfail]
    measured = [r for r in results if r.case.opset <= MAX_MEASURED_OPSET]
    core = [r for r in results if r.case.op_type in CORE_OPS]
    print()
    print(f"all cases:                  {_rate(results)}")
    print(f"cases of opset <= {MAX_MEASURED_OPSET}:       {_rate(measured)}")
    print(f"the {len(CORE_OPS)} core operators:     {_rate(core)}")
    print(f"time: {elapsed:.1f} s")
    for result in results:
        if not result.passed and (options.verbose or result in unexpected):
            tag = "" if result.case.name in xfail else "UNEXPECTED "
            print(f"{tag}FAIL {result.case.name} [{result.case.op_type}]: {result.message}")
    for result in fixed:
        print(f"UNEXPECTED PASS {result.case.name} (listed in expected_failures.txt)")
    return 1 if unexpected or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
