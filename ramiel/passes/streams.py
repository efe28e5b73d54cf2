"""`streams`: the GPU launch plan. Orders `@main`'s ops for launch and puts each on a CUDA
stream, the Opara way (Chen et al., IEEE TC 2025), with the critical path as tie-breaker.

    ramiel-opt model.mlir -p 'streams{max-streams=4}' -t cuda

At batch 1 one GPU kernel leaves most of the chip idle, so independent kernels should run
side by side, on different streams, and be captured in one CUDA Graph (`-t cuda`).

* **Launch order.** Each op is compute-bound or memory-bound by its arithmetic intensity
  (FLOPs per byte moved, from `ramiel.passes.analytic_cost.op_work`) against the GPU's
  ridge point; ops that launch no kernel (views, weights) are neither. Among the ready
  ops the plan alternates the two kinds, so that a compute-bound kernel overlaps a
  memory-bound one, and takes the one with the least resource demand (FLOPs for
  compute-bound ops, bytes for memory-bound ones) first, as Opara does. Demands in the
  same power-of-two range (equal floor of log2) count as equal, and then the op with the
  longer path to the end of the graph (bottom level, from the estimated GPU times) goes
  first: the critical path is launched early. Kernel-less ops go as soon as they are ready.
* **Streams.** In launch order, an op takes the stream of its first predecessor (by
  operand order) that has not yet handed its stream on (Opara's rule). Otherwise it
  reuses a stream whose last op it depends on anyway, which orders nothing new (Opara
  opens a new stream: its stream count grows with the graph), else opens a new stream.
  With `max-streams` set, an op that would open one more takes the stream that has been
  idle longest in launch order instead.

The pass moves the ops of `@main` into launch order (weights and constants first) and
marks each with `dataflow.stream = N`; stream 0 is the stream that runs the whole launch.
`dataflow.cluster`s are inlined first: the GPU plan replaces the CPU one. Events are the
printer's business (`ramiel.codegen.cuda`): one on each cross-stream edge that no earlier
wait already covers (`plan_events`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.ir import Operation
from xdsl.passes import ModulePass

from ramiel.passes.analytic_cost import op_work
from ramiel.passes.cluster import main_function
from ramiel.passes.cost_model import CostModel
from ramiel.passes.schedule import Graph, bottom_levels, build_graph, flatten
from ramiel.tools.diagnostics import RamielError

STREAM_ATTR = "dataflow.stream"
"""The CUDA stream an op is launched on (0: the stream that runs the launch)."""

DEFAULT_MAX_STREAMS = 16
"""PyTorch hands out streams from a pool of 32 per priority; wider graphs gain little from
more than this, and stream 0 counts."""

_NO_KERNEL = frozenset({"free", "view"})
"""`op_work` kinds that launch no GPU kernel."""


@dataclass(frozen=True)
class GpuSpec:
    """The GPU the plan is made for: peak FP32 rate, memory bandwidth, and the time one
    kernel takes at least inside a CUDA Graph. Defaults: an H100 (SXM) without tensor
    cores, whose ridge point is 20 FLOPs per byte."""

    tflops: float = 60.0
    bandwidth_gbs: float = 3000.0
    kernel_us: float = 2.0

    @property
    def ridge(self) -> float:
        """FLOPs per byte above which a kernel is compute-bound."""
        return self.tflops * 1e12 / (self.bandwidth_gbs * 1e9)


class GpuCostModel(CostModel):
    """An op's estimated GPU time: the kernel floor plus the slower of its arithmetic at the
    peak rate and its bytes at full bandwidth (roofline). Kernel-less ops cost nothing."""

    name = "gpu"

    def __init__(self, spec: GpuSpec | None = None) -> None:
        super().__init__(edge_us=0.0)
        self.spec = spec or GpuSpec()

    def estimate(self, op: Operation) -> float:
        """Roofline time of `op` in microseconds."""
        work = op_work(op)
        if work.kind in _NO_KERNEL:
            return 0.0
        compute = work.flops / (self.spec.tflops * 1e6)
        memory = work.bytes / (self.spec.bandwidth_gbs * 1e3)
        return self.spec.kernel_us + max(compute, memory)


@dataclass(frozen=True)
class LaunchPlan:
    """Where each node of a graph goes: its launch position and its stream."""

    order: list[int]
    """Node indices in launch order."""
    stream: list[int]
    """Stream of each node, by node index."""

    @property
    def streams(self) -> int:
        """How many streams the plan uses."""
        return max(self.stream, default=-1) + 1


def classify(op: Operation, spec: GpuSpec) -> tuple[str, float]:
    """Whether `op` is compute-bound, memory-bound or launches no kernel ("none"), and its
    resource demand: FLOPs or bytes."""
    work = op_work(op)
    if work.kind in _NO_KERNEL:
        return "none", 0.0
    if work.flops >= spec.ridge * work.bytes:
        return "compute", work.flops
    return "memory", work.bytes


def launch_order(graph: Graph, spec: GpuSpec) -> tuple[list[int], list[str]]:
    """The nodes in launch order, and each node's class (see the module docstring)."""
    n = len(graph.nodes)
    level = bottom_levels(graph, 0.0)
    bound: list[str] = []
    rank: list[int] = []
    for op in graph.nodes:
        kind, demand = classify(op, spec)
        bound.append(kind)
        # Demands in one power-of-two range tie, and the bottom level decides.
        rank.append(math.floor(math.log2(demand)) if demand >= 1 else 0)
    waiting = [len(p) for p in graph.preds]
    ready = {i for i in range(n) if waiting[i] == 0}
    order: list[int] = []
    last = ""
    while ready:
        free = [i for i in ready if bound[i] == "none"]
        if free:
            pool = free
        else:
            other = [i for i in ready if bound[i] != last]
            pool = other or list(ready)
        pick = min(pool, key=lambda i: (rank[i], -level[i], i))
        if bound[pick] != "none":
            last = bound[pick]
        ready.discard(pick)
        order.append(pick)
        for s in graph.succs[pick]:
            waiting[s] -= 1
            if waiting[s] == 0:
                ready.add(s)
    if len(order) != n:
        raise RamielError("streams: @main's ops have a cycle")
    return order, bound


def assign_streams(graph: Graph, order: Sequence[int], max_streams: int = 0) -> list[int]:
    """Opara's stream rule over `order`: a node takes the stream of its first predecessor
    that has not handed its stream on yet. Otherwise, unlike Opara, it first reuses a
    stream whose last op it depends on anyway (idle longest first: no new ordering), then
    opens a new stream, and at `max_streams` (0: no cap) takes the stream idle longest."""
    n = len(graph.nodes)
    stream = [-1] * n
    handed_on = [False] * n
    ancestors = [0] * n  # bitsets of node indices
    last_use: list[int] = []
    last_node: list[int] = []
    for position, node in enumerate(order):
        mine = 0
        for p in graph.preds[node]:
            mine |= ancestors[p] | (1 << p)
        ancestors[node] = mine
        chosen = -1
        for p in _operand_preds(graph, node):
            if not handed_on[p]:
                handed_on[p] = True
                chosen = stream[p]
                break
        if chosen < 0:
            done = [t for t, u in enumerate(last_node) if mine >> u & 1]
            if done:
                chosen = min(done, key=last_use.__getitem__)
                handed_on[last_node[chosen]] = True
            elif max_streams <= 0 or len(last_use) < max_streams:
                chosen = len(last_use)
                last_use.append(position)
                last_node.append(node)
            else:
                chosen = min(range(len(last_use)), key=last_use.__getitem__)
        stream[node] = chosen
        last_use[chosen] = position
        last_node[chosen] = node
    return stream


def _operand_preds(graph: Graph, node: int) -> list[int]:
    """The node's predecessors in the order of its operands (the graph keeps them sorted)."""
    seen: list[int] = []
    for value in graph.nodes[node].operands:
        p = graph.index.get(value.owner) if isinstance(value.owner, Operation) else None
        if p is not None and p not in seen:
            seen.append(p)
    seen += [p for p in graph.preds[node] if p not in seen]  # values captured by regions
    return seen


def plan_launch(graph: Graph, spec: GpuSpec | None = None, max_streams: int = 0) -> LaunchPlan:
    """Launch order and streams for `graph`."""
    spec = spec or GpuSpec()
    order, _ = launch_order(graph, spec)
    return LaunchPlan(order, assign_streams(graph, order, max_streams))


@dataclass(frozen=True)
class Events:
    """The synchronization of a launch: which nodes record an event after they launch, and
    which recorded nodes each node's stream waits for before it launches."""

    recorded: set[int]
    waits: dict[int, list[int]]


def plan_events(
    preds: Sequence[Sequence[int]], order: Sequence[int], stream: Sequence[int], streams: int
) -> Events:
    """One wait per cross-stream edge that earlier waits do not already cover.

    Vector clocks: `clock[s][t]` is the last launch position of stream `t` that stream `s`
    is ordered after. A node on stream `s` reading a node `p` of stream `t` needs a wait only
    when `clock[s][t]` is before `p`'s position; waiting on `p`'s event then orders `s` after
    everything `p` was ordered after."""
    position = {node: k for k, node in enumerate(order)}
    clock = [[-1] * streams for _ in range(streams)]
    after: dict[int, list[int]] = {}
    recorded: set[int] = set()
    waits: dict[int, list[int]] = {}
    for node in order:
        s = stream[node]
        # Latest producers first: their waits often cover the earlier ones.
        for p in sorted(preds[node], key=position.__getitem__, reverse=True):
            t = stream[p]
            if t == s or clock[s][t] >= position[p]:
                continue
            recorded.add(p)
            waits.setdefault(node, []).append(p)
            clock[s] = [max(a, b) for a, b in zip(clock[s], after[p], strict=True)]
        clock[s][s] = position[node]
        after[node] = list(clock[s])
    return Events(recorded, waits)


def check_events(
    preds: Sequence[Sequence[int]], order: Sequence[int], stream: Sequence[int], events: Events
) -> list[str]:
    """Every cross-stream edge left unordered by the events (empty when the plan is safe):
    the check the tests run on random graphs."""
    position = {node: k for k, node in enumerate(order)}
    # happens[n]: the set of nodes known to be complete before n starts on its stream.
    done_on: dict[int, set[int]] = {}
    happens: dict[int, set[int]] = {}
    for node in order:
        s = stream[node]
        known = set(done_on.get(s, set()))
        for p in events.waits.get(node, []):
            if p not in events.recorded or position[p] > position[node]:
                return [f"node {node} waits for {p}, which records no earlier event"]
            known |= happens[p] | {p}
        happens[node] = known
        done_on[s] = known | {node}
    problems: list[str] = []
    for node in order:
        for p in preds[node]:
            if stream[p] != stream[node] and p not in happens[node]:
                problems.append(f"node {node} (stream {stream[node]}) reads {p} unordered")
    return problems


@dataclass(frozen=True)
class StreamsPass(ModulePass):
    """Order `@main`'s ops for launch and give each a CUDA stream (`dataflow.stream`)."""

    name = "streams"

    max_streams: int = DEFAULT_MAX_STREAMS
    """At most this many streams; 0 for no cap."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        del ctx
        if self.max_streams < 0:
            raise RamielError(f"streams: max-streams must be 0 or more, not {self.max_streams}")
        annotate_streams(op, max_streams=self.max_streams)


def annotate_streams(
    module: ModuleOp, *, max_streams: int = DEFAULT_MAX_STREAMS, spec: GpuSpec | None = None
) -> LaunchPlan:
    """Apply the launch plan to `module`'s `@main` in place (see the module docstring)."""
    block = main_function(module).body.block
    flatten(block)
    spec = spec or GpuSpec()
    graph = build_graph(block, GpuCostModel(spec))
    plan = plan_launch(graph, spec, max_streams)
    terminator = block.last_op
    for node in plan.order:
        op = graph.nodes[node]
        op.detach()
        if terminator is None:
            block.add_op(op)
        else:
            block.insert_op_before(op, terminator)
        op.attributes[STREAM_ATTR] = IntegerAttr(plan.stream[node], i64)
    return plan
