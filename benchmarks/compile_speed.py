"""How long compiling takes: import (ONNX -> IR) and print (IR -> Python), weights excluded.

    .venv/bin/python benchmarks/compile_speed.py [--repeat 5] [MODEL ...]

Prints, per model, the median over `--repeat` runs of each phase, measured in one
process after one warm-up run. The default models are the light inception_v1
(GoogLeNet) and the other light models. Weight I/O is excluded: the weights stay in
memory as the importer read them; writing them is timed separately.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ramiel.codegen.python import print_python
from ramiel.compiler import Compilation, write_package
from ramiel.importer.onnx_importer import import_model
from ramiel.testing.models import LIGHT_MODELS, light_model_path, load_onnx


def _median_seconds(function: Callable[[], object], repeat: int) -> float:
    function()  # warm-up
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(path: Path, repeat: int) -> tuple[int, float, float, float]:
    """(op count, import s, print s, weight write s) for one model, medians."""
    model = load_onnx(path)
    imported = import_model(model)
    ops = sum(1 for _ in imported.module.walk()) - 2
    import_s = _median_seconds(lambda: import_model(model), repeat)
    print_s = _median_seconds(lambda: print_python(imported.module), repeat)
    code = print_python(imported.module)
    compilation = Compilation(imported.module, imported.weights, code)
    with tempfile.TemporaryDirectory() as directory:
        write_s = _median_seconds(
            lambda: write_package(compilation, Path(directory)), max(1, repeat // 2)
        )
    return ops, import_s, print_s, write_s


def main(argv: list[str] | None = None) -> int:
    """Print the table of compile-phase medians."""
    parser = argparse.ArgumentParser(description="Time import and print per model.")
    parser.add_argument("models", nargs="*", help=".onnx files (default: the light models)")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args(argv)
    paths = [Path(m) for m in options.models] or [light_model_path(n) for n in LIGHT_MODELS]
    print(
        f"{'model':<24} {'ops':>5} {'import s':>9} {'print s':>8} {'total s':>8} {'weights s':>9}"
    )
    for path in paths:
        ops, import_s, print_s, write_s = measure(path, options.repeat)
        total = import_s + print_s
        name = path.stem.removeprefix("light_")
        print(f"{name:<24} {ops:>5} {import_s:>9.3f} {print_s:>8.3f} {total:>8.3f} {write_s:>9.3f}")
    print("\nimport + print excludes weight I/O; the bound for inception_v1 is 2 s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
