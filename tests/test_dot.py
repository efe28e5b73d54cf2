"""`ramiel.codegen.dot`: the Graphviz view of a clustered module (`ramiel compile --emit-dot`).

The DOT text is read back by a small parser of the subset `to_dot` writes (statements,
quoted ids, attribute lists, subgraphs), so the checks are on nodes, edges and
attributes rather than on the text; Graphviz itself checks it where it is installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ir_helpers import parse_module
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from ramiel.codegen.dot import to_dot, write_dot
from ramiel.codegen.python import node_name
from ramiel.dialects.dataflow import ClusterOp, WeightOp, YieldOp
from ramiel.dialects.onnx_ops import ConstantOp
from ramiel.passes.cluster import cluster_module
from ramiel.passes.cost_model import CostModel
from ramiel.passes.schedule import CLONED_ATTR
from ramiel.tools.diagnostics import RamielError

REPO = Path(__file__).resolve().parent.parent

T = "tensor<4xf32>"

# a -> b -> d is the heavy branch (10 + 100 + 10), a -> c -> d the light one (10 + 20 + 10).
# b reads a weight and c a constant: both are free and get no node. The quotes in b's node
# name check the escaping.
DIAMOND = f"""
func.func @main(%x: {T}) -> {T} {{
  %w = dataflow.weight "w" : {T}
  %k = onnx.Constant() {{value = dense<1.0> : {T}}} : () -> {T}
  %a = onnx.Relu(%x) : ({T}) -> {T} loc("a")
  %b = onnx.Mul(%a, %w) : ({T}, {T}) -> {T} loc("b \\"big\\"")
  %c = onnx.Add(%a, %k) : ({T}, {T}) -> {T} loc("c")
  %d = onnx.Sub(%b, %c) : ({T}, {T}) -> {T} loc("d")
  func.return %d : {T}
}}
"""
DIAMOND_COSTS = {"a": 10.0, 'b "big"': 100.0, "c": 20.0, "d": 10.0}

# n is cheaper than a hand-off and feeds two heavy branches: the schedule puts q on the
# second worker and clones n there.
FORK = f"""
func.func @main(%x: {T}) -> {T} {{
  %n = onnx.Neg(%x) : ({T}) -> {T} loc("n")
  %p = onnx.Sigmoid(%n) : ({T}) -> {T} loc("p")
  %q = onnx.Tanh(%n) : ({T}) -> {T} loc("q")
  %s = onnx.Add(%p, %q) : ({T}, {T}) -> {T} loc("s")
  func.return %s : {T}
}}
"""
FORK_COSTS = {"n": 1.0, "p": 100.0, "q": 100.0, "s": 10.0}


class FixedCosts(CostModel):
    """Costs by ONNX node name (the op's `NameLoc`), and a fixed hand-off cost."""

    name = "fixed"

    def __init__(self, costs: dict[str, float], edge_us: float = 5.0) -> None:
        super().__init__(edge_us)
        self.costs = costs

    def estimate(self, op: Operation) -> float:
        name = node_name(op)
        assert name is not None, op
        return self.costs[name]


# ---- a reader for the DOT that to_dot writes -------------------------------------------

_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<arrow>->)|(?P<punct>[{}\[\];,=])'
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)))"
)


@dataclass
class Dot:
    """What a digraph declares: graph attributes, nodes, edges and cluster subgraphs."""

    graph: dict[str, str] = field(default_factory=lambda: dict[str, str]())
    nodes: dict[str, dict[str, str]] = field(default_factory=lambda: dict[str, dict[str, str]]())
    node_subgraph: dict[str, str | None] = field(default_factory=lambda: dict[str, str | None]())
    edges: dict[tuple[str, str], dict[str, str]] = field(
        default_factory=lambda: dict[tuple[str, str], dict[str, str]]()
    )
    subgraphs: dict[str, dict[str, str]] = field(
        default_factory=lambda: dict[str, dict[str, str]]()
    )

    def label(self, node: str) -> list[str]:
        """The lines of a node's label."""
        return unescape(self.nodes[node]["label"]).split("\n")

    def ops(self) -> list[str]:
        """The ids of the op nodes (neither graph inputs nor outputs)."""
        return [n for n in self.nodes if n.startswith("op")]

    def by_name(self) -> dict[str, str]:
        """Op node ids by the ONNX node name in their label (the label's second line)."""
        return {self.label(n)[1]: n for n in self.ops() if len(self.label(n)) == 3}

    def red(self, attrs: dict[str, str]) -> bool:
        """Whether a node or edge is drawn as part of the critical path."""
        return attrs.get("color") == "red" and attrs.get("penwidth") == "3"


def unescape(text: str) -> str:
    """A DOT escString's text: `\\n` and `\\l` end lines, `\\\\` and `\\"` stand for themselves."""
    escapes = {"n": "\n", "l": "\n", "r": "\n", "\\": "\\", '"': '"'}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)


def tokenize(text: str) -> list[str]:
    """DOT tokens; quoted strings keep their quotes (so they never read as keywords)."""
    tokens: list[str] = []
    position = 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        assert match is not None, f"bad DOT at {text[position : position + 40]!r}"
        tokens.append(match.group(match.lastgroup or 0))
        position = match.end()
    return tokens


def parse_dot(text: str) -> Dot:
    """Parse `text` (one `digraph`), failing on anything outside the subset `to_dot` uses."""
    tokens = tokenize(text)
    dot = Dot()
    position = 0

    def peek() -> str:
        return tokens[position] if position < len(tokens) else ""

    def take(expected: str | None = None) -> str:
        nonlocal position
        token = peek()
        assert token, "unexpected end of DOT"
        assert expected is None or token == expected, f"expected {expected!r}, got {token!r}"
        position += 1
        return token

    def ident() -> str:
        token = take()
        assert token not in set("{}[];,=") and token != "->", f"expected an id, got {token!r}"
        if token.startswith('"'):
            return token[1:-1].replace('\\"', '"')
        return token

    def attr_list() -> dict[str, str]:
        attrs: dict[str, str] = {}
        take("[")
        while peek() != "]":
            key = ident()
            take("=")
            attrs[key] = token_value(take())
            if peek() in (",", ";"):
                take()
        take("]")
        return attrs

    def statements(subgraph: str | None) -> None:
        while peek() != "}":
            first = peek()
            if first in ("graph", "node", "edge"):
                take()
                attrs = attr_list()
                if first == "graph":
                    (dot.subgraphs[subgraph] if subgraph else dot.graph).update(attrs)
            elif first == "subgraph":
                take()
                name = ident()
                assert name.startswith("cluster"), name
                dot.subgraphs[name] = {}
                take("{")
                statements(name)
                take("}")
            else:
                chain = [ident()]
                while peek() == "->":
                    take()
                    chain.append(ident())
                attrs = attr_list() if peek() == "[" else {}
                if len(chain) == 1:
                    assert chain[0] not in dot.nodes, f"node {chain[0]} declared twice"
                    dot.nodes[chain[0]] = attrs
                    dot.node_subgraph[chain[0]] = subgraph
                for edge in itertools.pairwise(chain):
                    assert edge not in dot.edges, f"edge {edge} drawn twice"
                    dot.edges[edge] = attrs
            if peek() == ";":
                take()

    take("digraph")
    if peek() != "{":
        ident()
    take("{")
    statements(None)
    take("}")
    assert position == len(tokens), "text after the digraph"
    for source, target in dot.edges:
        assert source in dot.nodes and target in dot.nodes, (source, target)
    return dot


def token_value(token: str) -> str:
    """An attribute value as written between the quotes (escapes kept for `unescape`)."""
    return token[1:-1] if token.startswith('"') else token


# ---- helpers ----------------------------------------------------------------------------


def clustered(ctx: Context, text: str, costs: dict[str, float]) -> tuple[ModuleOp, FixedCosts]:
    """`text` parsed and clustered for two workers with `costs`."""
    module = parse_module(ctx, text)
    model = FixedCosts(costs)
    cluster_module(module, model, workers=2)
    module.verify()
    return module, model


def work_ops(module: ModuleOp) -> list[Operation]:
    """The ops that cost something: neither weights, constants, clusters nor terminators."""
    skip = (WeightOp, ConstantOp, ClusterOp, YieldOp)
    return [
        op
        for op in module.walk()
        if op.name.startswith("onnx.") and not isinstance(op, skip) and op.parent_op() is not None
    ]


def worker_by_name(module: ModuleOp) -> dict[str, int]:
    """The worker of each op, by ONNX node name (a cloned op's copy is left out)."""
    workers: dict[str, int] = {}
    for cluster in module.walk():
        if isinstance(cluster, ClusterOp):
            for op in cluster.block.ops:
                name = node_name(op)
                if name is not None and CLONED_ATTR not in op.attributes:
                    workers[name] = cluster.worker_index
    return workers


# ---- tests ------------------------------------------------------------------------------


def test_one_subgraph_per_cluster_and_one_node_per_work_op(mlir_context: Context) -> None:
    module, model = clustered(mlir_context, DIAMOND, DIAMOND_COSTS)
    clusters = [op for op in module.walk() if isinstance(op, ClusterOp)]
    dot = parse_dot(to_dot(module, model))
    assert len(clusters) >= 2
    assert len(dot.subgraphs) == len(clusters)
    for k, cluster in enumerate(clusters):
        label = unescape(dot.subgraphs[f"cluster_{k}"]["label"])
        assert label.startswith(f"cluster {k} / worker {cluster.worker_index} / ~")
        members = [n for n, s in dot.node_subgraph.items() if s == f"cluster_{k}"]
        names = {dot.label(n)[1] for n in members}
        assert names == {node_name(op) for op in cluster.block.ops if node_name(op)}
    # Every work op once, none for the weight, the constant or the yields.
    assert sorted(dot.by_name()) == sorted(DIAMOND_COSTS)
    assert len(dot.ops()) == len(work_ops(module)) == 4
    assert sorted(dot.label(n)[0] for n in dot.ops()) == ["Add", "Mul", "Relu", "Sub"]
    assert dot.label(dot.by_name()["a"]) == ["Relu", "a", "10 us"]
    assert dot.label(dot.by_name()['b "big"']) == ["Mul", 'b "big"', "100 us"]
    # The graph input and output have nodes of their own, joined to the real producer and
    # consumer through the clusters' arguments and results.
    names = dot.by_name()
    assert dot.label("in0")[0] == "input: x"
    assert ("in0", names["a"]) in dot.edges
    assert (names["d"], "out0") in dot.edges
    expected = {("a", 'b "big"'), ("a", "c"), ('b "big"', "d"), ("c", "d")}
    assert {(s, t) for s, t in dot.edges if s.startswith("op") and t.startswith("op")} == {
        (names[s], names[t]) for s, t in expected
    }
    summary = unescape(dot.graph["label"])
    assert "workers 2" in summary and "linear clusters 2" in summary
    assert "critical path 120 us" in summary and "T1 140 us" in summary
    assert "estimated speedup" in summary


def test_critical_path_red_light_branch_not(mlir_context: Context) -> None:
    module, model = clustered(mlir_context, DIAMOND, DIAMOND_COSTS)
    dot = parse_dot(to_dot(module, model))
    names = dot.by_name()
    heavy = ["a", 'b "big"', "d"]
    for name in heavy:
        assert dot.red(dot.nodes[names[name]]), name
    assert not dot.red(dot.nodes[names["c"]])
    for source, target in itertools.pairwise(heavy):
        assert dot.red(dot.edges[(names[source], names[target])])
    assert not dot.red(dot.edges[(names["a"], names["c"])])
    assert not dot.red(dot.edges[(names["c"], names["d"])])
    assert not dot.red(dot.nodes["in0"]) and not dot.red(dot.nodes["out0"])


def test_cross_worker_edges_dashed(mlir_context: Context) -> None:
    module, model = clustered(mlir_context, DIAMOND, DIAMOND_COSTS)
    workers = worker_by_name(module)
    # The light branch runs beside the heavy one: a -> c and c -> d are hand-offs.
    assert workers["c"] != workers['b "big"']
    assert workers["a"] == workers['b "big"'] == workers["d"]
    dot = parse_dot(to_dot(module, model))
    names = dot.by_name()
    for (source, target), attrs in dot.edges.items():
        if source.startswith("op") and target.startswith("op"):
            crossing = workers[dot.label(source)[1]] != workers[dot.label(target)[1]]
            assert (attrs.get("style") == "dashed") == crossing, (source, target)
    assert dot.edges[(names["a"], names["c"])]["style"] == "dashed"
    assert "style" not in dot.edges[(names['b "big"'], names["d"])]


def test_cloned_ops_marked(mlir_context: Context) -> None:
    module, model = clustered(mlir_context, FORK, FORK_COSTS)
    clones = [op for op in module.walk() if CLONED_ATTR in op.attributes]
    assert [node_name(op) for op in clones] == ["n"]
    dot = parse_dot(to_dot(module, model))
    negs = [n for n in dot.ops() if dot.label(n)[0].startswith("Neg")]
    assert len(negs) == len(work_ops(module)) - 3 == 2
    marked = [n for n in negs if dot.label(n)[0] == "Neg (clone)"]
    assert len(marked) == 1
    assert "dashed" in dot.nodes[marked[0]]["style"].split(",")
    (original,) = set(negs) - set(marked)
    assert "dashed" not in dot.nodes[original].get("style", "")
    # Each copy feeds the branch on its own worker: no hand-off after the clone.
    names = dot.by_name()
    fed = [b for b in ("p", "q") if (marked[0], names[b]) in dot.edges]
    assert len(fed) == 1
    assert "style" not in dot.edges[(marked[0], names[fed[0]])]


def test_unclustered_module(mlir_context: Context) -> None:
    module = parse_module(mlir_context, DIAMOND)
    dot = parse_dot(to_dot(module, FixedCosts(DIAMOND_COSTS)))
    assert not dot.subgraphs
    assert all(s is None for s in dot.node_subgraph.values())
    assert sorted(dot.by_name()) == sorted(DIAMOND_COSTS)
    assert not any(attrs.get("style") == "dashed" for attrs in dot.edges.values())
    names = dot.by_name()
    assert [n for n in dot.ops() if dot.red(dot.nodes[n])] == [
        names["a"],
        names['b "big"'],
        names["d"],
    ]
    summary = unescape(dot.graph["label"])
    assert "not clustered" in summary and "critical path 120 us" in summary


def test_graphviz_parses_it(mlir_context: Context) -> None:
    module, model = clustered(mlir_context, DIAMOND, DIAMOND_COSTS)
    text = to_dot(module, model)
    dot_binary = shutil.which("dot")
    if dot_binary is not None:
        result = subprocess.run(
            [dot_binary, "-Tcanon"], input=text, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        return
    if importlib.util.find_spec("pydot") is not None:
        pydot = importlib.import_module("pydot")
        graphs = pydot.graph_from_dot_data(text)
        assert graphs and len(graphs) == 1
        return
    pytest.skip("neither the Graphviz `dot` binary nor pydot is installed")


def test_write_dot(mlir_context: Context, tmp_path: Path) -> None:
    module, model = clustered(mlir_context, DIAMOND, DIAMOND_COSTS)
    target = tmp_path / "g.dot"
    target.write_text("old")
    write_dot(module, target, model)
    assert target.read_text() == to_dot(module, model)
    assert [p.name for p in tmp_path.iterdir()] == ["g.dot"]


def test_write_dot_leaves_no_file_on_error(mlir_context: Context, tmp_path: Path) -> None:
    module, model = clustered(mlir_context, DIAMOND, DIAMOND_COSTS)
    missing = tmp_path / "missing" / "g.dot"
    with pytest.raises(RamielError, match="cannot write the DOT graph"):
        write_dot(module, missing, model)
    assert not missing.parent.exists()
    # The target is a directory: os.replace fails after the temporary file was written.
    (tmp_path / "taken.dot").mkdir()
    with pytest.raises(RamielError, match=r"taken\.dot"):
        write_dot(module, tmp_path / "taken.dot", model)
    assert [p.name for p in tmp_path.iterdir()] == ["taken.dot"]
    assert not any((tmp_path / "taken.dot").iterdir())


def test_cli_emit_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ramiel.tools.ramiel import main

    monkeypatch.chdir(REPO)
    target = tmp_path / "g.dot"
    args = ["compile", "examples/inception_block.onnx", "-o", str(tmp_path / "out")]
    main([*args, "--workers", "2", "--emit-dot", str(target)])
    dot = parse_dot(target.read_text())
    assert dot.subgraphs
    workers = {unescape(s["label"]).split(" / ")[1] for s in dot.subgraphs.values()}
    assert workers <= {"worker 0", "worker 1"}
    assert dot.ops() and all(n in dot.node_subgraph for n in dot.ops())
    # Imported ops carry their ONNX node names.
    assert all(len(dot.label(n)) == 3 for n in dot.ops())
    assert any(dot.label(n)[0] == "Conv+Relu" for n in dot.ops())
    assert any(dot.red(dot.nodes[n]) for n in dot.ops())
    assert dot.label("in0")[0] == "input: input"
    assert dot.label("out0")[0] == "output: probabilities"
