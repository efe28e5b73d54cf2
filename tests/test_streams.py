"""The GPU launch plan (`ramiel.passes.streams`): events, streams and launch order.

* Events, on random DAGs (plain predecessor lists of up to 80 nodes) under random
  topological launch orders and random or `assign_streams` streams: `plan_events` orders
  every cross-stream edge (by `check_events` and by an independent happens-before
  reachability check), waits only on cross-stream edges, records only what is waited on,
  never waits twice on one event, and needs every wait it plans.
* The pass, on random DAGs of ONNX ops with real tensor types (parsed MLIR text, with
  constants, weights, views and `dataflow.cost_us` costs): every work op gets a stream, the
  block stays in a topological order with the constants first, no op is lost, the stream
  cap holds, the streams follow the pass's rule (Opara's by operand order, then reuse of a
  stream whose last op the op depends on anyway), and the events of its own plan are
  safe. Also after `cluster{workers=2}`.
* Hand-made graphs: chains, forks, joins and stream reuse, `classify`, and the launch
  order's alternation of compute- and memory-bound ops with the bottom level on ties.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ir_helpers import make_context, parse_module
from xdsl.dialects import test as xdsl_test
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i32
from xdsl.dialects.func import ReturnOp
from xdsl.ir import Block, BlockArgument, Operation

from ramiel.dialects.dataflow import ClusterOp, WeightOp
from ramiel.dialects.onnx_ops import ConstantOp
from ramiel.passes.cluster import ClusterPass, main_function
from ramiel.passes.cost_model import CostModel
from ramiel.passes.schedule import Graph, build_graph
from ramiel.passes.streams import (
    STREAM_ATTR,
    Events,
    GpuCostModel,
    GpuSpec,
    StreamsPass,
    annotate_streams,
    assign_streams,
    check_events,
    classify,
    launch_order,
    plan_events,
)
from ramiel.tools.diagnostics import RamielError

CTX = make_context()

SETTINGS = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---- events on plain DAGs ---------------------------------------------------------------


class UnitCostModel(CostModel):
    """Every op costs 1 us; no hand-off cost."""

    name = "unit"

    def __init__(self) -> None:
        super().__init__(edge_us=0.0)

    def estimate(self, op: Operation) -> float:
        """One microsecond, whatever the op."""
        del op
        return 1.0


def graph_of(operands: Sequence[Sequence[int]]) -> Graph:
    """The `Graph` of a DAG given as each node's predecessors in operand order: one
    `test.op` per node, reading the results of its predecessors in that order."""
    block = Block()
    ops: list[xdsl_test.TestOp] = []
    for sources in operands:
        op = xdsl_test.TestOp([ops[j].results[0] for j in sources], [i32])
        block.add_op(op)
        ops.append(op)
    return build_graph(block, UnitCostModel())


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 80) -> list[list[int]]:
    """A random DAG: each node's predecessors, in operand order (not sorted), among the
    nodes before it; half the picks are among the last three nodes, so some paths are long."""
    n = draw(st.integers(1, max_nodes))
    operands: list[list[int]] = [[]]
    for i in range(1, n):
        near = st.integers(max(0, i - 3), i - 1)
        anywhere = st.integers(0, i - 1)
        operands.append(draw(st.lists(st.one_of(near, anywhere), max_size=min(i, 4), unique=True)))
    return operands


def random_topological_order(preds: Sequence[Sequence[int]], rng: random.Random) -> list[int]:
    """A uniformly drawn ready node at each step: any topological order can come out."""
    succs: list[list[int]] = [[] for _ in preds]
    for node, sources in enumerate(preds):
        for p in sources:
            succs[p].append(node)
    waiting = [len(p) for p in preds]
    ready = [i for i, w in enumerate(waiting) if w == 0]
    order: list[int] = []
    while ready:
        node = ready.pop(rng.randrange(len(ready)))
        order.append(node)
        for s in succs[node]:
            waiting[s] -= 1
            if waiting[s] == 0:
                ready.append(s)
    assert len(order) == len(preds)
    return order


ASSIGNMENTS = ("opara-0", "opara-1", "opara-2", "opara-5", "random", "one", "each")
"""The pass's `assign_streams` with caps 0 (none), 1, 2 and 5; a random stream of at most
6 per node; all nodes on stream 0; every node on a stream of its own."""


def streams_for(
    graph: Graph, order: Sequence[int], assignment: str, rng: random.Random
) -> list[int]:
    """The stream of each node under `assignment` (see `ASSIGNMENTS`)."""
    n = len(graph.nodes)
    if assignment.startswith("opara-"):
        return assign_streams(graph, order, int(assignment.removeprefix("opara-")))
    if assignment == "random":
        width = rng.randint(1, 6)
        return [rng.randrange(width) for _ in range(n)]
    if assignment == "one":
        return [0] * n
    return list(range(n))


def unordered_edges(
    preds: Sequence[Sequence[int]], order: Sequence[int], stream: Sequence[int], events: Events
) -> list[tuple[int, int]]:
    """The cross-stream edges (p, node) along which no happens-before path leads from p to
    node, where happens-before is the order of each stream plus each wait (an edge from
    the waited-on node to the waiting one). Independent of `check_events`: ancestor
    bitsets over that explicit graph."""
    position = {node: k for k, node in enumerate(order)}
    ancestors = [0] * len(order)
    last_on: dict[int, int] = {}
    for node in order:
        before = [*events.waits.get(node, [])]
        for p in before:
            assert p in events.recorded, f"{node} waits for {p}, which records nothing"
            assert position[p] < position[node], f"{node} waits for {p}, launched later"
        previous = last_on.get(stream[node])
        if previous is not None:
            before.append(previous)
        mask = 0
        for q in before:
            mask |= ancestors[q] | (1 << q)
        ancestors[node] = mask
        last_on[stream[node]] = node
    return [
        (p, node)
        for node in order
        for p in preds[node]
        if stream[p] != stream[node] and not (ancestors[node] >> p) & 1
    ]


def without_wait(events: Events, node: int, p: int) -> Events:
    """`events` less `node`'s wait for `p` (p still records its event)."""
    waits = {n: list(ps) for n, ps in events.waits.items()}
    waits[node] = [q for q in waits[node] if q != p]
    return Events(set(events.recorded), waits)


def assert_events_are_safe_and_minimal(
    preds: Sequence[Sequence[int]], order: Sequence[int], stream: Sequence[int]
) -> Events:
    """The properties of `plan_events` on one launch (see the module docstring)."""
    events = plan_events(preds, order, stream, max(stream, default=-1) + 1)
    assert check_events(preds, order, stream, events) == []
    assert unordered_edges(preds, order, stream, events) == []
    waited: set[int] = set()
    for node, sources in events.waits.items():
        assert sources, f"node {node} has an empty wait list"
        assert len(sources) == len(set(sources)), f"node {node} waits twice: {sources}"
        for p in sources:
            assert p in preds[node], f"node {node} waits for {p}, which it does not read"
            assert stream[p] != stream[node], f"node {node} waits for {p} on its own stream"
        waited.update(sources)
    assert events.recorded == waited, "a recorded event nobody waits for"
    for node, sources in events.waits.items():
        for p in sources:
            fewer = without_wait(events, node, p)
            assert check_events(preds, order, stream, fewer), f"wait {p} -> {node} is not needed"
            assert (p, node) in unordered_edges(preds, order, stream, fewer)
    return events


@settings(SETTINGS, max_examples=300)
@given(
    operands=dags(),
    rng=st.randoms(use_true_random=False),
    assignment=st.sampled_from(ASSIGNMENTS),
)
def test_planned_events_order_every_cross_stream_edge_and_each_wait_is_needed(
    operands: list[list[int]], rng: random.Random, assignment: str
) -> None:
    graph = graph_of(operands)
    assert graph.preds == [sorted(p) for p in operands]
    order = random_topological_order(graph.preds, rng)
    stream = streams_for(graph, order, assignment, rng)
    if assignment.startswith("opara-") and assignment != "opara-0":
        assert max(stream) < int(assignment.removeprefix("opara-"))
    events = assert_events_are_safe_and_minimal(graph.preds, order, stream)
    waits = sum(map(len, events.waits.values()))
    event(
        "waits: 20 or more" if waits >= 20 else f"waits: {waits // 5 * 5} to {waits // 5 * 5 + 4}"
    )


@settings(SETTINGS, max_examples=100)
@given(operands=dags(40), rng=st.randoms(use_true_random=False))
def test_check_events_agrees_with_happens_before_on_arbitrary_waits(
    operands: list[list[int]], rng: random.Random
) -> None:
    """`check_events`, which the other properties rely on, finds exactly the unordered
    edges when waits are a random subset of the cross-stream edges."""
    graph = graph_of(operands)
    order = random_topological_order(graph.preds, rng)
    stream = streams_for(graph, order, "random", rng)
    waits: dict[int, list[int]] = {}
    for node, sources in enumerate(graph.preds):
        chosen = [p for p in sources if stream[p] != stream[node] and rng.random() < 0.5]
        if chosen:
            waits[node] = chosen
    events = Events({p for ps in waits.values() for p in ps}, waits)
    problems = check_events(graph.preds, order, stream, events)
    assert len(problems) == len(unordered_edges(graph.preds, order, stream, events))


def test_check_events_rejects_a_wait_for_a_later_or_unrecorded_node() -> None:
    preds = [[], [0]]
    stream = [0, 1]
    assert check_events(preds, [0, 1], stream, Events(set(), {1: [0]}))
    assert check_events(preds, [0, 1], stream, Events({1}, {0: [1]}))
    assert check_events(preds, [0, 1], stream, Events(set(), {})) != []
    assert check_events(preds, [0, 1], stream, Events({0}, {1: [0]})) == []


def test_a_wait_on_a_later_producer_covers_an_earlier_one() -> None:
    """Node 3 on stream 0 reads 1 and 2 of stream 1: the wait for 2, the later one, covers
    1 as well (the wait that the lit test target-cuda/streams.mlir leaves out)."""
    preds = [[], [0], [1], [1, 2]]
    events = assert_events_are_safe_and_minimal(preds, [0, 1, 2, 3], [0, 1, 1, 0])
    assert events.waits == {1: [0], 3: [2]}
    assert events.recorded == {0, 2}


# ---- the pass on random IR ----------------------------------------------------------------

TENSOR = "tensor<1x16x32x32xf32>"
SCALE = "tensor<1x16x1x1xf32>"
WEIGHT = "tensor<16x16x3x3xf32>"
SHAPE = "tensor<4xi64>"
UNARY = ("Relu", "Tanh", "Sigmoid", "Neg", "Abs", "Exp")
BINARY = ("Add", "Sub", "Mul", "Max", "Min")
KINDS = ("unary", "binary", "sum", "conv", "scale", "reshape")


def constant(name: str, value: str, tensor: str) -> str:
    """One line: `%name = onnx.Constant()` holding `dense<value>` of type `tensor`."""
    return f"%{name} = onnx.Constant() {{value = dense<{value}> : {tensor}}} : () -> {tensor}"


@dataclass(frozen=True)
class RandomIR:
    """A random `@main` as MLIR text, and the names of its work ops and free ops."""

    text: str
    work: frozenset[str]
    free: frozenset[str]

    def __repr__(self) -> str:
        return f"RandomIR(\n{self.text})"


@st.composite
def random_irs(draw: st.DrawFn, max_ops: int = 40) -> RandomIR:
    """A DAG of 1 to `max_ops` ONNX ops on [1, 16, 32, 32] tensors: elementwise ops,
    3x3 convolutions on constant weights (compute-bound), products with a value computed
    from a constant alone (a free op), and reshapes (views); some ops carry a
    `dataflow.cost_us`. Every sink is returned."""
    inputs = [f"x{i}" for i in range(draw(st.integers(1, 3)))]
    values = list(inputs)
    read: set[str] = set()
    lines: list[str] = []
    work: set[str] = set()
    free: set[str] = set()

    def operand() -> str:
        if draw(st.booleans()):
            return values[draw(st.integers(max(0, len(values) - 3), len(values) - 1))]
        return values[draw(st.integers(0, len(values) - 1))]

    for i in range(draw(st.integers(1, max_ops))):
        out = f"v{i}"
        cost = draw(st.one_of(st.none(), st.integers(1, 100)))
        attrs = [] if cost is None else [f"dataflow.cost_us = {float(cost)} : f64"]
        kind = draw(st.sampled_from(KINDS))
        if kind in ("unary", "binary", "sum"):
            if kind == "unary":
                op_type, arity = draw(st.sampled_from(UNARY)), 1
            elif kind == "binary":
                op_type, arity = draw(st.sampled_from(BINARY)), 2
            else:
                op_type, arity = "Sum", draw(st.integers(2, 4))
            sources = [operand() for _ in range(arity)]
            types = [TENSOR] * arity
        elif kind == "conv":
            op_type = "Conv"
            lines.append(constant(f"w{i}", "0.01", WEIGHT))
            free.add(f"w{i}")
            sources, types = [operand(), f"w{i}"], [TENSOR, WEIGHT]
            attrs = ["kernel_shape = array<i64: 3, 3>", "pads = array<i64: 1, 1, 1, 1>", *attrs]
        elif kind == "scale":
            op_type = "Mul"
            lines.append(constant(f"c{i}", "0.5", SCALE))
            lines.append(f"%k{i} = onnx.Neg(%c{i}) : ({SCALE}) -> {SCALE}")
            free.update((f"c{i}", f"k{i}"))
            sources, types = [operand(), f"k{i}"], [TENSOR, SCALE]
        else:
            op_type = "Reshape"
            lines.append(constant(f"s{i}", "[1, 16, 32, 32]", SHAPE))
            free.add(f"s{i}")
            sources, types = [operand(), f"s{i}"], [TENSOR, SHAPE]
        attr_dict = f" {{{', '.join(attrs)}}}" if attrs else ""
        lines.append(
            f"%{out} = onnx.{op_type}({', '.join('%' + s for s in sources)}){attr_dict} "
            f": ({', '.join(types)}) -> {TENSOR}"
        )
        read.update(sources)
        work.add(out)
        values.append(out)
    sinks = [v for v in values[len(inputs) :] if v not in read]
    args = ", ".join(f"%{x}: {TENSOR}" for x in inputs)
    results = ", ".join([TENSOR] * len(sinks))
    body = "\n".join(f"  {line}" for line in lines)
    returned = ", ".join("%" + s for s in sinks)
    text = (
        f"func.func @main({args}) -> ({results}) {{\n{body}\n"
        f"  func.return {returned} : {results}\n}}\n"
    )
    return RandomIR(text, frozenset(work), frozenset(free))


def main_ops(module: ModuleOp) -> list[Operation]:
    """`@main`'s ops, terminator left out."""
    return [op for op in main_function(module).body.block.ops if not isinstance(op, ReturnOp)]


def is_free_op(op: Operation, free_values: set[object]) -> bool:
    """A constant or weight, or an op that reads only what those compute."""
    if isinstance(op, ConstantOp | WeightOp):
        return True
    return bool(op.operands) and all(v in free_values for v in op.operands)


def work_ops(module: ModuleOp) -> list[Operation]:
    """`@main`'s ops that launch work at run time (not computed from constants alone)."""
    free_values: set[object] = set()
    work: list[Operation] = []
    for op in main_ops(module):
        if is_free_op(op, free_values):
            free_values.update(op.results)
        else:
            work.append(op)
    return work


def stream_of(op: Operation) -> int:
    """The op's `dataflow.stream`."""
    attr = op.attributes[STREAM_ATTR]
    assert isinstance(attr, IntegerAttr)
    return attr.value.data


def assert_topological(module: ModuleOp) -> None:
    """Each op of `@main` reads only block arguments and results of ops before it."""
    seen: set[Operation] = set()
    for op in main_function(module).body.block.ops:
        for value in op.operands:
            owner = value.owner
            assert isinstance(value, BlockArgument) or owner in seen, (
                f"{op.name} reads a value defined after it"
            )
        seen.add(op)


def assert_stream_rule(module: ModuleOp, max_streams: int) -> None:
    """The streams follow the pass's rule in block (launch) order. An op takes the stream
    of its first producer, by operand order, that has not handed its stream on (Opara's
    rule); else the stream, idle longest, whose last op it depends on anyway (that op then
    hands its stream on); else a new stream; else, at the cap, the stream idle longest."""
    work = work_ops(module)
    position = {op: k for k, op in enumerate(work)}
    ancestors: dict[Operation, set[Operation]] = {}
    handed_on: set[Operation] = set()
    last_use: list[int] = []
    last_op: list[Operation] = []
    for k, op in enumerate(work):
        producers = [
            v.owner for v in op.operands if isinstance(v.owner, Operation) and v.owner in position
        ]
        ancestors[op] = set(producers).union(*(ancestors[p] for p in producers))
        expected: int | None = None
        for producer in producers:
            if producer not in handed_on:
                handed_on.add(producer)
                expected = stream_of(producer)
                break
        if expected is None:
            behind = [t for t, last in enumerate(last_op) if last in ancestors[op]]
            if behind:
                expected = min(behind, key=last_use.__getitem__)
                handed_on.add(last_op[expected])
            elif max_streams == 0 or len(last_use) < max_streams:
                expected = len(last_use)
                last_use.append(k)
                last_op.append(op)
            else:
                expected = min(range(len(last_use)), key=last_use.__getitem__)
        assert stream_of(op) == expected, f"{op.results[0].name_hint}: {stream_of(op)}"
        last_use[expected] = k
        last_op[expected] = op


def assert_pass_invariants(module: ModuleOp, names_before: Counter[str], cap: int) -> None:
    """What the pass guarantees on any `@main` (see the module docstring)."""
    assert not [op for op in module.walk() if isinstance(op, ClusterOp)]
    assert Counter(op.name for op in main_ops(module)) == names_before
    assert_topological(module)
    work = work_ops(module)
    work_set = set(work)
    ops = main_ops(module)
    for op in ops:
        assert (STREAM_ATTR in op.attributes) == (op in work_set), op
    first_work = next((k for k, op in enumerate(ops) if op in work_set), len(ops))
    assert all(op in work_set for op in ops[first_work:]), "a free op after a work op"
    used = {stream_of(op) for op in work}
    assert used == set(range(len(used))), f"streams not numbered from 0: {sorted(used)}"
    if cap:
        assert len(used) <= cap
    if cap == 1:
        assert used <= {0}
    # The events of the pass's own plan: block order is the launch order.
    graph = build_graph(main_function(module).body.block, GpuCostModel())
    assert graph.nodes == work
    stream = [stream_of(op) for op in graph.nodes]
    assert_events_are_safe_and_minimal(graph.preds, list(range(len(work))), stream)


@settings(SETTINGS, max_examples=60)
@given(case=random_irs())
def test_the_pass_annotates_every_work_op_and_keeps_a_topological_order(
    case: RandomIR,
) -> None:
    for cap in (0, 1, 2, 5, 16):
        module = parse_module(CTX, case.text)
        names_before = Counter(op.name for op in main_ops(module))
        plan = annotate_streams(module, max_streams=cap)
        module.verify()
        assert {op.results[0].name_hint for op in work_ops(module)} == case.work
        streamless = {op.results[0].name_hint for op in main_ops(module)} - case.work
        assert streamless == case.free
        assert len(plan.order) == len(case.work)
        assert plan.streams == len({stream_of(op) for op in work_ops(module)})
        assert_pass_invariants(module, names_before, cap)
        assert_stream_rule(module, cap)
        if cap == 0:
            event(f"streams without a cap: {min(plan.streams, 6)}{'+' * (plan.streams >= 6)}")


@settings(SETTINGS, max_examples=20)
@given(case=random_irs(25))
def test_the_pass_on_clustered_random_ir(case: RandomIR) -> None:
    module = parse_module(CTX, case.text)
    ClusterPass(workers=2).apply(CTX, module)
    event(f"clusters: {sum(isinstance(op, ClusterOp) for op in main_ops(module))}")
    names_before = clustered_op_names(module)
    StreamsPass(max_streams=4).apply(CTX, module)
    assert_pass_invariants(module, names_before, 4)
    assert_stream_rule(module, 4)


def clustered_op_names(module: ModuleOp) -> Counter[str]:
    """The names of the ops `flatten` leaves in a clustered `@main`: clusters' bodies less
    their yields, and the ops outside clusters."""
    names: Counter[str] = Counter()
    for op in main_ops(module):
        if isinstance(op, ClusterOp):
            names.update(inner.name for inner in op.block.ops if inner is not op.block.last_op)
        else:
            names[op.name] += 1
    return names


# ---- hand-made graphs ---------------------------------------------------------------------

SMALL = "tensor<1x8x16x16xf32>"


def parse_main(body: str, inputs: str = f"%x: {SMALL}", results: str = SMALL) -> ModuleOp:
    """A module whose `@main` has `body` (ops and `func.return`)."""
    return parse_module(CTX, f"func.func @main({inputs}) -> ({results}) {{\n{body}\n}}\n")


def streams_by_name(module: ModuleOp) -> dict[str, int]:
    """Each annotated op's stream, by the name of its result."""
    return {
        op.results[0].name_hint or "": stream_of(op)
        for op in main_ops(module)
        if STREAM_ATTR in op.attributes
    }


def launch_names(module: ModuleOp) -> list[str]:
    """The names of `@main`'s annotated ops in block (launch) order."""
    return [
        op.results[0].name_hint or "" for op in main_ops(module) if STREAM_ATTR in op.attributes
    ]


def unary(name: str, op_type: str, source: str, cost: float | None = None) -> str:
    """One line: `%name = onnx.op_type(%source)` on `SMALL` tensors."""
    attrs = "" if cost is None else f" {{dataflow.cost_us = {cost} : f64}}"
    return f"%{name} = onnx.{op_type}(%{source}){attrs} : ({SMALL}) -> {SMALL}"


def binary(name: str, op_type: str, a: str, b: str) -> str:
    """One line: `%name = onnx.op_type(%a, %b)` on `SMALL` tensors."""
    return f"%{name} = onnx.{op_type}(%{a}, %{b}) : ({SMALL}, {SMALL}) -> {SMALL}"


def test_a_chain_stays_on_one_stream() -> None:
    module = parse_main(
        "\n".join(
            [
                unary("a", "Relu", "x"),
                unary("b", "Tanh", "a"),
                unary("c", "Sigmoid", "b"),
                unary("d", "Neg", "c"),
                f"func.return %d : {SMALL}",
            ]
        )
    )
    plan = annotate_streams(module)
    assert streams_by_name(module) == {"a": 0, "b": 0, "c": 0, "d": 0}
    assert plan.streams == 1
    assert launch_names(module) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("cap", [0, 3, 2])
def test_a_fork_of_three_gets_three_streams_and_the_first_successor_keeps_the_parents(
    cap: int,
) -> None:
    module = parse_main(
        "\n".join(
            [
                unary("a", "Relu", "x"),
                unary("b", "Tanh", "a"),
                unary("c", "Sigmoid", "a"),
                unary("d", "Neg", "a"),
                f"%e = onnx.Sum(%b, %c, %d) : ({SMALL}, {SMALL}, {SMALL}) -> {SMALL}",
                f"func.return %e : {SMALL}",
            ]
        )
    )
    annotate_streams(module, max_streams=cap)
    streams = streams_by_name(module)
    order = launch_names(module)
    branches = [name for name in order if name in ("b", "c", "d")]
    assert order[0] == "a" and order[-1] == "e"
    assert streams["a"] == 0
    assert streams[branches[0]] == 0, "the first successor keeps its parent's stream"
    if cap == 2:
        assert {streams[b] for b in branches} == {0, 1}
    else:
        assert [streams[b] for b in branches] == [0, 1, 2]
    # The join takes its first operand's stream: %b's.
    assert streams["e"] == streams["b"]


@pytest.mark.parametrize(("first", "second"), [("p2", "p1"), ("p1", "p2")])
def test_a_join_takes_its_first_operands_stream(first: str, second: str) -> None:
    """%p1 launches first (its path is longer) and opens stream 0, %p2 opens stream 1; the
    join takes the stream of its first operand, even when that is the later one (%p2,
    which has the higher node index too)."""
    module = parse_main(
        "\n".join(
            [
                unary("p1", "Relu", "x", cost=10.0),
                unary("p2", "Neg", "x", cost=1.0),
                binary("j", "Add", first, second),
                f"func.return %j : {SMALL}",
            ]
        )
    )
    annotate_streams(module)
    streams = streams_by_name(module)
    assert launch_names(module) == ["p1", "p2", "j"]
    assert streams["p1"] == 0 and streams["p2"] == 1
    assert streams["j"] == streams[first]


def test_a_join_skips_an_operand_whose_stream_was_handed_on() -> None:
    """%a hands stream 0 on to %b (launched first: its path is the longest), so the join
    %j = Add(%a, %c) takes %c's stream, not %a's."""
    module = parse_main(
        "\n".join(
            [
                unary("a", "Relu", "x", cost=1.0),
                unary("b", "Tanh", "a", cost=100.0),
                unary("c", "Neg", "x", cost=1.0),
                binary("j", "Add", "a", "c"),
                f"func.return %b, %j : {SMALL}, {SMALL}",
            ]
        ),
        results=f"{SMALL}, {SMALL}",
    )
    annotate_streams(module)
    streams = streams_by_name(module)
    assert launch_names(module) == ["a", "b", "c", "j"]
    assert streams == {"a": 0, "b": 0, "c": 1, "j": 1}


def test_an_op_whose_producers_handed_on_reuses_a_stream_it_depends_on_anyway() -> None:
    """%u opens stream 0 and %w stream 1; %v = Add(%w, %u) continues %w's stream (its first
    operand's), %m (the longer path) continues %v's. %n finds %v handed on, and instead of
    opening stream 2 (Opara) it takes stream 0, whose last op %u it depends on anyway: %u
    has handed its stream on, so %s = Add(%u, %m) takes %m's stream, not %u's."""
    module = parse_main(
        "\n".join(
            [
                unary("u", "Relu", "x", cost=10.0),
                unary("w", "Neg", "x", cost=1.0),
                binary("v", "Add", "w", "u"),
                unary("m", "Tanh", "v", cost=100.0),
                unary("n", "Abs", "v", cost=1.0),
                f"%s = onnx.Add(%u, %m) {{dataflow.cost_us = 0.5 : f64}} : ({SMALL}, {SMALL}) "
                f"-> {SMALL}",
                f"func.return %n, %s : {SMALL}, {SMALL}",
            ]
        ),
        results=f"{SMALL}, {SMALL}",
    )
    plan = annotate_streams(module)
    assert launch_names(module) == ["u", "w", "v", "m", "n", "s"]
    assert streams_by_name(module) == {"u": 0, "w": 1, "v": 1, "m": 1, "n": 0, "s": 1}
    assert plan.streams == 2


def test_the_pass_rejects_a_negative_cap() -> None:
    module = parse_main("\n".join([unary("a", "Relu", "x"), f"func.return %a : {SMALL}"]))
    with pytest.raises(RamielError, match="max-streams"):
        StreamsPass(max_streams=-1).apply(CTX, module)


# ---- classify and launch order --------------------------------------------------------------

BIG = "tensor<1x64x56x56xf32>"
NARROW = "tensor<1x8x56x56xf32>"
W64 = "tensor<64x64x3x3xf32>"
W16 = "tensor<16x64x3x3xf32>"
W8 = "tensor<8x8x1x1xf32>"
FLAT = "tensor<1x64x3136xf32>"
POOLED = "tensor<1x64x1x1xf32>"
SAME_3X3 = "kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>"


CLASSIFY_BODY = "\n".join(
    [
        constant("w3", "0.01", W64),
        constant("w1", "0.01", W8),
        constant("shape", "[1, 64, 3136]", "tensor<3xi64>"),
        f"%conv3 = onnx.Conv(%x, %w3) {{{SAME_3X3}}} : ({BIG}, {W64}) -> {BIG}",
        f"%conv1 = onnx.Conv(%n, %w1) {{kernel_shape = array<i64: 1, 1>}} "
        f": ({NARROW}, {W8}) -> {NARROW}",
        f"%add = onnx.Add(%x, %x) : ({BIG}, {BIG}) -> {BIG}",
        f"%pool = onnx.MaxPool(%x) {{{SAME_3X3}}} : ({BIG}) -> {BIG}",
        f"%view = onnx.Reshape(%x, %shape) : ({BIG}, tensor<3xi64>) -> {FLAT}",
        f"func.return %conv3, %conv1, %add, %pool, %view : {BIG}, {NARROW}, {BIG}, {BIG}, {FLAT}",
    ]
)


def test_classify_by_arithmetic_intensity() -> None:
    module = parse_main(
        CLASSIFY_BODY,
        inputs=f"%x: {BIG}, %n: {NARROW}",
        results=f"{BIG}, {NARROW}, {BIG}, {BIG}, {FLAT}",
    )
    spec = GpuSpec()
    assert spec.ridge == pytest.approx(20.0)
    by_name = {op.results[0].name_hint: op for op in main_ops(module)}
    kinds = {name: classify(by_name[name], spec) for name in ("conv3", "conv1", "add", "pool")}
    assert {name: kind for name, (kind, _) in kinds.items()} == {
        "conv3": "compute",
        "conv1": "memory",
        "add": "memory",
        "pool": "memory",
    }
    # Demands: FLOPs of the compute-bound conv, bytes of the memory-bound ops.
    assert kinds["conv3"][1] == 2.0 * 64 * 56 * 56 * 64 * 9
    assert kinds["add"][1] == 3 * 64 * 56 * 56 * 4
    assert classify(by_name["view"], spec) == ("none", 0.0)
    assert classify(by_name["w3"], spec) == ("none", 0.0)
    # A much faster GPU makes the same conv memory-bound.
    assert classify(by_name["conv3"], GpuSpec(tflops=6000.0))[0] == "memory"


def conv(name: str, cost: float) -> str:
    """One line: a 3x3 64->64 convolution of %x by %w (compute-bound), with a fixed cost."""
    return (
        f"%{name} = onnx.Conv(%x, %w) {{{SAME_3X3}, dataflow.cost_us = {cost} : f64}} "
        f": ({BIG}, {W64}) -> {BIG}"
    )


def elementwise(name: str, op_type: str, cost: float) -> str:
    """One line: a unary elementwise op on %x (memory-bound), with a fixed cost."""
    return f"%{name} = onnx.{op_type}(%x) {{dataflow.cost_us = {cost} : f64}} : ({BIG}) -> {BIG}"


def test_launch_order_alternates_compute_and_memory_bound_ops_bottom_level_first() -> None:
    """Four ops ready at once, two of each class, the same demand within each class: the
    order alternates classes, the memory-bound ops first (fewer bytes than the convs have
    FLOPs), and within a class the one with the longer path (the higher `cost_us`) goes
    first though it comes later in the block. The reshape launches no kernel and goes
    first."""
    body = "\n".join(
        [
            constant("w", "0.01", W64),
            constant("shape", "[1, 64, 3136]", "tensor<3xi64>"),
            conv("c_lo", 5.0),
            conv("c_hi", 50.0),
            elementwise("m_lo", "Relu", 1.0),
            elementwise("m_hi", "Sigmoid", 10.0),
            f"%r = onnx.Reshape(%x, %shape) : ({BIG}, tensor<3xi64>) -> {FLAT}",
            f"func.return %c_lo, %c_hi, %m_lo, %m_hi, %r : {BIG}, {BIG}, {BIG}, {BIG}, {FLAT}",
        ]
    )
    results = f"{BIG}, {BIG}, {BIG}, {BIG}, {FLAT}"
    module = parse_main(body, inputs=f"%x: {BIG}", results=results)
    spec = GpuSpec()
    graph = build_graph(main_function(module).body.block, GpuCostModel(spec))
    order, bound = launch_order(graph, spec)
    names = [graph.nodes[i].results[0].name_hint for i in order]
    assert names == ["r", "m_hi", "c_hi", "m_lo", "c_lo"]
    assert [bound[i] for i in order] == ["none", "memory", "compute", "memory", "compute"]
    annotate_streams(module)
    assert launch_names(module) == names


def demand_order(costs: tuple[float, float, float]) -> list[str]:
    """The launch order of three memory-bound ops reading %x, with `costs` (us): a global
    average pool %g (0.8 MB moved), a sigmoid %s (1.6 MB) and an add %a (2.4 MB)."""
    g, s, a = costs
    body = "\n".join(
        [
            f"%g = onnx.GlobalAveragePool(%x) {{dataflow.cost_us = {g} : f64}} "
            f": ({BIG}) -> {POOLED}",
            elementwise("s", "Sigmoid", s),
            f"%a = onnx.Add(%x, %x) {{dataflow.cost_us = {a} : f64}} : ({BIG}, {BIG}) -> {BIG}",
            f"func.return %g, %s, %a : {POOLED}, {BIG}, {BIG}",
        ]
    )
    module = parse_main(body, inputs=f"%x: {BIG}", results=f"{POOLED}, {BIG}, {BIG}")
    spec = GpuSpec()
    graph = build_graph(main_function(module).body.block, GpuCostModel(spec))
    order, bound = launch_order(graph, spec)
    assert set(bound) == {"memory"}
    return [graph.nodes[i].results[0].name_hint or "" for i in order]


def test_launch_order_takes_the_least_demand_first() -> None:
    """Demands in different power-of-two ranges (0.8, 1.6 and 2.4 MB: buckets 19, 20 and
    21): the least goes first, though its path is the shortest. (Within one range the
    bottom level decides: the alternation test above.)"""
    assert demand_order((1.0, 10.0, 20.0)) == ["g", "s", "a"]


# ---- the pass on a clustered module -----------------------------------------------------------

INCEPTION_LIKE_BODY = "\n".join(
    [
        constant("w1", "0.01", W64),
        constant("w2", "0.01", W16),
        f"%a = onnx.Relu(%x) : ({BIG}) -> {BIG}",
        f"%c1 = onnx.Conv(%a, %w1) {{{SAME_3X3}}} : ({BIG}, {W64}) -> {BIG}",
        f"%c2 = onnx.Conv(%a, %w2) {{{SAME_3X3}}} : ({BIG}, {W16}) -> tensor<1x16x56x56xf32>",
        f"%m = onnx.MaxPool(%a) {{{SAME_3X3}}} : ({BIG}) -> {BIG}",
        f"%s = onnx.Sigmoid(%a) : ({BIG}) -> {BIG}",
        f"%g = onnx.GlobalAveragePool(%a) : ({BIG}) -> {POOLED}",
        f"%t = onnx.Tanh(%s) : ({BIG}) -> {BIG}",
        f"%u = onnx.Add(%t, %g) : ({BIG}, {POOLED}) -> {BIG}",
        f"%d = onnx.Concat(%c1, %c2, %m, %u) {{axis = 1 : i64}} "
        f": ({BIG}, tensor<1x16x56x56xf32>, {BIG}, {BIG}) -> tensor<1x208x56x56xf32>",
        "func.return %d : tensor<1x208x56x56xf32>",
    ]
)
"""The graph of lit_tests/streams/launch-order.mlir: four branches, two heavy convs."""


def test_the_pass_inlines_clusters_and_annotates_every_op() -> None:
    module = parse_main(INCEPTION_LIKE_BODY, f"%x: {BIG}", "tensor<1x208x56x56xf32>")
    ClusterPass(workers=2).apply(CTX, module)
    clusters = [op for op in main_ops(module) if isinstance(op, ClusterOp)]
    assert len(clusters) >= 2, "the example should cluster onto two workers"
    names_before = clustered_op_names(module)
    StreamsPass().apply(CTX, module)
    module.verify()
    assert_pass_invariants(module, names_before, 16)
    assert_stream_rule(module, 16)
    streams = streams_by_name(module)
    assert set(streams) == {"a", "c1", "c2", "m", "s", "g", "t", "u", "d"}
    assert len(set(streams.values())) > 1
