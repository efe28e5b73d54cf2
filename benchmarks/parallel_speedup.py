"""Parallel generated code against serial generated code, next to the 2-core bound.

    .venv/bin/python benchmarks/parallel_speedup.py [--runs 40] [--models inception_v1 nasnet]

Per model: the serial code (1 intra-op thread) and the parallel code (2 workers, 1 intra-op
thread each) are compiled from the same ONNX file and run alternately in this process; the
table gives their median latencies and the speedup. The bound comes from the same serial
code's own per-op times (the profiling build: a clock read after every op): T1 is their
sum, Tinf the heaviest path, and no 2-worker schedule beats max(T1/2, Tinf), so the best
possible speedup is T1 / max(T1/2, Tinf). `of bound` is the measured speedup over that.

`compile s` is import to printed parallel code with the analytic cost model, weight I/O
excluded (the ONNX file is read into memory first). The parallel code that is timed is
compiled with `--cost-model` (default: profile, whose runs are cached per model).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import onnx
import torch

from ramiel.bench import measure_bound
from ramiel.compiler import instantiate, lower, weight_tensors
from ramiel.passes.cost_model import CostModelName
from ramiel.testing.models import light_model_input, light_model_path, load_onnx

DEFAULT_MODELS = ("inception_v1", "nasnet", "inception_v2", "resnet50", "densenet121")


def load(name: str) -> tuple[onnx.ModelProto, list[torch.Tensor]]:
    """The ONNX model called `name` and an input for it."""
    if name == "nasnet":
        from ramiel.testing.nasnet import nasnet_example, nasnet_input

        return nasnet_example(), [torch.as_tensor(nasnet_input())]
    model = load_onnx(light_model_path(name))
    return model, [torch.as_tensor(light_model_input(model))]


def elapsed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(name: str, runs: int, cost_model: CostModelName) -> dict[str, float | str]:
    model, inputs = load(name)
    start = time.perf_counter()
    lower(model, workers=2, cost_model="analytic")
    compile_s = time.perf_counter() - start
    # One intra-op thread per worker, and no serial-on-two-threads alternative: this
    # measures inter-op parallelism alone (`ramiel bench` measures the whole plan).
    parallel = lower(model, workers=2, cost_model=cost_model, intra_op_threads=1)
    serial = lower(model, workers=1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        # Loaded on 1 thread: serial code packs its oneDNN weights for the load-time threads.
        serial_model = instantiate(serial.code, weight_tensors(serial), name=f"{name}-serial")
        parallel_model = instantiate(parallel.code, weight_tensors(parallel), name=f"{name}-par")
        bound = measure_bound(serial, 2, inputs, repeat=max(10, runs // 2))
        serial_times: list[float] = []
        parallel_times: list[float] = []
        with torch.inference_mode():
            for _ in range(3):
                serial_model(*inputs)
                parallel_model(*inputs)
            for _ in range(runs):
                serial_times.append(elapsed(lambda: serial_model(*inputs)))
                parallel_times.append(elapsed(lambda: parallel_model(*inputs)))
    finally:
        torch.set_num_threads(threads)
    s = statistics.median(serial_times) * 1e3
    p = statistics.median(parallel_times) * 1e3
    mode = "parallel" if "self.workers.run" in parallel.code else "serial"
    return {
        "model": name,
        "ops": str(bound.ops),
        "code": mode,
        "serial_ms": s,
        "parallel_ms": p,
        "speedup": s / p,
        "bound": bound.speedup,
        "of_bound": (s / p) / bound.speedup,
        "t1_tinf": bound.t1_ms / bound.tinf_ms if bound.tinf_ms else 1.0,
        "compile_s": compile_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="timed runs of each code")
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS))
    parser.add_argument("--cost-model", default="profile", choices=["analytic", "profile"])
    options = parser.parse_args()
    header = (
        f"{'model':<14}{'ops':>5}  {'code':<9}{'serial ms':>10}{'parallel ms':>12}"
        f"{'speedup':>9}{'bound':>7}{'of bound':>9}{'T1/Tinf':>8}{'compile s':>10}"
    )
    print(f"cost model: {options.cost_model}; {options.runs} alternating runs; 1 intra-op thread")
    print(header)
    for name in options.models:
        row = bench(name, options.runs, options.cost_model)
        print(
            f"{row['model']:<14}{row['ops']:>5}  {row['code']:<9}{row['serial_ms']:>10.2f}"
            f"{row['parallel_ms']:>12.2f}{row['speedup']:>8.2f}x{row['bound']:>6.2f}x"
            f"{row['of_bound']:>8.0%}{row['t1_tinf']:>8.2f}{row['compile_s']:>10.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
