"""Parallel generated code computes exactly what serial generated code computes.

A hypothesis property test builds random DAG models (elementwise, n-ary, split/concat and
MatMul ops, with fan-out and several graph inputs and outputs), clusters them for 1 to 8
workers under random op and hand-off costs, and checks that 200 runs of the parallel code
give outputs bitwise equal to the serial code's, none of them hanging. The serial outputs
are checked against onnxruntime.

Deterministic tests cover the runtime's edges: an op failing in a cluster reaches the
caller as a `ClusterError` and leaves the model usable; the worker threads stop when the
model is freed; two user threads calling one model at once both get correct results.
"""

from __future__ import annotations

import gc
import importlib.util
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from ramiel.codegen.python import node_name, print_python
from ramiel.compiler import CompiledModel, instantiate, module_weight_tensors
from ramiel.dialects.context import ir_context
from ramiel.dialects.dataflow import ClusterOp
from ramiel.importer.onnx_importer import import_model
from ramiel.passes.canonicalize import CanonicalizePass
from ramiel.passes.cluster import cluster_module
from ramiel.passes.cost_model import CostModel
from ramiel.runtime import ClusterError
from ramiel.testing.models import run_onnxruntime
from ramiel.weights import attach_weights

SHAPE = (4, 8)
RUNS = 200
"""Parallel runs per example."""
CALL_TIMEOUT_S = 10.0
"""A call not done after this long is a hang (a deadlock in the runtime or the schedule)."""
RTOL = 1e-3
ATOL = 1e-7

UNARY = ("Relu", "Tanh", "Sigmoid", "Neg", "Abs", "Exp")
BINARY = ("Add", "Sub", "Mul", "Max", "Min")
KINDS = ("unary", "binary", "sum", "concat_slice", "split_concat", "matmul")
BOUND_LIMIT = 8.0
"""Values whose bound may pass this are clipped to [-CLIP, CLIP], so nothing overflows and
rounding stays small enough to compare with onnxruntime."""
CLIP = 4.0
RUN_PARALLEL = "self.workers.run("


# ---- random models ---------------------------------------------------------------------


@dataclass
class RandomModel:
    """A random DAG model, inputs to run it on, and the names of its nodes."""

    model: onnx.ModelProto
    inputs: list[np.ndarray]
    node_names: list[str]

    def __repr__(self) -> str:
        nodes = "; ".join(
            f"{n.name}: {n.op_type}({', '.join(n.input)}) -> {', '.join(n.output)}"
            for n in self.model.graph.node
        )
        outputs = ", ".join(o.name for o in self.model.graph.output)
        inputs = ", ".join(i.name for i in self.model.graph.input)
        return f"RandomModel(inputs: {inputs}; {nodes}; outputs: {outputs})"


class _Builder:
    """Nodes, initializers and value bounds of a model being drawn."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.bound: dict[str, float] = {}
        """A bound on each value's magnitude."""
        self.read: set[str] = set()
        self.constants: set[str] = set()

    def constant(self, name: str, array: np.ndarray) -> str:
        """An initializer `name` holding `array` (added once; later calls reuse it)."""
        if name not in self.constants:
            self.constants.add(name)
            self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def node(
        self,
        op_type: str,
        inputs: Sequence[str],
        outputs: Sequence[str],
        name: str,
        **attributes: int,
    ) -> None:
        """Add a node reading `inputs`."""
        node = helper.make_node(op_type, list(inputs), list(outputs), name=name)
        node.attribute.extend(helper.make_attribute(k, v) for k, v in attributes.items())
        self.nodes.append(node)
        self.read.update(inputs)

    def bounded(self, value: str, bound: float, name: str) -> str:
        """`value`, clipped when its bound passes `BOUND_LIMIT`; records the bound."""
        if bound <= BOUND_LIMIT:
            self.bound[value] = bound
            return value
        low = self.constant("clip_low", np.array(-CLIP, np.float32))
        high = self.constant("clip_high", np.array(CLIP, np.float32))
        clipped = f"{value}_c"
        self.node("Clip", [value, low, high], [clipped], f"{name}_clip")
        self.bound[clipped] = CLIP
        return clipped


@st.composite
def random_models(draw: st.DrawFn) -> RandomModel:
    """A DAG of 1 to 60 nodes on 1 to 3 float32 [4, 8] inputs; every sink is an output."""
    builder = _Builder()
    inputs = [f"x{i}" for i in range(draw(st.integers(1, 3)))]
    values = list(inputs)
    for name in inputs:
        builder.bound[name] = 1.0
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def operand() -> str:
        # Half the reads go to the first few values, so some values have a wide fan-out.
        if draw(st.booleans()):
            return values[draw(st.integers(0, min(len(values), 3) - 1))]
        return values[draw(st.integers(0, len(values) - 1))]

    def operands(low: int, high: int) -> list[str]:
        return [operand() for _ in range(draw(st.integers(low, high)))]

    for index in range(draw(st.integers(1, 60))):
        name, out = f"n{index}", f"v{index}"
        kind = draw(st.sampled_from(KINDS))
        bound = builder.bound
        if kind == "unary":
            op_type = draw(st.sampled_from(UNARY))
            (source,) = operands(1, 1)
            if op_type == "Exp":
                one = builder.constant("one", np.array(1.0, np.float32))
                minus_one = builder.constant("minus_one", np.array(-1.0, np.float32))
                builder.node("Clip", [source, minus_one, one], [f"{out}_in"], f"{name}_in")
                builder.node("Exp", [f"{out}_in"], [out], name)
                result = builder.bounded(out, float(np.e), name)
            else:
                builder.node(op_type, [source], [out], name)
                squashed = op_type in ("Tanh", "Sigmoid")
                result = builder.bounded(out, 1.0 if squashed else bound[source], name)
        elif kind == "binary":
            op_type = draw(st.sampled_from(BINARY))
            a, b = operands(2, 2)
            builder.node(op_type, [a, b], [out], name)
            if op_type in ("Add", "Sub"):
                limit = bound[a] + bound[b]
            elif op_type == "Mul":
                limit = bound[a] * bound[b]
            else:
                limit = max(bound[a], bound[b])
            result = builder.bounded(out, limit, name)
        elif kind == "sum":
            sources = operands(1, 3)
            builder.node("Sum", sources, [out], name)
            result = builder.bounded(out, sum(bound[s] for s in sources), name)
        elif kind == "concat_slice":
            sources = operands(2, 3)
            wide = f"{out}_wide"
            builder.node("Concat", sources, [wide], f"{name}_concat", axis=1)
            start = draw(st.integers(0, SHAPE[1] * (len(sources) - 1)))
            starts = builder.constant(f"{out}_starts", np.array([start], np.int64))
            ends = builder.constant(f"{out}_ends", np.array([start + SHAPE[1]], np.int64))
            axes = builder.constant("axis_1", np.array([1], np.int64))
            builder.node("Slice", [wide, starts, ends, axes], [out], name)
            result = builder.bounded(out, max(bound[s] for s in sources), name)
        elif kind == "split_concat":
            # Two results of one op, read by another op that may run on another worker.
            (source,) = operands(1, 1)
            low, high = f"{out}_lo", f"{out}_hi"
            builder.node("Split", [source], [low, high], f"{name}_split", axis=1, num_outputs=2)
            builder.node("Concat", [high, low], [out], name, axis=1)
            result = builder.bounded(out, bound[source], name)
        else:
            (source,) = operands(1, 1)
            weight = rng.uniform(-0.25, 0.25, (SHAPE[1], SHAPE[1])).astype(np.float32)
            w = builder.constant(f"{out}_w", weight)
            builder.node("MatMul", [source, w], [out], name)
            result = builder.bounded(out, 2.0 * bound[source], name)
        values.append(result)
    sinks = [v for v in values if v not in builder.read]
    extra = draw(st.lists(st.sampled_from(values), max_size=3, unique=True))
    outputs = sinks + [v for v in extra if v not in sinks]
    value_info = [
        helper.make_tensor_value_info(v, TensorProto.FLOAT, list(SHAPE))
        for v in (*inputs, *outputs)
    ]
    graph = helper.make_graph(
        builder.nodes,
        "random_dag",
        value_info[: len(inputs)],
        value_info[len(inputs) :],
        builder.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10  # what onnxruntime reads
    arrays = [rng.uniform(-1.0, 1.0, SHAPE).astype(np.float32) for _ in inputs]
    return RandomModel(model, arrays, [n.name for n in builder.nodes])


# ---- compiling and running --------------------------------------------------------------


class TableCostModel(CostModel):
    """Op costs by ONNX node name; ops without a listed name get seeded random costs."""

    name = "table"

    def __init__(self, costs: Mapping[str, float], edge_us: float, seed: int = 0) -> None:
        super().__init__(edge_us)
        self.costs = costs
        self.rng = np.random.default_rng(seed)

    def estimate(self, op: Operation) -> float:
        cost = self.costs.get(node_name(op) or "")
        return float(self.rng.uniform(1.0, 1000.0)) if cost is None else cost


@dataclass
class Builds:
    """Serial and parallel code of one model, and the clustered IR."""

    serial_code: str
    parallel_code: str
    module: ModuleOp
    serial: CompiledModel
    parallel: CompiledModel


def build(
    model: onnx.ModelProto,
    cost_model: CostModel,
    workers: int,
    *,
    canonicalize: bool = False,
    compiled: bool = True,
    solo_threads: int = 1,
) -> Builds:
    """Serial code, then parallel code after clustering, both printed from the same IR
    (canonicalized first with `canonicalize`). The parallel workers run as TorchScript, or
    as Python (the fallback for code TorchScript cannot compile) without `compiled`. With
    `solo_threads` > 1, an op that runs while the other workers idle gets that many
    intra-op threads."""
    imported = import_model(model)
    module = imported.module
    attach_weights(module, imported.weights)
    if canonicalize:
        CanonicalizePass().apply(ir_context(), module)
    serial_code = print_python(module)
    serial = instantiate(
        serial_code, module_weight_tensors(module, imported.weights), name="serial"
    )
    solo = solo_threads > 1
    cluster_module(module, cost_model, workers=workers, threads=solo_threads, solo=solo)
    parallel_code = print_python(module, min_gain=0.0)
    if not compiled:
        parallel_code = re.sub(
            r"(rt\.Workers\(self, .*)\)\n", r"\1, script=False)\n", parallel_code
        )
    parallel = instantiate(
        parallel_code, module_weight_tensors(module, imported.weights), name="parallel"
    )
    workers_of_model = getattr(parallel.model, "workers", None)
    if workers_of_model is not None:
        assert workers_of_model.compiled == compiled, workers_of_model.why_not
    return Builds(serial_code, parallel_code, module, serial, parallel)


def cluster_workers(module: ModuleOp) -> set[int]:
    """The workers that the clusters of `module` are assigned to."""
    return {op.worker_index for op in module.walk() if isinstance(op, ClusterOp)}


def call_with_timeout(
    model: Callable[..., tuple[torch.Tensor, ...]], inputs: Sequence[torch.Tensor]
) -> tuple[torch.Tensor, ...]:
    """`model(*inputs)` run on a thread of its own; a call that does not end fails the test."""
    box: list[tuple[torch.Tensor, ...] | BaseException] = []

    def target() -> None:
        try:
            with torch.no_grad():
                box.append(model(*inputs))
        except BaseException as error:  # handed to the caller below
            box.append(error)

    thread = threading.Thread(target=target, name="ramiel-test-call", daemon=True)
    thread.start()
    thread.join(CALL_TIMEOUT_S)
    if thread.is_alive():
        pytest.fail(f"a call of the parallel model hangs: not done after {CALL_TIMEOUT_S} s")
    (result,) = box
    if isinstance(result, BaseException):
        raise result
    return result


def bitwise_equal(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Same dtype, shape and bits (so NaNs with equal payloads compare equal too)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.is_floating_point:
        bits = {2: torch.int16, 4: torch.int32, 8: torch.int64}[a.element_size()]
        return torch.equal(a.contiguous().view(bits), b.contiguous().view(bits))
    return torch.equal(a, b)


def assert_matches_onnxruntime(
    model: onnx.ModelProto, arrays: Sequence[np.ndarray], outputs: Sequence[torch.Tensor]
) -> None:
    """`outputs` are what onnxruntime computes for `model` on `arrays`."""
    expected = run_onnxruntime(model, arrays)
    assert len(outputs) == len(expected)
    for info, actual, wanted in zip(model.graph.output, outputs, expected, strict=True):
        np.testing.assert_allclose(
            actual.numpy(), wanted, rtol=RTOL, atol=ATOL, err_msg=f"output {info.name}"
        )


# ---- the property -----------------------------------------------------------------------


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    case=random_models(),
    # One worker last: hypothesis favours the first choice, and it is the dullest case.
    workers=st.sampled_from((2, 3, 4, 5, 6, 7, 8, 1)),
    edge_us=st.floats(0.0, 100.0),
    cost_seed=st.integers(0, 2**32 - 1),
)
def test_parallel_code_is_bitwise_equal_to_serial_code(
    case: RandomModel, workers: int, edge_us: float, cost_seed: int
) -> None:
    rng = np.random.default_rng(cost_seed)
    costs = {name: float(rng.uniform(1.0, 1000.0)) for name in case.node_names}
    builds = build(case.model, TableCostModel(costs, edge_us, cost_seed), workers)
    assert RUN_PARALLEL not in builds.serial_code
    used = cluster_workers(builds.module)
    assert len(used) <= workers
    event(f"workers used: {len(used)}")
    if len(used) > 1:
        assert RUN_PARALLEL in builds.parallel_code
    else:
        assert RUN_PARALLEL not in builds.parallel_code

    inputs = [torch.as_tensor(a) for a in case.inputs]
    expected = call_with_timeout(builds.serial, inputs)
    assert_matches_onnxruntime(case.model, case.inputs, expected)
    names = [o.name for o in case.model.graph.output]
    for run in range(RUNS):
        outputs = call_with_timeout(builds.parallel, inputs)
        assert len(outputs) == len(expected)
        for name, actual, wanted in zip(names, outputs, expected, strict=True):
            assert isinstance(actual, torch.Tensor), f"run {run}: output {name} is {actual!r}"
            assert bitwise_equal(actual, wanted), (
                f"run {run} of {RUNS} on {len(used)} workers: output {name} differs from "
                "the serial code's"
            )


# ---- deterministic tests ----------------------------------------------------------------


def _diamond_model() -> onnx.ModelProto:
    """x -> a; four heavy branches of a; all summed: room for up to four workers."""
    rng = np.random.default_rng(7)
    nodes = [helper.make_node("Tanh", ["x"], ["a"], name="a")]
    initializers: list[onnx.TensorProto] = []
    for k in range(4):
        w = numpy_helper.from_array(rng.uniform(-0.3, 0.3, (8, 8)).astype(np.float32), f"w{k}")
        initializers.append(w)
        nodes.append(helper.make_node("MatMul", ["a", f"w{k}"], [f"m{k}"], name=f"m{k}"))
        nodes.append(helper.make_node("Sigmoid", [f"m{k}"], [f"s{k}"], name=f"s{k}"))
    nodes.append(helper.make_node("Sum", [f"s{k}" for k in range(4)], ["y"], name="y"))
    graph = helper.make_graph(
        nodes,
        "diamond",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(SHAPE))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(SHAPE))],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10
    return model


DIAMOND_COSTS = (
    {"a": 10.0, "y": 10.0} | {f"m{k}": 500.0 for k in range(4)} | {f"s{k}": 100.0 for k in range(4)}
)


def _failing_model(failing_first: bool) -> onnx.ModelProto:
    """Two independent branches joined by an Add. Branch `bad` multiplies input `y`, whose
    last dim is dynamic, by an [8, 8] weight: it fails at run time when that dim is not 8.
    `failing_first` puts the bad branch first in node order (so on worker 0)."""
    weight = numpy_helper.from_array(
        np.random.default_rng(3).uniform(-0.3, 0.3, (8, 8)).astype(np.float32), "w"
    )
    good = [
        helper.make_node("Tanh", ["z"], ["g1"], name="good_tanh"),
        helper.make_node("Sigmoid", ["g1"], ["g2"], name="good_sigmoid"),
        helper.make_node("Neg", ["g2"], ["g3"], name="good_neg"),
    ]
    bad = [
        helper.make_node("MatMul", ["y", "w"], ["b1"], name="bad_matmul"),
        helper.make_node("Relu", ["b1"], ["b2"], name="bad_relu"),
    ]
    join = helper.make_node("Add", ["g3", "b2"], ["out"], name="join")
    graph = helper.make_graph(
        [*(bad + good if failing_first else good + bad), join],
        "failing",
        [
            helper.make_tensor_value_info("z", TensorProto.FLOAT, list(SHAPE)),
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [SHAPE[0], "n"]),
        ],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, list(SHAPE))],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10
    return model


FAILING_COSTS = {
    "good_tanh": 300.0,
    "good_sigmoid": 300.0,
    "good_neg": 300.0,
    "bad_matmul": 500.0,
    "bad_relu": 300.0,
    "join": 10.0,
}


def _worker_of_method(code: str, method: str) -> int:
    """The worker a cluster method's docstring names."""
    match = re.search(rf"def {method}\(self\) -> None:\n\s+\"\"\"Worker (\d+)", code)
    assert match is not None, f"no method {method} in the code"
    return int(match.group(1))


@pytest.mark.parametrize("compiled", [True, False], ids=["torchscript", "python"])
@pytest.mark.parametrize("failing_first", [True, False], ids=["on-caller", "on-worker-thread"])
def test_cluster_error_names_the_op_and_the_model_stays_usable(
    failing_first: bool, compiled: bool
) -> None:
    model = _failing_model(failing_first)
    builds = build(model, TableCostModel(FAILING_COSTS, 1.0), workers=2, compiled=compiled)
    assert RUN_PARALLEL in builds.parallel_code
    rng = np.random.default_rng(5)
    z = rng.uniform(-1, 1, SHAPE).astype(np.float32)
    y = rng.uniform(-1, 1, SHAPE).astype(np.float32)
    wrong_y = torch.as_tensor(rng.uniform(-1, 1, (SHAPE[0], 5)).astype(np.float32))
    expected = run_onnxruntime(model, [z, y])
    good_inputs = [torch.as_tensor(z), torch.as_tensor(y)]
    for attempt in range(10):
        with pytest.raises(ClusterError) as caught:
            call_with_timeout(builds.parallel, [torch.as_tensor(z), wrong_y])
        error = caught.value
        assert error.op == "bad_matmul"
        assert str(error).startswith(f"op 'bad_matmul' in {error.cluster} failed: RuntimeError: ")
        assert isinstance(error.__cause__, RuntimeError)
        assert _worker_of_method(builds.parallel_code, error.cluster) == (0 if failing_first else 1)
        (out,) = call_with_timeout(builds.parallel, good_inputs)
        np.testing.assert_allclose(
            out.numpy(), expected[0], rtol=RTOL, atol=ATOL, err_msg=f"attempt {attempt}"
        )
        (serial_out,) = call_with_timeout(builds.serial, good_inputs)
        assert bitwise_equal(out, serial_out)


@pytest.mark.parametrize("compiled", [True, False], ids=["torchscript", "python"])
def test_cluster_error_names_the_op_in_code_loaded_from_a_file(
    compiled: bool, tmp_path: Path
) -> None:
    """As `ramiel compile` writes it: a generated module imported from its .py file."""
    builds = build(
        _failing_model(False), TableCostModel(FAILING_COSTS, 1.0), workers=2, compiled=compiled
    )
    path = tmp_path / "model.py"
    path.write_text(builds.parallel_code)
    spec = importlib.util.spec_from_file_location("ramiel_test_loaded_model", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loaded = builds.parallel.model
    weights = {key: getattr(loaded, attribute) for attribute, key in module.WEIGHTS.items()}
    model = module.Model(weights)
    assert model.workers.compiled == compiled, model.workers.why_not
    z = torch.zeros(SHAPE)
    with pytest.raises(ClusterError) as caught:
        call_with_timeout(model, [z, torch.zeros(SHAPE[0], 5)])
    assert caught.value.op == "bad_matmul"
    (out,) = call_with_timeout(model, [z, torch.zeros(SHAPE)])
    (expected,) = call_with_timeout(builds.serial, [z, torch.zeros(SHAPE)])
    assert bitwise_equal(out, expected)


def _worker_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("ramiel-worker-")}


def test_worker_threads_stop_when_the_model_is_freed() -> None:
    before = _worker_threads()
    builds = build(_diamond_model(), TableCostModel(DIAMOND_COSTS, 1.0), workers=4)
    workers = len(cluster_workers(builds.module))
    assert workers == 4
    mine = _worker_threads() - before
    assert len(mine) == workers - 1
    x = torch.as_tensor(np.random.default_rng(2).uniform(-1, 1, SHAPE).astype(np.float32))
    call_with_timeout(builds.parallel, [x])
    del builds
    gc.collect()
    deadline = time.monotonic() + 10.0
    while any(t.is_alive() for t in mine) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not [t.name for t in mine if t.is_alive()], "worker threads outlive their model"


def test_two_user_threads_calling_one_model_get_their_own_results() -> None:
    model = _diamond_model()
    builds = build(model, TableCostModel(DIAMOND_COSTS, 1.0), workers=3)
    assert RUN_PARALLEL in builds.parallel_code
    rng = np.random.default_rng(11)
    arrays = [rng.uniform(-1, 1, SHAPE).astype(np.float32) for _ in range(2)]
    expected = [call_with_timeout(builds.serial, [torch.as_tensor(a)])[0] for a in arrays]
    for array, wanted in zip(arrays, expected, strict=True):
        assert_matches_onnxruntime(model, [array], [wanted])
    calls = 100
    start = threading.Barrier(2)
    results: list[list[torch.Tensor]] = [[], []]
    errors: list[BaseException] = []

    def user(index: int) -> None:
        x = torch.as_tensor(arrays[index])
        try:
            start.wait()
            with torch.no_grad():
                for _ in range(calls):
                    results[index].append(builds.parallel(x)[0])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(CALL_TIMEOUT_S * 3)
    assert not [t for t in threads if t.is_alive()], "concurrent calls hang"
    assert not errors, errors
    for index in range(2):
        assert len(results[index]) == calls
        for call, out in enumerate(results[index]):
            assert bitwise_equal(out, expected[index]), f"thread {index}, call {call}"


def test_a_value_returned_twice_is_returned_twice() -> None:
    """A cluster's value that `forward` returns twice is put for two reads."""
    # Canonicalization removes the Identity nodes: @main returns %c twice.
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="a"),
        helper.make_node("Tanh", ["x"], ["b"], name="b"),
        helper.make_node("Add", ["a", "b"], ["c"], name="c"),
        helper.make_node("Identity", ["c"], ["y1"], name="y1"),
        helper.make_node("Identity", ["c"], ["y2"], name="y2"),
    ]
    graph = helper.make_graph(
        nodes,
        "returned_twice",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(SHAPE))],
        [helper.make_tensor_value_info(y, TensorProto.FLOAT, list(SHAPE)) for y in ("y1", "y2")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10
    costs = {"a": 500.0, "b": 500.0, "c": 10.0}
    builds = build(model, TableCostModel(costs, 1.0), workers=2, canonicalize=True)
    assert RUN_PARALLEL in builds.parallel_code
    x = np.random.default_rng(13).uniform(-1, 1, SHAPE).astype(np.float32)
    outputs = call_with_timeout(builds.parallel, [torch.as_tensor(x)])
    assert all(isinstance(o, torch.Tensor) for o in outputs), outputs
    assert_matches_onnxruntime(model, [x], outputs)


def _tail_model() -> onnx.ModelProto:
    """Two branches of x, joined, then a heavy tail that runs while the other worker idles."""
    weight = numpy_helper.from_array(
        np.random.default_rng(4).uniform(-0.3, 0.3, (8, 8)).astype(np.float32), "w"
    )
    nodes = [
        helper.make_node("Sigmoid", ["x"], ["b1"], name="b1"),
        helper.make_node("Tanh", ["x"], ["b2"], name="b2"),
        helper.make_node("Add", ["b1", "b2"], ["j"], name="j"),
        helper.make_node("MatMul", ["j", "w"], ["y"], name="tail"),
    ]
    graph = helper.make_graph(
        nodes,
        "tail",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(SHAPE))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(SHAPE))],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10
    return model


@pytest.mark.parametrize("compiled", [True, False], ids=["torchscript", "python"])
def test_a_cluster_planned_on_two_threads_runs(compiled: bool) -> None:
    costs = {"b1": 200.0, "b2": 200.0, "j": 10.0, "tail": 1000.0}
    builds = build(
        _tail_model(), TableCostModel(costs, 5.0), workers=2, compiled=compiled, solo_threads=2
    )
    code = builds.parallel_code
    assert RUN_PARALLEL in code
    assert "threads = rt.set_intra_op_threads(2)" in code
    assert "rt.set_intra_op_threads(threads)" in code
    x = torch.as_tensor(np.random.default_rng(6).uniform(-1, 1, SHAPE).astype(np.float32))
    (expected,) = call_with_timeout(builds.serial, [x])
    for _ in range(20):
        (out,) = call_with_timeout(builds.parallel, [x])
        assert bitwise_equal(out, expected)
