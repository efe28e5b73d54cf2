"""The scheduling core of `cluster` and `clone`: the op DAG of `@main`, linear clustering,
merging onto workers, cloning, and outlining workers' ops as `dataflow.cluster` regions.

Everything here works on the flat body of `@main` plus an assignment of ops to workers.
`flatten` turns a clustered body back into that form, so that `clone` and a second
`cluster` can run on clustered IR.

The order of `@main`'s block is a global topological order. Inside a cluster, ops keep
that order; clusters are placed in a topological order of their dependences, and each
worker runs its clusters in block order. So waits always end, whatever the assignment:
the first unfinished cluster in block order has all its inputs computed or being computed.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from xdsl.dialects.builtin import FloatAttr, IntegerAttr, TensorType, UnitAttr, f64
from xdsl.ir import Block, BlockArgument, Operation, OpResult, Region, SSAValue, Use
from xdsl.traits import IsTerminator, Pure

from ramiel.dialects.dataflow import ClusterOp, WeightOp, YieldOp
from ramiel.dialects.onnx_ops import ConstantOp
from ramiel.passes.cost_model import COST_ATTR, CostModel, intra_op_cost

CLONED_ATTR = "dataflow.cloned"
"""Marks an op that `clone` duplicated into another worker."""


def external_values(op: Operation) -> list[SSAValue]:
    """The values `op` reads from outside itself: its operands and what its regions capture."""
    values = list(op.operands)
    if op.regions:
        for nested in op.walk():
            if nested is op:
                continue
            for value in nested.operands:
                definer = value.owner if isinstance(value, OpResult) else None
                if isinstance(value, BlockArgument):
                    definer = value.block.parent_op()
                if definer is None or not op.is_ancestor(definer):
                    values.append(value)
    return values


def is_free(op: Operation, free: set[SSAValue]) -> bool:
    """Whether `op` costs nothing at run time: a weight, a constant, or a pure op on those
    alone (the printer computes it once, at load time)."""
    if isinstance(op, WeightOp | ConstantOp):
        return True
    return (
        len(op.results) == 1
        and isinstance(op.results[0].type, TensorType)
        and not op.regions
        and op.has_trait(Pure)
        and all(v in free for v in op.operands)
    )


@dataclass
class Graph:
    """The work ops of a block as a DAG: `nodes` in block order, edges by index."""

    block: Block
    nodes: list[Operation]
    index: dict[Operation, int]
    preds: list[list[int]]
    succs: list[list[int]]
    cost: list[float]
    free: set[SSAValue]
    """Values of free ops (weights, constants and what is computed from them alone)."""
    edge: float

    @property
    def work(self) -> float:
        """T1: the sum of all op costs."""
        return sum(self.cost)


def build_graph(block: Block, model: CostModel) -> Graph:
    """The DAG of `block`'s work ops (free ops and the terminator left out)."""
    free: set[SSAValue] = set()
    nodes: list[Operation] = []
    for op in block.ops:
        if op is block.last_op and op.has_trait(IsTerminator):
            continue
        if is_free(op, free):
            free.update(op.results)
        else:
            nodes.append(op)
    index = {op: i for i, op in enumerate(nodes)}
    preds: list[list[int]] = []
    succs: list[list[int]] = [[] for _ in nodes]
    for i, op in enumerate(nodes):
        mine: set[int] = set()
        for value in external_values(op):
            owner = value.owner if isinstance(value, OpResult) else None
            j = index.get(owner) if owner is not None else None
            if j is not None and j != i:
                mine.add(j)
        preds.append(sorted(mine))
        for j in mine:
            succs[j].append(i)
    cost = [model.op_cost(op) for op in nodes]
    return Graph(block, nodes, index, preds, succs, cost, free, model.edge_us)


def bottom_levels(graph: Graph, edge: float, alive: Sequence[bool] | None = None) -> list[float]:
    """Each node's longest path to a sink (its own cost included), over `alive` nodes."""
    n = len(graph.nodes)
    level = [0.0] * n
    cost, succs = graph.cost, graph.succs
    for i in range(n - 1, -1, -1):
        if alive is not None and not alive[i]:
            continue
        best = 0.0
        for s in succs[i]:
            if alive is None or alive[s]:
                candidate = edge + level[s]
                if candidate > best:
                    best = candidate
        level[i] = cost[i] + best
    return level


def critical_path(graph: Graph) -> float:
    """T-infinity: the heaviest path's cost, hand-offs not counted."""
    return max(bottom_levels(graph, 0.0), default=0.0)


def linear_clusters(graph: Graph) -> list[list[int]]:
    """Kim and Browne's linear clustering: peel the heaviest remaining path (hand-offs
    counted on every edge) into a cluster, and repeat until no node is left.

    Clusters come heaviest first; each lists its nodes in order along the path.
    """
    n = len(graph.nodes)
    alive = [True] * n
    left = n
    clusters: list[list[int]] = []
    succs, edge = graph.succs, graph.edge
    while left:
        level = bottom_levels(graph, edge, alive)
        start = max((i for i in range(n) if alive[i]), key=lambda i: (level[i], -i))
        path = [start]
        current = start
        while True:
            best: int | None = None
            best_level = -1.0
            for s in succs[current]:
                if alive[s] and level[s] > best_level:
                    best, best_level = s, level[s]
            if best is None:
                break
            path.append(best)
            current = best
        for i in path:
            alive[i] = False
        left -= len(path)
        clusters.append(path)
    return clusters


def simulate(graph: Graph, proc: Sequence[int], cost: Sequence[float] | None = None) -> float:
    """The makespan when processor `proc[i]` runs node i, each processor in block order,
    and a value crossing processors arrives `edge` later (`cost`: the nodes' costs, by
    default the graph's)."""
    _, finish = _timeline(graph, proc, graph.cost if cost is None else cost)
    return max(finish, default=0.0)


def _timeline(
    graph: Graph, proc: Sequence[int], cost: Sequence[float]
) -> tuple[list[float], list[float]]:
    """Each node's simulated start and finish (see `simulate`)."""
    begin = [0.0] * len(graph.nodes)
    finish = [0.0] * len(graph.nodes)
    ready: dict[int, float] = {}
    preds, edge = graph.preds, graph.edge
    for i, p in enumerate(proc):
        start = ready.get(p, 0.0)
        for q in preds[i]:
            t = finish[q] + edge if proc[q] != p else finish[q]
            if t > start:
                start = t
        begin[i] = start
        finish[i] = ready[p] = start + cost[i]
    return begin, finish


@dataclass(frozen=True)
class ThreadPlan:
    """Intra-op threads on top of a schedule: runs (clusters) that the simulation shows
    running alone use every thread, and the serial alternative uses them for every op."""

    threads: dict[int, int]
    """Node index -> intra-op threads of its run, for runs that use more than one."""
    makespan: float
    """The simulated makespan with those runs sped up."""
    serial: float
    """The estimated time of serial code with `threads` intra-op threads per op."""


def plan_threads(graph: Graph, proc: Sequence[int], threads: int, solo: bool) -> ThreadPlan:
    """The serial alternative's time on `threads` intra-op threads; with `solo`, also give
    `threads` to each op during which, in the simulated schedule, no other worker runs an
    op (a stretch of the critical path that nothing overlaps: the stem of a CNN, a heavy
    convolution after a join). `outline` cuts clusters where that changes, so such a
    stretch is a cluster of its own."""
    originals = [CLONED_ATTR not in op.attributes for op in graph.nodes]
    serial = sum(
        intra_op_cost(c, threads) for c, own in zip(graph.cost, originals, strict=True) if own
    )
    if threads <= 1 or not solo:
        return ThreadPlan({}, simulate(graph, proc), serial)
    begin, finish = _timeline(graph, proc, graph.cost)
    order = sorted(range(len(proc)), key=lambda i: begin[i])
    planned: dict[int, int] = {}
    for i in range(len(proc)):
        if intra_op_cost(graph.cost[i], threads) >= graph.cost[i]:
            continue  # too small to split over threads
        alone = True
        for j in order:
            if begin[j] >= finish[i]:
                break
            if proc[j] != proc[i] and finish[j] > begin[i] and finish[j] > begin[j]:
                alone = False
                break
        if alone:
            planned[i] = threads
    cost = [intra_op_cost(c, planned.get(i, 1)) for i, c in enumerate(graph.cost)]
    return ThreadPlan(planned, simulate(graph, proc, cost), serial)


@dataclass(frozen=True)
class Schedule:
    """Where each node runs, and what the cost model predicts for it."""

    proc: list[int]
    linear_clusters: int
    """Linear clusters found before merging."""
    clones: int
    work: float
    """T1: the cost of the graph's own ops, clones left out."""
    critical_path: float
    makespan: float

    @property
    def workers(self) -> int:
        """The workers that run at least one op."""
        return len(set(self.proc)) or 1


def measure(graph: Graph, proc: list[int], linear_clusters: int, clones: int = 0) -> Schedule:
    """The schedule `proc` of `graph` with its T1, critical path and simulated makespan."""
    work = sum(
        cost
        for op, cost in zip(graph.nodes, graph.cost, strict=True)
        if CLONED_ATTR not in op.attributes
    )
    return Schedule(
        proc, linear_clusters, clones, work, critical_path(graph), simulate(graph, proc)
    )


def assign_workers(graph: Graph, clusters: Sequence[Sequence[int]], workers: int) -> list[int]:
    """Merge linear clusters onto `workers` by list scheduling.

    Clusters are placed heaviest first; each goes to the worker that gives the smallest
    simulated makespan, with clusters not yet placed still on processors of their own. A
    cluster lighter than one hand-off is not worth a trial: it joins the worker holding
    most of its neighbours, so it adds no hand-off.
    """
    n = len(graph.nodes)
    if workers <= 1 or n == 0:
        return [0] * n
    proc = [0] * n
    for k, cluster in enumerate(clusters):
        for i in cluster:
            proc[i] = workers + k
    load = [0.0] * workers
    placed = [False] * len(clusters)
    for k, cluster in enumerate(clusters):
        weight = sum(graph.cost[i] for i in cluster)
        if k > 0 and weight < graph.edge:
            continue
        best: tuple[float, float, int] | None = None
        for w in range(workers):
            for i in cluster:
                proc[i] = w
            trial = (simulate(graph, proc), load[w], w)
            if best is None or trial < best:
                best = trial
        assert best is not None
        chosen = best[2]
        for i in cluster:
            proc[i] = chosen
        load[chosen] += weight
        placed[k] = True
    for k, cluster in enumerate(clusters):
        if placed[k]:
            continue
        votes = [0] * workers
        for i in cluster:
            for j in (*graph.preds[i], *graph.succs[i]):
                if proc[j] < workers:
                    votes[proc[j]] += 1
        chosen = max(range(workers), key=lambda w: (votes[w], -load[w]))
        for i in cluster:
            proc[i] = chosen
        load[chosen] += sum(graph.cost[i] for i in cluster)
    _refine(graph, clusters, proc, workers)
    return _renumber(proc)


def _refine(
    graph: Graph, clusters: Sequence[Sequence[int]], proc: list[int], workers: int, passes: int = 4
) -> None:
    """Local search after list scheduling: move a linear cluster to another worker while
    that shortens the simulated makespan (greedy placement cannot undo early choices)."""
    best = simulate(graph, proc)
    for _ in range(passes):
        improved = False
        for cluster in clusters:
            if sum(graph.cost[i] for i in cluster) < graph.edge:
                continue
            home = proc[cluster[0]]
            for w in range(workers):
                if w == home:
                    continue
                for i in cluster:
                    proc[i] = w
                trial = simulate(graph, proc)
                if trial < best - 1e-9:
                    best, home, improved = trial, w, True
                else:
                    for i in cluster:
                        proc[i] = home
        if not improved:
            break
    _refine_ops(graph, proc, best)


def _refine_ops(graph: Graph, proc: list[int], best: float, passes: int = 2) -> None:
    """Move single ops that border another worker when that shortens the makespan."""
    preds, succs = graph.preds, graph.succs
    for _ in range(passes):
        improved = False
        for i in range(len(proc)):
            home = proc[i]
            others = {proc[j] for j in (*preds[i], *succs[i])} - {home}
            for w in sorted(others):
                proc[i] = w
                trial = simulate(graph, proc)
                if trial < best - 1e-9:
                    best, home, improved = trial, w, True
                else:
                    proc[i] = home
        if not improved:
            return


def _renumber(proc: Sequence[int]) -> list[int]:
    """Workers numbered in order of their first op, so worker 0 starts the graph."""
    order: dict[int, int] = {}
    for p in proc:
        order.setdefault(p, len(order))
    return [order[p] for p in proc]


def schedule(graph: Graph, workers: int) -> Schedule:
    """Linear clustering, then merging onto at most `workers` workers."""
    clusters = linear_clusters(graph)
    return measure(graph, assign_workers(graph, clusters, workers), len(clusters))


# ---- cloning ---------------------------------------------------------------------------


def clone_cheap_producers(graph: Graph, proc: list[int]) -> tuple[Graph, list[int], int]:
    """Duplicate cheap producers into the workers that consume them, where that removes a
    hand-off and adds none.

    An op is cloned into worker b when it costs less than a hand-off, is pure and has no
    regions, and b can compute it from what it has without waiting on anyone new: free
    values, graph inputs, values b computes, or values b already receives. Returns the
    updated graph, assignment and the number of clones.
    """
    block = graph.block
    worker_of: dict[Operation, int] = {op: proc[i] for i, op in enumerate(graph.nodes)}
    costs = {op: graph.cost[i] for i, op in enumerate(graph.nodes)}
    graph_inputs = set(block.args)
    clones = 0
    for op in list(graph.nodes):
        if op.regions or not op.has_trait(Pure) or graph.cost[graph.index[op]] >= graph.edge:
            continue
        home = worker_of[op]
        by_worker: dict[int, list[tuple[Operation, SSAValue]]] = {}
        for result in op.results:
            for use in list(result.uses):
                user = _top_level(use.operation, block)
                if user is None or user not in worker_of:
                    continue
                if worker_of[user] != home:
                    by_worker.setdefault(worker_of[user], []).append((use.operation, result))
        for worker in sorted(by_worker):
            if not all(
                _available(v, worker, worker_of, graph.free, graph_inputs, block)
                for v in external_values(op)
            ):
                continue
            copy = op.clone()
            copy.attributes[CLONED_ATTR] = UnitAttr()
            block.insert_op_after(copy, op)
            worker_of[copy] = worker
            costs[copy] = costs[op]
            users = {user for user, _ in by_worker[worker]}
            for old, new in zip(op.results, copy.results, strict=True):
                old.replace_uses_with_if(new, partial(_used_by, users))
            clones += 1
        if all(not r.uses for r in op.results):
            del worker_of[op]
            op.detach()
            op.erase()
    nodes = [op for op in block.ops if op in worker_of]
    new_graph = _regraph(graph, nodes, costs)
    return new_graph, [worker_of[op] for op in new_graph.nodes], clones


def _available(
    value: SSAValue,
    worker: int,
    worker_of: dict[Operation, int],
    free: set[SSAValue],
    graph_inputs: set[BlockArgument],
    block: Block,
) -> bool:
    if value in free or value in graph_inputs:
        return True
    owner = value.owner if isinstance(value, OpResult) else None
    if owner is not None and worker_of.get(owner) == worker:
        return True
    for use in value.uses:
        user = _top_level(use.operation, block)
        if user is not None and worker_of.get(user) == worker:
            return True
    return False


def _regraph(graph: Graph, nodes: list[Operation], costs: dict[Operation, float]) -> Graph:
    """The graph over `nodes` (clones cost what their originals cost)."""
    index = {op: i for i, op in enumerate(nodes)}
    preds: list[list[int]] = []
    succs: list[list[int]] = [[] for _ in nodes]
    cost: list[float] = []
    for i, op in enumerate(nodes):
        mine = {
            index[v.owner]
            for v in external_values(op)
            if isinstance(v, OpResult) and v.owner in index and v.owner is not op
        }
        preds.append(sorted(mine))
        for j in mine:
            succs[j].append(i)
        cost.append(costs[op])
    return Graph(graph.block, nodes, index, preds, succs, cost, graph.free, graph.edge)


def _top_level(op: Operation, block: Block) -> Operation | None:
    """The ancestor of `op` (or `op`) that sits directly in `block`."""
    current: Operation | None = op
    while current is not None and current.parent_block() is not block:
        current = current.parent_op()
    return current


# ---- outlining -------------------------------------------------------------------------


def segments(graph: Graph, proc: Sequence[int]) -> list[list[int]]:
    """Split each worker's ops (in block order) into runs whose dependence graph is acyclic.

    Walking the block in order, an op joins its worker's open run unless it reads from a
    run that itself depends on the open run; then the open run is closed and a new one
    begins. Runs come in a topological order of their dependences (earliest first op
    first among the ready ones); each worker runs its runs in that order, which cannot
    deadlock: the first unfinished run in that order has all its inputs.
    """
    open_run: dict[int, int] = {}
    run_of = [0] * len(graph.nodes)
    runs: list[list[int]] = []
    deps: list[set[int]] = []
    for i, worker in enumerate(proc):
        sources = {run_of[j] for j in graph.preds[i]}
        current = open_run.get(worker)
        if current is not None and any(
            s != current and _reaches(deps, s, current) for s in sources
        ):
            current = None
        if current is None:
            current = len(runs)
            runs.append([])
            deps.append(set())
            open_run[worker] = current
        runs[current].append(i)
        run_of[i] = current
        deps[current].update(s for s in sources if s != current)
    users: list[list[int]] = [[] for _ in runs]
    waiting = [len(d) for d in deps]
    for run, sources in enumerate(deps):
        for s in sources:
            users[s].append(run)
    ready = [run for run in range(len(runs)) if not waiting[run]]
    heapq.heapify(ready)
    order: list[list[int]] = []
    while ready:
        run = heapq.heappop(ready)
        order.append(runs[run])
        for user in users[run]:
            waiting[user] -= 1
            if not waiting[user]:
                heapq.heappush(ready, user)
    assert len(order) == len(runs), "the runs' dependences have a cycle"
    return order


def _reaches(deps: list[set[int]], start: int, target: int) -> bool:
    """Whether run `start` depends, directly or not, on run `target`."""
    seen = {start}
    stack = [start]
    while stack:
        run = stack.pop()
        if run == target:
            return True
        for d in deps[run]:
            if d not in seen:
                seen.add(d)
                stack.append(d)
    return False


def outline(
    graph: Graph, proc: Sequence[int], threads: Mapping[int, int] | None = None
) -> list[ClusterOp]:
    """Move each run of `segments` into a `dataflow.cluster` with explicit inputs and outputs
    (and the intra-op `threads` that `plan_threads` gave its first node, if any).

    Free ops a cluster needs are cloned into it (the printer builds them once at load
    time); the originals are erased once nothing outside uses them.
    """
    block = graph.block
    terminator = block.last_op
    assert terminator is not None
    clusters: list[ClusterOp] = []
    runs = segments(graph, proc)
    if threads:
        runs = [piece for run in runs for piece in _split_by_threads(run, threads)]
    for run in runs:
        ops = [graph.nodes[i] for i in run]
        members = set(ops)
        inputs: list[SSAValue] = []
        free_needed: list[Operation] = []
        for op in ops:
            for value in external_values(op):
                owner = value.owner if isinstance(value, OpResult) else None
                if owner is not None and owner in members:
                    continue
                if value in graph.free:
                    _collect_free(value, free_needed)
                elif value not in inputs:
                    inputs.append(value)
        outputs: list[SSAValue] = []
        for op in ops:
            for result in op.results:
                if any(_top_level(u.operation, block) not in members for u in result.uses):
                    outputs.append(result)
        body = Block(arg_types=[v.type for v in inputs])
        mapping: dict[SSAValue, SSAValue] = dict(zip(inputs, body.args, strict=True))
        for free_op in sorted(free_needed, key=_position_in(block)):
            copy = free_op.clone(value_mapper=mapping)
            body.add_op(copy)
            mapping.update(zip(free_op.results, copy.results, strict=True))
        for op in ops:
            op.detach()
            body.add_op(op)
        body.add_op(YieldOp(outputs))
        cluster = ClusterOp(inputs, [v.type for v in outputs], Region(body), proc[run[0]])
        if threads and threads.get(run[0], 1) > 1:
            cluster.attributes["threads"] = IntegerAttr(threads[run[0]], 64)
        cluster.attributes[COST_ATTR] = FloatAttr(round(sum(graph.cost[i] for i in run), 3), f64)
        block.insert_op_before(cluster, terminator)
        for outer, inner in mapping.items():
            outer.replace_uses_with_if(inner, partial(_inside, cluster))
        for inner, result in zip(outputs, cluster.outputs, strict=True):
            inner.replace_uses_with_if(result, partial(_outside, cluster))
        clusters.append(cluster)
    for op in reversed(list(block.ops)):
        if op is not terminator and not isinstance(op, ClusterOp):
            if all(not r.uses for r in op.results):
                op.detach()
                op.erase()
    return clusters


def _split_by_threads(run: list[int], threads: Mapping[int, int]) -> list[list[int]]:
    """`run` cut where its ops' intra-op threads change; the pieces, in order, keep the
    runs' topological order."""
    pieces: list[list[int]] = []
    for i in run:
        if pieces and threads.get(pieces[-1][-1], 1) == threads.get(i, 1):
            pieces[-1].append(i)
        else:
            pieces.append([i])
    return pieces


def _used_by(users: set[Operation], use: Use) -> bool:
    return use.operation in users


def _inside(cluster: ClusterOp, use: Use) -> bool:
    return use.operation is not cluster and cluster.is_ancestor(use.operation)


def _outside(cluster: ClusterOp, use: Use) -> bool:
    return not cluster.is_ancestor(use.operation)


def _collect_free(value: SSAValue, out: list[Operation]) -> None:
    owner = value.owner
    assert isinstance(owner, Operation)
    if owner in out:
        return
    for operand in owner.operands:
        _collect_free(operand, out)
    out.append(owner)


def _position_in(block: Block) -> Callable[[Operation], int]:
    positions = {op: i for i, op in enumerate(block.ops)}
    return positions.__getitem__


def flatten(block: Block) -> dict[Operation, int]:
    """Inline every `dataflow.cluster` of `block` in place; returns each moved op's worker."""
    worker_of: dict[Operation, int] = {}
    for cluster in [op for op in block.ops if isinstance(op, ClusterOp)]:
        body = cluster.block
        for arg, outer in zip(body.args, cluster.inputs, strict=True):
            arg.replace_all_uses_with(outer)
        terminator = body.last_op
        assert isinstance(terminator, YieldOp)
        for result, inner in zip(cluster.outputs, terminator.values, strict=True):
            result.replace_all_uses_with(inner)
        worker = cluster.worker_index
        for op in list(body.ops):
            if op is terminator:
                continue
            op.detach()
            block.insert_op_before(op, cluster)
            worker_of[op] = worker
        cluster.detach()
        cluster.erase()
    return worker_of
