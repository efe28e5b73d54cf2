"""Linear clusters before merging, the merged schedule, and compile time, per model.

    .venv/bin/python benchmarks/cluster_report.py [--cost-model analytic] [--workers 2]

For each model: ops after canonicalization, the number of linear clusters that Kim and
Browne's path peeling finds (published for GoogLeNet: 28), the clusters and workers after
merging, the estimated T1, critical path and makespan, and the time from ONNX bytes in
memory to printed parallel code (weight I/O excluded; the profile cost model's runs
excluded too, by warming its cache first). `nasnet-large` is the NASNet-style model with
9 normal cells per stage, about 1,200 ops.
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from typing import Any

import onnx
import torch
from xdsl.dialects.builtin import DictionaryAttr, FloatAttr, IntegerAttr

from ramiel.compiler import lower
from ramiel.dialects.dataflow import ClusterOp
from ramiel.passes.cluster import SCHEDULE_ATTR, main_function
from ramiel.testing.models import export, light_model_path, load_onnx

MODELS = ("squeezenet", "inception_v1", "inception_v2", "nasnet", "nasnet-large")


def load(name: str) -> onnx.ModelProto:
    """The ONNX model called `name`."""
    if name == "nasnet":
        from ramiel.testing.nasnet import nasnet_example

        return nasnet_example()
    if name == "nasnet-large":
        from ramiel.testing.nasnet import INPUT_SHAPE, NASNetStyle

        untyped: Any = torch
        untyped.manual_seed(0)
        model = NASNetStyle(cells_per_stage=9).eval()
        return export(model, (torch.randn(INPUT_SHAPE),), dynamo=False)
    return load_onnx(light_model_path(name))


def _number(record: DictionaryAttr, key: str) -> float:
    attr = record.data[key]
    assert isinstance(attr, IntegerAttr | FloatAttr)
    return float(attr.value.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cost-model", default="analytic", choices=["analytic", "profile"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    options = parser.parse_args()
    print(f"cost model: {options.cost_model}; workers: {options.workers}")
    print(
        f"{'model':<14}{'ops':>6}{'linear':>8}{'clusters':>9}{'workers':>8}{'T1 ms':>8}"
        f"{'Tinf ms':>8}{'makespan':>9}{'est.':>7}{'compile s':>10}"
    )
    for name in options.models:
        model = load(name)
        if options.cost_model == "profile":
            lower(model, workers=options.workers, cost_model="profile")  # fills the cache
        start = time.perf_counter()
        compilation = lower(model, workers=options.workers, cost_model=options.cost_model)  # type: ignore[arg-type]
        seconds = time.perf_counter() - start
        function = main_function(compilation.module)
        record = function.attributes[SCHEDULE_ATTR]
        assert isinstance(record, DictionaryAttr)
        number = partial(_number, record)

        clusters = [op for op in function.body.block.ops if isinstance(op, ClusterOp)]
        ops = sum(
            1
            for c in clusters
            for op in c.block.ops
            if op.name.startswith("onnx.") and op.name != "onnx.Constant"
        )
        work, span, makespan = number("t1_us"), number("critical_path_us"), number("makespan_us")
        print(
            f"{name:<14}{ops:>6}{int(number('linear_clusters')):>8}{len(clusters):>9}"
            f"{int(number('workers')):>8}{work / 1e3:>8.1f}{span / 1e3:>8.1f}"
            f"{makespan / 1e3:>9.1f}{work / makespan:>6.2f}x{seconds:>10.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
