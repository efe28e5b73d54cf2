"""`cluster`: group `@main`'s ops into `dataflow.cluster` regions run by at most `workers`
threads.

    ramiel-opt model.mlir --cluster
    ramiel-opt model.mlir -p 'cluster{workers=2 cost-model=analytic}'

1. Every op gets a cost in microseconds (`cost-model`: `analytic` or `profile`; an op's
   `dataflow.cost_us` attribute overrides both) and every edge the cost of a hand-off
   between threads (`edge-cost`, calibrated by default).
2. Linear clustering (Kim and Browne): peel the heaviest remaining path into a cluster, and
   repeat until no op is left. The count is recorded as `linear_clusters`.
3. Merging by list scheduling: clusters, heaviest first, go to the worker that gives the
   smallest simulated makespan; clusters lighter than a hand-off join their neighbours.
4. Cloning (`clone=true`, as `clone` does): a cheap producer is duplicated into a worker
   that consumes it when that removes a hand-off.
5. Outlining: each worker's ops, in block order, are cut into runs whose dependences are
   acyclic, and each run becomes a `dataflow.cluster` with explicit inputs and outputs and
   a `worker` attribute.
6. Thread planning (`threads` > 1): the serial alternative, every op on `threads`
   intra-op threads, is estimated; with `solo=true`, an op that in the simulated schedule
   runs while every other worker is idle also gets `threads` intra-op threads, in a
   cluster of its own (`threads` attribute).

`@main` records the estimate as `dataflow.schedule`: workers, linear clusters, T1 (total
work), the critical path, the simulated makespan, clones and the cost model, in
microseconds, and with `threads` > 1 the estimated serial time `serial_us`. The printer
emits serial code when the parallel code's estimated gain over serial code is too small.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    f64,
)
from xdsl.ir import Attribute
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

from ramiel.passes.cost_model import COST_MODELS, CostModel
from ramiel.passes.schedule import (
    Schedule,
    ThreadPlan,
    build_graph,
    clone_cheap_producers,
    flatten,
    measure,
    outline,
    plan_threads,
    schedule,
)

SCHEDULE_ATTR = "dataflow.schedule"
"""`@main`'s record of the schedule the cluster pass chose."""


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def make_cost_model(
    module: ModuleOp, name: str, edge_cost: float | None, workers: int = 1
) -> CostModel:
    """The cost model called `name` for `module`, whose clusters `workers` threads run."""
    if name == "analytic":
        from ramiel.passes.cost_model import AnalyticCostModel

        return AnalyticCostModel(edge_cost)
    if name == "profile":
        from ramiel.passes.profile import profile_cost_model
        from ramiel.runtime.parallel import threads_per_worker

        return profile_cost_model(module, edge_cost, threads=threads_per_worker(workers))
    raise DiagnosticException(
        f"cluster: unknown cost model '{name}' (expected one of: {', '.join(COST_MODELS)})"
    )


def main_function(module: ModuleOp) -> func.FuncOp:
    """`func.func @main`, or the module's only function: what passes and printers work on."""
    functions = [op for op in module.ops if isinstance(op, func.FuncOp)]
    for function in functions:
        if function.sym_name.data == "main":
            return function
    if len(functions) == 1:
        return functions[0]
    raise DiagnosticException("the module has no func.func @main")


def cluster_module(
    module: ModuleOp,
    model: CostModel,
    *,
    workers: int,
    clone: bool = True,
    threads: int = 1,
    solo: bool = False,
) -> Schedule:
    """Cluster `module`'s `@main` in place for `workers` workers; returns the schedule.

    With `threads` > 1 the record gets the estimated time of serial code that uses them
    for every op (the printer picks whichever is faster), and with `solo` the ops that run
    while no other worker has work use them too."""
    if workers < 1:
        raise DiagnosticException(f"cluster: workers must be at least 1, not {workers}")
    function = main_function(module)
    block = function.body.block
    flatten(block)
    graph = build_graph(block, model)
    result = schedule(graph, workers)
    if clone and workers > 1:
        graph, proc, clones = clone_cheap_producers(graph, result.proc)
        result = measure(graph, proc, result.linear_clusters, clones)
    plan = None
    if workers > 1 and threads > 1:
        plan = plan_threads(graph, result.proc, threads, solo=solo)
    if plan is not None:
        result = replace(result, makespan=plan.makespan)
    outline(graph, result.proc, plan.threads if plan is not None else None)
    function.attributes[SCHEDULE_ATTR] = schedule_attr(result, model, plan, threads)
    return result


def schedule_attr(
    result: Schedule, model: CostModel, plan: ThreadPlan | None = None, threads: int = 1
) -> DictionaryAttr:
    """The `dataflow.schedule` record of `result` (and of its thread plan)."""
    entries: dict[str, Attribute] = {
        "workers": IntegerAttr(result.workers, 64),
        "linear_clusters": IntegerAttr(result.linear_clusters, 64),
        "clones": IntegerAttr(result.clones, 64),
        "t1_us": FloatAttr(round(result.work, 3), f64),
        "critical_path_us": FloatAttr(round(result.critical_path, 3), f64),
        "makespan_us": FloatAttr(round(result.makespan, 3), f64),
        "edge_us": FloatAttr(round(model.edge_us, 3), f64),
        "cost_model": StringAttr(model.name),
    }
    if plan is not None:
        entries["threads"] = IntegerAttr(threads, 64)
        entries["serial_us"] = FloatAttr(round(plan.serial, 3), f64)
    return DictionaryAttr(entries)


@dataclass(frozen=True)
class ClusterPass(ModulePass):
    """Critical-path linear clustering of `@main`, merged onto `workers` threads."""

    name = "cluster"

    workers: int = 2
    """How many threads run the clusters."""
    cost_model: str = "analytic"
    """`analytic` (FLOPs and bytes at calibrated rates) or `profile` (timed on this machine)."""
    edge_cost: int | float | None = None
    """Cost of a hand-off between threads, in microseconds (default: calibrated)."""
    clone: bool = True
    """Clone cheap producers into the workers that consume them."""
    threads: int = 1
    """Intra-op threads of the serial alternative (and of `solo` ops); 1: no planning."""
    solo: bool = False
    """Give `threads` to ops that run while every other worker is idle."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        del ctx
        if self.workers < 1:
            raise DiagnosticException(f"cluster: workers must be at least 1, not {self.workers}")
        model = make_cost_model(op, self.cost_model, self.edge_cost, self.workers)
        if self.threads < 1:
            raise DiagnosticException(f"cluster: threads must be at least 1, not {self.threads}")
        cluster_module(
            op,
            model,
            workers=self.workers,
            clone=self.clone,
            threads=self.threads,
            solo=self.solo,
        )
