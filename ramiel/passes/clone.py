"""`clone`: duplicate cheap producers into the clusters that consume them.

    ramiel-opt clustered.mlir --clone
    ramiel-opt model.mlir -p 'cluster{clone=false},clone{edge-cost=30}'

On clustered IR, an op that costs less than a hand-off between threads (`edge-cost`) and
whose result another worker's cluster reads is computed again in that worker when the
worker has everything the op needs without a new wait (free values, graph inputs, values
it computes or already receives). The clusters are then cut again. IR without clusters is
left unchanged: cloning only pays once ops have workers. `cluster` runs the same step by
default.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, ModuleOp
from xdsl.ir import Attribute
from xdsl.passes import ModulePass

from ramiel.dialects.dataflow import ClusterOp
from ramiel.passes.cluster import SCHEDULE_ATTR, main_function, make_cost_model, schedule_attr
from ramiel.passes.schedule import build_graph, clone_cheap_producers, flatten, measure, outline


@dataclass(frozen=True)
class ClonePass(ModulePass):
    """Clone cheap producers into the workers that read them, where that removes a wait."""

    name = "clone"

    cost_model: str = "analytic"
    """Where op costs come from: `analytic` or `profile`."""
    edge_cost: int | float | None = None
    """Cost of a hand-off between threads, in microseconds (default: calibrated)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        del ctx
        function = main_function(op)
        block = function.body.block
        if not any(isinstance(o, ClusterOp) for o in block.ops):
            return
        model = make_cost_model(op, self.cost_model, self.edge_cost)
        worker_of = flatten(block)
        graph = build_graph(block, model)
        proc = [worker_of.get(node, 0) for node in graph.nodes]
        graph, proc, clones = clone_cheap_producers(graph, proc)
        outline(graph, proc)
        linear, earlier = _recorded(function.attributes.get(SCHEDULE_ATTR))
        result = measure(graph, proc, linear, earlier + clones)
        function.attributes[SCHEDULE_ATTR] = schedule_attr(result, model)


def _recorded(record: Attribute | None) -> tuple[int, int]:
    """The linear cluster and clone counts an earlier `cluster` recorded (0 if none)."""
    counts: list[int] = []
    for key in ("linear_clusters", "clones"):
        entry = record.data.get(key) if isinstance(record, DictionaryAttr) else None
        counts.append(entry.value.data if isinstance(entry, IntegerAttr) else 0)
    return counts[0], counts[1]
