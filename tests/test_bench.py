"""`ramiel bench`: the JSON object and the table, the Chrome trace and the Gantt chart, the
rotating rounds, the output check against onnxruntime, and the one-line errors.

The model is a tiny two-branch CNN (two 3x3 convolutions side by side, then a 1x1): a
call takes about a millisecond, and with 2 workers its code is parallel.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Generator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, cast

import numpy as np
import onnx
import pytest
import torch
from matplotlib.image import imread
from onnx import TensorProto, helper, numpy_helper

import ramiel.bench
import ramiel.runtime as rt
import ramiel.runtime.ticks as ticks_module
from ramiel import kernels
from ramiel.bench import (
    SETTLE_CALLS,
    BenchOptions,
    BenchReport,
    Bound,
    InputInfo,
    Peer,
    PeerResult,
    Progress,
    compare,
    format_json,
    format_table,
    graph_inputs,
    noisy_peers,
    random_inputs,
    run_bench,
    time_rounds,
)
from ramiel.compiler import instantiate, lower, weight_tensors
from ramiel.passes.profile import CACHE_ENV
from ramiel.runtime.ticks import rows
from ramiel.runtime.tracing import Span, trace_spans
from ramiel.testing.models import save_onnx
from ramiel.tools.diagnostics import RamielError
from ramiel.tools.ramiel import main
from ramiel.trace import chrome_trace, gantt_figure, op_kind, plot_gantt, write_chrome_trace

PEERS = ("eager-1t", "eager-Nt", "ramiel-serial", "ramiel", "ort-seq", "ort-par")
FAST = ["--runs", "3", "--warmup", "1", "--no-progress", "--workers", "2"]


def two_branch_model(channels: int = 32, size: int = 32) -> onnx.ModelProto:
    """x -> (Conv 3x3 -> Relu) and (Conv 3x3 -> Sigmoid) -> Concat -> Conv 1x1; batch dynamic."""
    rng = np.random.default_rng(0)

    def weight(name: str, shape: tuple[int, ...]) -> onnx.TensorProto:
        data = (rng.standard_normal(shape) * 0.1).astype(np.float32)
        return numpy_helper.from_array(data, name)

    c = channels
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["a"], pads=[1, 1, 1, 1], name="conv_a"),
        helper.make_node("Relu", ["a"], ["ar"], name="relu_a"),
        helper.make_node("Conv", ["x", "w2"], ["b"], pads=[1, 1, 1, 1], name="conv_b"),
        helper.make_node("Sigmoid", ["b"], ["bs"], name="sig_b"),
        helper.make_node("Concat", ["ar", "bs"], ["c"], axis=1, name="cat"),
        helper.make_node("Conv", ["c", "w3"], ["y"], name="conv_y"),
    ]
    shape = ["N", c, size, size]
    graph = helper.make_graph(
        nodes,
        "two_branch",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
        [weight("w1", (c, c, 3, 3)), weight("w2", (c, c, 3, 3)), weight("w3", (c, 2 * c, 1, 1))],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 10  # what the installed onnxruntime reads
    return model


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "two_branch.onnx"
    save_onnx(two_branch_model(), path)
    return path


@pytest.fixture(autouse=True)
def profile_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measured profiles go to a fresh directory, not the user's cache."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def json_run(
    model_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path, Path]:
    """One `ramiel bench --json --trace --plot` run: its JSON object, trace and plot paths."""
    out = tmp_path_factory.mktemp("bench-out")
    trace, plot = out / "trace.json", out / "gantt.png"
    stdout = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(stdout):
        patch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("cache")))
        main(
            ["bench", str(model_path), "--json", *FAST, "--trace", str(trace), "--plot", str(plot)]
        )
    return json.loads(stdout.getvalue()), trace, plot


# ---- the command ---------------------------------------------------------------------


def test_json_has_every_peer_checked_and_timed(json_run: tuple[dict[str, Any], Path, Path]) -> None:
    report, _, _ = json_run
    assert report["workers"] == 2 and report["runs"] == 3
    assert report["inputs"] == [{"name": "x", "dtype": "float32", "shape": [1, 32, 32, 32]}]
    assert list(report["peers"]) == list(PEERS)
    for name, peer in report["peers"].items():
        assert peer["ok"], (name, peer["error"])
        assert len(peer["samples_ms"]) == 3
        assert 0 < peer["p10_ms"] <= peer["median_ms"] <= peer["p90_ms"]
        assert 0 <= peer["max_abs_diff"] < 1e-4
        assert peer["build_s"] >= 0
    assert report["peers"]["eager-1t"]["speedup_vs_eager_1t"] == pytest.approx(1.0)
    best = min(p["median_ms"] for n, p in report["peers"].items() if not n.startswith("ramiel"))
    ramiel = report["peers"]["ramiel"]
    assert ramiel["best_peer_over_this"] == pytest.approx(best / ramiel["median_ms"])
    assert report["compile_s"] > 0


def test_json_has_the_bound_and_memory(json_run: tuple[dict[str, Any], Path, Path]) -> None:
    report, _, _ = json_run
    bound = report["bound"]
    assert bound["ops"] == 6 and bound["workers"] == 2
    assert 0 < bound["tinf_ms"] <= bound["t1_ms"]
    assert bound["bound_ms"] == pytest.approx(max(bound["t1_ms"] / 2, bound["tinf_ms"]))
    assert 1.0 <= bound["speedup"] <= 2.0
    memory = report["memory"]
    assert memory["error"] is None
    for key in ("baseline_mib", "eager_mib", "ramiel_mib"):
        assert memory[key] > 50  # torch alone is well over this
    assert memory["ratio"] == pytest.approx(memory["ramiel_mib"] / memory["eager_mib"])


def test_chrome_trace_of_a_run(json_run: tuple[dict[str, Any], Path, Path]) -> None:
    report, trace_path, _ = json_run
    assert report["trace"] == str(trace_path)
    trace = json.loads(trace_path.read_text())
    assert trace["displayTimeUnit"] == "ms"
    events: list[dict[str, Any]] = trace["traceEvents"]
    for event in events:
        assert {"name", "ph", "pid", "tid"} <= event.keys()
    ops = [e for e in events if e["ph"] == "X"]
    for event in ops:
        assert event["ts"] >= 0 and event["dur"] >= 0
    traced = lower(two_branch_model(), workers=2, trace=True).code
    # The compiler may judge this small graph faster as serial code on 2 intra-op threads.
    workers = 2 if "self.workers.run" in traced else 1
    op_indices = {int(i) for i in re.findall(r"rt\.tick\(_trace, \d+, (\d+)\)", traced)}
    assert len(ops) == len(op_indices) == 6
    assert sorted(e["name"] for e in ops) == sorted(
        ["conv_a", "relu_a", "conv_b", "sig_b", "cat", "conv_y"]
    )
    assert {e["tid"] for e in ops} == set(range(workers))
    threads = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert threads == {w: f"worker {w}" for w in range(workers)}


def test_chrome_trace_of_parallel_code_has_a_track_per_worker() -> None:
    compilation = lower(two_branch_model(), workers=2, trace=True, min_gain=0.0)
    assert "self.workers.run" in compilation.code
    model = instantiate(compilation.code, weight_tensors(compilation))
    # The traced build runs the workers TorchScript compiled, as the untraced build does,
    # wherever the kernel library (with the ticks' clock) is available.
    workers = cast(rt.Workers, model.model.workers)
    assert workers.compiled == kernels.available(), workers.why_not
    spans: list[Span] = []
    for _ in range(2):  # each call's ticks replace the last call's
        before = time.perf_counter()
        with torch.inference_mode():
            model(torch.rand(1, 32, 32, 32))
        after = time.perf_counter()
        spans = trace_spans(model)
        assert len(spans) == 6
        assert all(before <= s.start <= s.end <= after for s in spans)
    trace = chrome_trace(spans)
    ops = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert sorted(e["name"] for e in ops) == sorted(
        ["conv_a", "relu_a", "conv_b", "sig_b", "cat", "conv_y"]
    )
    assert {e["tid"] for e in ops} == {0, 1}


_WITHOUT_KERNELS = """
import sys, torch
sys.path.insert(0, sys.argv[1])
from test_bench import two_branch_model
from ramiel.compiler import instantiate, lower, weight_tensors
from ramiel.runtime import trace_spans
compilation = lower(two_branch_model(), workers=2, trace=True, min_gain=0.0)
model = instantiate(compilation.code, weight_tensors(compilation))
model(torch.rand(1, 32, 32, 32))
spans = trace_spans(model)
print(model.model.workers.compiled, len(spans), sorted({s.worker for s in spans}))
"""


def test_a_traced_build_without_the_kernel_library_ticks_from_python(tmp_path: Path) -> None:
    env = {**os.environ, "RAMIEL_NATIVE_KERNELS": "0", "RAMIEL_CACHE": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_KERNELS, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    # TorchScript cannot compile the ticks, so the workers are Python threads.
    assert done.stdout.split("\n")[-2] == "False 6 [0, 1]"


@pytest.mark.parametrize("native", [True, False])
def test_ticks_share_the_perf_counter_clock_and_stop_at_capacity(
    native: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = rt.tick_buffer(2)
    if native:
        if not kernels.available():
            pytest.skip(f"no kernel library: {kernels.why_not()}")
        assert ticks_module._native() is not None  # pyright: ignore[reportPrivateUsage]
    else:  # where the kernel library is unavailable, Python writes the rows
        monkeypatch.setattr(ticks_module, "_native", lambda: None)
    for _ in range(2):
        rt.reset_ticks(ticks)
        before = time.perf_counter()
        for worker, op in ((0, 7), (1, -1), (0, 8)):
            rt.tick(ticks, worker, op)
        after = time.perf_counter()
        recorded = rows(ticks)
        assert [(w, op) for w, op, _ in recorded] == [(0, 7), (1, -1)]  # the third: no room
        assert all(before <= at <= after for _, _, at in recorded)
        assert int(ticks[0]) == 3


def test_gantt_png_of_a_run(json_run: tuple[dict[str, Any], Path, Path]) -> None:
    report, _, plot_path = json_run
    assert report["plot"] == str(plot_path)
    data = plot_path.read_bytes()
    assert data[:4] == b"\x89PNG"
    assert 5_000 < len(data) < 2_000_000
    height, width, _ = imread(plot_path).shape
    assert width > height > 100
    assert [p.name for p in plot_path.parent.iterdir() if p.name.startswith(".")] == []


def test_table_names_every_peer_and_the_bound(
    model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["bench", str(model_path), *FAST, "--no-memory"])
    out, err = capsys.readouterr()
    assert err == ""  # --no-progress
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    for name in (*PEERS, "bound"):
        assert name in rows, name
        assert "FAILED" not in rows[name]
    assert rows["eager-1t"].split()[4] == "1.00x"
    assert "compile: ramiel" in out
    assert "bound: T1" in out and "max(T1/2, Tinf)" in out
    assert "memory" not in out


# ---- errors ----------------------------------------------------------------------------


def _fails(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", *args])
    assert exit_info.value.code == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ramiel: error: "), err
    return lines[0]


def test_missing_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = tmp_path / "trace.json"
    line = _fails([str(tmp_path / "none.onnx"), "--trace", str(trace)], capsys)
    assert "cannot read" in line and "none.onnx" in line
    assert not trace.exists()


def test_truncated_model(
    tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(model_path.read_bytes()[:3000])
    plot = tmp_path / "gantt.png"
    line = _fails([str(truncated), "--plot", str(plot), "--no-progress"], capsys)
    assert "not a valid ONNX model" in line
    assert [p.name for p in tmp_path.iterdir()] == ["truncated.onnx"]


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--workers", "0", "--workers must be at least 1, not 0"),
        ("--runs", "0", "--runs must be at least 1, not 0"),
        ("--warmup", "-1", "--warmup must be at least 0, not -1"),
    ],
)
def test_bad_counts(
    model_path: Path, flag: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _fails([str(model_path), flag, value], capsys) == f"ramiel: error: {message}"


def test_unwritable_outputs_fail_before_benchmarking(
    tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "trace.json"
    line = _fails([str(model_path), "--trace", str(missing)], capsys)
    assert f"cannot write '{missing}'" in line
    line = _fails([str(model_path), "--plot", str(tmp_path)], capsys)
    assert "is a directory" in line
    assert not missing.parent.exists()


def test_dynamic_non_batch_dim_is_an_error() -> None:
    model = two_branch_model()
    assert [i.shape for i in graph_inputs(model)] == [(1, 32, 32, 32)]
    dims = model.graph.input[0].type.tensor_type.shape.dim
    dims[2].ClearField("dim_value")
    dims[2].dim_param = "H"
    with pytest.raises(RamielError, match=r"input 'x' has a dynamic dim 2 \('H'\)"):
        graph_inputs(model)


def test_random_inputs_are_seeded() -> None:
    infos = [InputInfo("x", np.dtype(np.float32), (2, 3)), InputInfo("i", np.dtype(np.int64), (4,))]
    first, second = random_inputs(infos), random_inputs(infos)
    assert first[0].dtype == np.float32 and first[1].dtype == np.int64
    np.testing.assert_array_equal(first[0], second[0])
    assert first[0].std() > 0
    np.testing.assert_array_equal(first[1], np.zeros(4, dtype=np.int64))


# ---- torch.compile is built only when asked ----------------------------------------------


def test_torch_compile_only_with_the_flag(
    model_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[object] = []

    def fake_compile(*args: object, **kwargs: object) -> object:
        calls.append(args)
        raise RuntimeError("inductor is not run in tests")

    monkeypatch.setattr(torch, "compile", fake_compile)
    main(["bench", str(model_path), "--json", *FAST, "--no-memory"])
    report = json.loads(capsys.readouterr().out)
    assert "torch-compile" not in report["peers"] and calls == []

    main(["bench", str(model_path), "--json", *FAST, "--no-memory", "--with-torch-compile"])
    report = json.loads(capsys.readouterr().out)
    assert len(calls) == 1
    failed = report["peers"]["torch-compile"]
    assert not failed["ok"] and failed["median_ms"] is None
    assert failed["error"] == "build failed: RuntimeError: inductor is not run in tests"
    assert all(report["peers"][name]["ok"] for name in PEERS)


def test_a_peer_that_disagrees_is_reported_and_not_timed(
    model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ramiel.bench.instantiate

    def off_by_one(code: str, weights: dict[str, torch.Tensor], *, name: str = "model") -> Any:
        compiled = real(code, weights, name=name)
        if name != "ramiel-serial":
            return compiled

        def wrong(*inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
            return tuple(y + 1 for y in compiled(*inputs))

        return wrong

    monkeypatch.setattr(ramiel.bench, "instantiate", off_by_one)
    options = BenchOptions(model_path, workers=2, runs=2, warmup=0, progress=False, memory=False)
    report = run_bench(options)
    wrong = report.peer("ramiel-serial")
    assert wrong is not None and not wrong.ok and wrong.samples_ms == []
    assert wrong.max_abs_diff == pytest.approx(1.0, rel=1e-3)
    assert wrong.error is not None and "differs from onnxruntime" in wrong.error
    assert report.bound is None  # no bound without a serial peer that works
    assert all(p.ok for p in report.peers if p.name != "ramiel-serial")
    row = next(
        line for line in format_table(report).splitlines() if line.startswith("ramiel-serial")
    )
    assert "FAILED: output 0 differs from onnxruntime" in row
    assert json.loads(format_json(report))["peers"]["ramiel-serial"]["median_ms"] is None


# ---- pieces ----------------------------------------------------------------------------


def test_table_flags_noisy_times_behind_the_ratio() -> None:
    """A p90 over 1.25 times the median of `ramiel` or of the best other peer is flagged;
    a noisy peer that is not the best is not."""

    def report(ramiel_ms: list[float], ort_ms: list[float]) -> BenchReport:
        peers = [
            PeerResult("eager-1t", samples_ms=[50.0] * 8 + [90.0, 90.0]),
            PeerResult("ramiel", samples_ms=ramiel_ms),
            PeerResult("ort-seq", samples_ms=ort_ms),
        ]
        return BenchReport("m.onnx", 2, 10, 0, [], peers, 0.1)

    quiet = [4.0] * 8 + [4.2, 4.3]
    assert noisy_peers(report(quiet, [4.5] * 10)) == []
    assert "noisy:" not in format_table(report(quiet, [4.5] * 10))
    slow = [4.0] * 5 + [4.1, 4.2, 4.5, 6.0, 7.0]
    flagged = noisy_peers(report(slow, quiet))
    assert [name for name, _ in flagged] == ["ramiel"]
    line = next(x for x in format_table(report(slow, quiet)).splitlines() if "noisy" in x)
    assert line.startswith("noisy: p90/median above 1.25 (ramiel 1.") and "run it again" in line
    assert [name for name, _ in noisy_peers(report(quiet, slow))] == ["ort-seq"]


def test_rounds_rotate_the_order_and_skip_warmup() -> None:
    order: list[str] = []

    def peer(name: str) -> Peer:
        def call() -> list[object]:
            order.append(name)
            return []

        return Peer(name, call, contextlib.nullcontext, 0.0)

    samples = time_rounds(
        [peer("a"), peer("b"), peer("c")], runs=3, warmup=1, progress=Progress(False)
    )
    # Each peer runs SETTLE_CALLS + 1 times in a row (settling calls, then the timed one).
    rounds = ["a", "b", "c", "b", "c", "a", "c", "a", "b", "a", "b", "c"]
    assert order == [name for name in rounds for _ in range(SETTLE_CALLS + 1)]
    assert {name: len(times) for name, times in samples.items()} == {"a": 3, "b": 3, "c": 3}


def test_rounds_run_each_call_inside_its_context() -> None:
    inside: list[bool] = []
    active = [False]

    @contextlib.contextmanager
    def context() -> Generator[None]:
        active[0] = True
        yield
        active[0] = False

    def call() -> list[object]:
        inside.append(active[0])
        return []

    def make() -> AbstractContextManager[object]:
        return context()

    time_rounds([Peer("p", call, make, 0.0)], runs=2, warmup=0, progress=Progress(False))
    assert inside == [True] * 2 * (SETTLE_CALLS + 1)  # two rounds: settling and timed calls


def test_compare_against_the_reference() -> None:
    reference = [np.array([1.0, 2.0, 3.0], dtype=np.float32)]
    diff, problem = compare([torch.tensor([1.0, 2.0, 3.00001])], reference)
    assert problem is None and diff == pytest.approx(1e-5, rel=0.1)
    diff, problem = compare([np.array([1.0, 2.0, 3.1], dtype=np.float32)], reference)
    assert diff == pytest.approx(0.1, rel=1e-3)
    assert problem is not None and problem.startswith("output 0 differs from onnxruntime")
    _, problem = compare([np.zeros(2)], reference)
    assert problem == "output 0 has shape [2], onnxruntime gives [3]"
    _, problem = compare([], reference)
    assert problem == "0 outputs, onnxruntime gives 1"


def test_peer_results_percentiles_and_bound() -> None:
    result = PeerResult("p", samples_ms=[4.0, 1.0, 3.0, 2.0, 5.0])
    assert result.ok and result.median_ms == 3.0
    assert result.percentile(10) == pytest.approx(1.4)
    assert not PeerResult("q", error="raised").ok
    assert Bound(workers=2, ops=3, t1_ms=10.0, tinf_ms=4.0).bound_ms == 5.0
    assert Bound(workers=2, ops=3, t1_ms=10.0, tinf_ms=8.0).speedup == pytest.approx(1.25)


SPANS = [
    Span(0, "conv_a", 10.000100, 10.000400, "Conv"),
    Span(1, "conv_b", 10.000150, 10.000450, "Conv"),
    Span(0, "relu_a", 10.000400, 10.000420, "Relu"),
    Span(2, "add_7", 10.000460, 10.000500, ""),
]


def test_chrome_trace_of_hand_made_spans() -> None:
    trace = chrome_trace(SPANS, process="ramiel: toy")
    assert trace["displayTimeUnit"] == "ms"
    events: list[dict[str, Any]] = trace["traceEvents"]
    meta = [e for e in events if e["ph"] == "M"]
    assert {
        "name": "process_name",
        "ph": "M",
        "pid": 0,
        "tid": 0,
        "args": {"name": "ramiel: toy"},
    } in meta
    names = {e["tid"]: e["args"]["name"] for e in meta if e["name"] == "thread_name"}
    assert names == {0: "worker 0", 1: "worker 1", 2: "worker 2"}
    ops = [e for e in events if e["ph"] == "X"]
    assert [(e["name"], e["tid"], e["ts"], e["dur"], e["cat"]) for e in ops] == [
        ("conv_a", 0, 0.0, 300.0, "Conv"),
        ("conv_b", 1, 50.0, 300.0, "Conv"),
        ("relu_a", 0, 300.0, 20.0, "Relu"),
        ("add_7", 2, 360.0, 40.0, "add"),
    ]
    assert chrome_trace([])["traceEvents"] == [
        {"name": "process_name", "ph": "M", "pid": 0, "tid": 0, "args": {"name": "ramiel"}}
    ]


def test_op_kind_falls_back_to_the_name_prefix() -> None:
    assert op_kind(Span(0, "conv_a", 0.0, 1.0, "Conv")) == "Conv"
    assert op_kind(Span(0, "add_7", 0.0, 1.0)) == "add"
    assert op_kind(Span(0, "Relu12", 0.0, 1.0)) == "Relu"
    assert op_kind(Span(0, "_x", 0.0, 1.0)) == "_x"


def test_write_chrome_trace_and_plot_gantt(tmp_path: Path) -> None:
    trace = tmp_path / "trace.json"
    write_chrome_trace(SPANS, trace)
    assert json.loads(trace.read_text()) == chrome_trace(SPANS)
    plot = tmp_path / "gantt.png"
    plot_gantt(SPANS, plot, "toy")
    assert plot.read_bytes()[:4] == b"\x89PNG"
    assert imread(plot).shape[2] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gantt.png", "trace.json"]


@pytest.mark.parametrize(("workers", "kinds"), [(1, 3), (1, 14), (2, 14), (2, 30), (4, 45)])
def test_gantt_legend_fits_the_figure(workers: int, kinds: int) -> None:
    spans = [
        Span(k % workers, f"op{k}", k * 1e-4, (k + 1) * 1e-4, f"Kind{k}") for k in range(kinds)
    ]
    figure = gantt_figure(spans, "toy")
    figure.canvas.draw()
    (legend,) = figure.legends
    box, frame = legend.get_window_extent(), figure.bbox
    assert len(legend.get_texts()) == kinds
    assert frame.y0 <= box.y0 and box.y1 <= frame.y1
    assert frame.x0 <= box.x0 and box.x1 <= frame.x1


def test_writes_to_a_missing_directory_leave_nothing(tmp_path: Path) -> None:
    with pytest.raises(RamielError, match="cannot write"):
        write_chrome_trace(SPANS, tmp_path / "missing" / "trace.json")
    with pytest.raises(RamielError, match="cannot write"):
        plot_gantt(SPANS, tmp_path / "missing" / "gantt.png", "toy")
    assert not (tmp_path / "missing").exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_only() -> None:
    terminal = _Terminal()
    progress = Progress(True, terminal)
    progress.stage("timing")
    progress.advance(3, 6)
    progress.close()
    assert terminal.getvalue() == (
        "\r\033[Ktiming...\r\033[Ktiming [" + "#" * 15 + "." * 15 + "] 3/6\r\033[K"
    )
    for stream, enabled in ((_Terminal(), False), (io.StringIO(), True)):
        quiet = Progress(enabled, stream)
        quiet.stage("timing")
        quiet.advance(1, 2)
        quiet.close()
        assert stream.getvalue() == ""
