"""Graphviz DOT of a Ramiel module's `@main`: `ramiel compile --emit-dot FILE`.

    ramiel compile model.onnx -o out --workers 2 --emit-dot graph.dot
    dot -Tsvg graph.dot -o graph.svg

One node per work op (weights, constants, what is computed from them alone and the
terminators are left out), labelled with the op, its ONNX node name and its cost; one node
per graph input and output; one `subgraph cluster_<k>` per `dataflow.cluster`, filled with
its worker's colour. Edges follow the data through clusters: a cluster's block arguments
stand for its operands and its results for the values it yields, so every edge joins the
op that computes a value to an op that reads it. Edges between workers (hand-offs) are
dashed, cloned ops have a dashed border, and the critical path (the heaviest path by op
cost, hand-offs not counted) is red.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue
from xdsl.traits import IsTerminator

from ramiel.codegen.python import node_name, op_kind
from ramiel.dialects.dataflow import ClusterOp, YieldOp
from ramiel.importer.onnx_importer import INPUT_NAMES_ATTR, OUTPUT_NAMES_ATTR
from ramiel.passes.cluster import SCHEDULE_ATTR, main_function
from ramiel.passes.cost_model import AnalyticCostModel, CostModel, given_cost
from ramiel.passes.schedule import CLONED_ATTR, external_values, is_free
from ramiel.tools.diagnostics import RamielError

WORKER_COLOURS = (
    "#dbe9f6",
    "#fde2c8",
    "#d9f0d3",
    "#f2d7ee",
    "#fff2b3",
    "#d4f1f4",
    "#f9d5d3",
    "#e4dcf5",
)
"""Cluster fill colours, by worker (cycled when there are more workers)."""

CRITICAL = {"color": "red", "penwidth": "3"}
"""How the critical path's nodes and edges are drawn."""


@dataclass
class _Work:
    """One work op of the graph."""

    op: Operation
    cost: float
    worker: int | None
    cluster: int | None


@dataclass
class _Graph:
    """`@main`'s work ops in block order (a topological order), with the data edges.

    Endpoints are DOT node ids: `op<i>` for `ops[i]`, `in<i>` and `out<i>` for the graph's
    inputs and outputs.
    """

    ops: list[_Work] = field(default_factory=lambda: list[_Work]())
    clusters: list[ClusterOp] = field(default_factory=lambda: list[ClusterOp]())
    inputs: list[BlockArgument] = field(default_factory=lambda: list[BlockArgument]())
    outputs: list[SSAValue] = field(default_factory=lambda: list[SSAValue]())
    edges: dict[tuple[str, str], None] = field(
        default_factory=lambda: dict[tuple[str, str], None]()
    )
    """Insertion-ordered set of (source, target) pairs."""
    preds: list[list[int]] = field(default_factory=lambda: list[list[int]]())


def _build(function: func.FuncOp, model: CostModel) -> _Graph:
    """The op graph of `function`, seen through its clusters."""
    graph = _Graph()
    block = function.body.block
    alias: dict[SSAValue, SSAValue] = {}
    free: set[SSAValue] = set()
    producer: dict[SSAValue, str] = {}
    for i, arg in enumerate(block.args):
        graph.inputs.append(arg)
        producer[arg] = f"in{i}"

    def resolve(value: SSAValue) -> SSAValue:
        return alias.get(value, value)

    def visit(op: Operation, worker: int | None, cluster: int | None) -> None:
        if is_free(op, free):
            free.update(op.results)
            return
        index = len(graph.ops)
        graph.ops.append(_Work(op, model.op_cost(op), worker, cluster))
        preds: dict[int, None] = {}
        for value in external_values(op):
            source = producer.get(resolve(value))
            if source is None or source == f"op{index}":
                continue
            graph.edges[(source, f"op{index}")] = None
            if source.startswith("op"):
                preds[int(source[2:])] = None
        graph.preds.append(list(preds))
        for result in op.results:
            producer[result] = f"op{index}"

    terminator: Operation | None = None
    for op in block.ops:
        if op is block.last_op and op.has_trait(IsTerminator):
            terminator = op
        elif isinstance(op, ClusterOp):
            k = len(graph.clusters)
            graph.clusters.append(op)
            for arg, outer in zip(op.block.args, op.inputs, strict=True):
                alias[arg] = resolve(outer)
                if alias[arg] in free:
                    free.add(arg)
            for inner in op.block.ops:
                if not isinstance(inner, YieldOp):
                    visit(inner, op.worker_index, k)
            yielded = op.block.last_op
            if isinstance(yielded, YieldOp):
                for result, inner in zip(op.outputs, yielded.values, strict=True):
                    alias[result] = resolve(inner)
                    if alias[result] in free:
                        free.add(result)
        else:
            visit(op, None, None)
    if terminator is not None:
        for i, value in enumerate(terminator.operands):
            graph.outputs.append(value)
            source = producer.get(resolve(value))
            if source is not None:
                graph.edges[(source, f"out{i}")] = None
    return graph


def _critical_path(graph: _Graph) -> list[int]:
    """The heaviest path over the work ops, by op cost (hand-offs not counted)."""
    n = len(graph.ops)
    if n == 0:
        return []
    level = [0.0] * n
    best_pred: list[int | None] = [None] * n
    for i in range(n):
        start = 0.0
        for p in graph.preds[i]:
            if best_pred[i] is None or level[p] > start:
                start, best_pred[i] = level[p], p
        level[i] = start + graph.ops[i].cost
    current: int | None = max(range(n), key=lambda i: (level[i], -i))
    path: list[int] = []
    while current is not None:
        path.append(current)
        current = best_pred[current]
    path.reverse()
    return path


def to_dot(module: ModuleOp, model: CostModel) -> str:
    """`module`'s `@main` as a Graphviz digraph, with `model`'s op costs (microseconds)."""
    function = main_function(module)
    graph = _build(function, model)
    path = _critical_path(graph)
    on_path = set(path)
    critical_edges = {(f"op{a}", f"op{b}") for a, b in itertools.pairwise(path)}
    lines = ["digraph ramiel {"]
    summary = _summary(function, graph, sum(graph.ops[i].cost for i in path))
    lines.append(f"  graph {_attrs({'rankdir': 'TB', 'labelloc': 't', 'label': summary})};")
    node_style = {"shape": "box", "style": "rounded,filled", "fillcolor": "white"}
    lines.append(f"  node {_attrs(node_style)};")

    input_names = _names(function.attributes.get(INPUT_NAMES_ATTR))
    for i, arg in enumerate(graph.inputs):
        name = input_names[i] if i < len(input_names) else arg.name_hint or f"input {i}"
        label = _label(f"input: {name}", str(arg.type))
        lines.append(f"  {_quote(f'in{i}')} {_attrs({'shape': 'ellipse', 'label': label})};")

    def node_line(index: int, indent: str) -> str:
        work = graph.ops[index]
        cloned = CLONED_ATTR in work.op.attributes
        kind = op_kind(work.op) + (" (clone)" if cloned else "")
        name = node_name(work.op)
        parts = [kind, *([name] if name else []), f"{_us(work.cost)} us"]
        attrs = {"label": _label(*parts)}
        if cloned:
            attrs["style"] = "rounded,filled,dashed"
        if index in on_path:
            attrs.update(CRITICAL)
        return f"{indent}{_quote(f'op{index}')} {_attrs(attrs)};"

    members: list[list[int]] = [[] for _ in graph.clusters]
    for index, work in enumerate(graph.ops):
        if work.cluster is None:
            lines.append(node_line(index, "  "))
        else:
            members[work.cluster].append(index)
    for k, cluster in enumerate(graph.clusters):
        cost = given_cost(cluster)
        if cost is None:
            cost = sum(graph.ops[i].cost for i in members[k])
        worker = cluster.worker_index
        colour = WORKER_COLOURS[worker % len(WORKER_COLOURS)]
        lines.append(f"  subgraph cluster_{k} {{")
        style = {
            "label": _label(f"cluster {k} / worker {worker} / ~{_us(cost)} us"),
            "style": "filled",
            "fillcolor": colour,
            "color": "gray40",
        }
        lines.append(f"    graph {_attrs(style)};")
        lines.extend(node_line(i, "    ") for i in members[k])
        lines.append("  }")

    output_names = _names(function.attributes.get(OUTPUT_NAMES_ATTR))
    for i, value in enumerate(graph.outputs):
        name = output_names[i] if i < len(output_names) else f"output {i}"
        label = _label(f"output: {name}", str(value.type))
        lines.append(f"  {_quote(f'out{i}')} {_attrs({'shape': 'ellipse', 'label': label})};")

    for source, target in graph.edges:
        attrs: dict[str, str] = {}
        workers = (_worker(graph, source), _worker(graph, target))
        if None not in workers and workers[0] != workers[1]:
            attrs["style"] = "dashed"
        if (source, target) in critical_edges:
            attrs.update(CRITICAL)
        suffix = f" {_attrs(attrs)}" if attrs else ""
        lines.append(f"  {_quote(source)} -> {_quote(target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_dot(module: ModuleOp, path: Path, model: CostModel | None = None) -> None:
    """Write `to_dot(module, model)` to `path` atomically (the analytic model by default).

    Raises `RamielError` when the file cannot be written; no partial file is left behind.
    """
    text = to_dot(module, AnalyticCostModel() if model is None else model)
    path = Path(path)
    tmp: Path | None = None
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        tmp = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        tmp.chmod(0o644)
        os.replace(tmp, path)
        tmp = None
    except OSError as error:
        reason = error.strerror or str(error)
        raise RamielError(f"cannot write the DOT graph: {reason}", str(path)) from error
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _worker(graph: _Graph, node: str) -> int | None:
    """The worker that runs DOT node `node` (None for inputs, outputs, unclustered ops)."""
    return graph.ops[int(node[2:])].worker if node.startswith("op") else None


def _summary(function: func.FuncOp, graph: _Graph, critical: float) -> str:
    """The graph label: the schedule's estimate, or what the model gives without one."""
    record = function.attributes.get(SCHEDULE_ATTR)
    work = sum(op.cost for op in graph.ops)
    if not isinstance(record, DictionaryAttr):
        return _label(
            "not clustered",
            f"T1 {_us(work)} us, critical path {_us(critical)} us",
        )
    entries = record.data
    workers = _number(entries.get("workers"))
    linear = _number(entries.get("linear_clusters"))
    t1 = _number(entries.get("t1_us"))
    critical_us = _number(entries.get("critical_path_us"))
    makespan = _number(entries.get("makespan_us"))
    speedup = f"{t1 / makespan:.2f}x" if t1 is not None and makespan else "?"
    return _label(
        f"workers {_count(workers)}, linear clusters {_count(linear)}",
        f"T1 {_us(t1)} us, critical path {_us(critical_us)} us, makespan {_us(makespan)} us",
        f"estimated speedup {speedup}",
    )


def _number(attr: Attribute | None) -> float | None:
    if isinstance(attr, FloatAttr | IntegerAttr):
        return float(attr.value.data)
    return None


def _count(value: float | None) -> str:
    return "?" if value is None else str(int(value))


def _us(value: float | None) -> str:
    """A duration in microseconds, to about three significant digits."""
    if value is None:
        return "?"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _names(attr: Attribute | None) -> list[str]:
    """The strings of an `ArrayAttr` of `StringAttr`s (the graph's input or output names)."""
    if not isinstance(attr, ArrayAttr):
        return []
    items = cast(ArrayAttr[Attribute], attr).data
    return [item.data for item in items if isinstance(item, StringAttr)]


def _escape(text: str) -> str:
    """`text` for a DOT quoted string: backslashes, quotes and newlines escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _label(*lines: str) -> str:
    """A multi-line label, already escaped: the parts joined by DOT's `\\n`."""
    return "\\n".join(_escape(line) for line in lines)


def _quote(text: str) -> str:
    """A DOT quoted id (for ids, not labels: `_label` escapes those)."""
    return f'"{_escape(text)}"'


def _attrs(attrs: dict[str, str]) -> str:
    """`[key="value", ...]`; label values come pre-escaped from `_label`."""
    parts: Sequence[str] = [
        f'{key}="{value if key == "label" else _escape(value)}"' for key, value in attrs.items()
    ]
    return f"[{', '.join(parts)}]"
