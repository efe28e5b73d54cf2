"""`benchmarks/gpu_bench.py`: the dry run (GPU code for every peer, compiled without a GPU),
its JSON object, the one-line errors without CUDA and for unknown models, the timing and
checking plumbing on CPU stand-ins, and, where there is a CUDA device, the benchmark itself
on the small NASNet."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import numpy as np
import onnx
import pytest
import torch

from ramiel.compiler import Compilation, instantiate, lower, weight_tensors

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "gpu_bench.py"
PEERS = ["eager", "graph-seq", "ramiel"]
NO_CUDA = (
    "gpu_bench: error: needs a CUDA device (torch.cuda.is_available() is False); "
    "--dry-run compiles the models without running them"
)
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gpu_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_bench"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


gpu_bench = _load_script()
main = cast(Callable[[Sequence[str]], int], gpu_bench.main)


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`main(args)` in this process: its exit status, stdout and stderr."""
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def rows(table: str) -> dict[tuple[str, str], list[str]]:
    """(model, peer) -> the row's cells after the peer, from the rows below the column
    heads (whose first cell is `model`)."""
    found: dict[tuple[str, str], list[str]] = {}
    model = ""
    lines = table.splitlines()
    heads = next(i for i, line in enumerate(lines) if line.startswith("model "))
    for line in lines[heads + 1 :]:
        cells = line.split()
        peer = next((c for c in cells[:3] if c in PEERS), None)
        if peer is None:
            continue
        if cells[0] != peer:
            model = cells[0]
        found[model, peer] = cells[cells.index(peer) + 1 :]
    return found


def test_dry_run_compiles_every_peer_of_every_model(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_main(capsys, "--dry-run", "--small")
    assert status == 0, out + err
    assert "--dry-run" in out and "small models" in out
    table = rows(out)
    assert set(table) == {(m, p) for m in gpu_bench.MODELS for p in PEERS}
    for (model, peer), cells in table.items():
        streams, events, compile_s, status_cell = cells
        assert status_cell == "compiles", (model, peer, cells)
        assert float(compile_s) > 0
        if peer == "eager":
            assert streams == events == "-"
        elif peer == "graph-seq":
            assert (streams, events) == ("1", "0")
    for model in ("googlenet", "nasnet", "inception_v3"):
        streams, events = table[model, "ramiel"][:2]
        assert int(streams) > 1 and int(events) > 0, model
        assert int(streams) <= 16  # the default cap
    # Q, K and V of each BERT layer are independent MatMuls.
    assert int(table["bert", "ramiel"][0]) > 1


def test_dry_run_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main(capsys, "--models", "nasnet", "--dry-run", "--small", "--json")
    assert status == 0
    report: dict[str, Any] = json.loads(out)
    assert report["dry_run"] is True and report["small"] is True and report["ok"] is True
    assert report["max_streams"] == 16 and report["rtol"] == 1e-3 and report["atol"] == 1e-4
    assert report["torch"] == torch.__version__
    (model,) = report["models"]
    assert model["model"] == "nasnet" and model["opara_speedup"] == 1.65
    assert model["inputs"] == "float32[1, 3, 64, 64]" and model["ops"] > 100
    assert list(model["peers"]) == PEERS
    ramiel, seq = model["peers"]["ramiel"], model["peers"]["graph-seq"]
    assert ramiel["streams"] > 1 and ramiel["events"] > 0
    assert (seq["streams"], seq["events"]) == (1, 0)
    for peer in model["peers"].values():
        assert peer["error"] is None and peer["compile_s"] > 0
        assert peer["median_ms"] is None and peer["matches"] is None  # nothing ran


def test_max_streams_passes_through(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--models", "nasnet", "--dry-run", "--small", "--json", "--max-streams", "3")
    status, out, _ = run_main(capsys, *args)
    assert status == 0
    report = json.loads(out)
    assert report["max_streams"] == 3
    assert report["models"][0]["peers"]["ramiel"]["streams"] == 3


def test_streams_and_events_are_counted_from_the_code() -> None:
    code = lower(gpu_bench.load("nasnet", True).model, target="cuda", max_streams=4).code
    assert "for _ in range(3)]" in code  # three side streams
    assert gpu_bench.code_streams(code) == 4
    assert gpu_bench.code_events(code) == code.count(".record(s")
    assert gpu_bench.code_streams("self.x = 1\n") == 1


def test_without_cuda_one_line_and_status_1() -> None:
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}  # no CUDA device, even on a GPU box
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--models", "nasnet", "--small"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == NO_CUDA
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["--models", "googlenet,resnet50"],
        ["--models", "resnet50", "--dry-run"],
        ["--models", ","],
    ],
)
def test_bad_models_one_line_error(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gpu_bench: error: argument --models:")
    if "resnet50" in args[1]:
        assert "unknown model 'resnet50'" in lines[0] and "googlenet" in lines[0]
    assert captured.out == ""


def test_bad_counts_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    for args, message in [
        (["--runs", "0"], "--runs must be at least 1, not 0"),
        (["--max-streams", "-1"], "--max-streams must be 0 (no cap) or more, not -1"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main([*args, "--dry-run"])
        assert exit_info.value.code == 2
        assert capsys.readouterr().err.strip() == f"gpu_bench: error: {message} (see --help)"


# ---- the benchmark's plumbing, with CPU code standing in for the GPU peers -------------


TF32 = list[tuple[object, object]]


@pytest.fixture
def cpu_stand_ins(monkeypatch: pytest.MonkeyPatch) -> Generator[TF32]:
    """Every peer runs CPU code on the CPU (graph-seq and ramiel: Ramiel's serial code),
    and torch.cuda's device calls are no-ops: the timing rounds, the check against the
    CPU build and the report run as on a GPU. Only the small BERT is fast enough on a CPU.
    TF32 starts on; the list receives the (cuDNN, cuBLAS) TF32 flags seen by each peer's
    build."""
    seen: TF32 = []

    def lower_peer(model: onnx.ModelProto, peer: str, max_streams: int | None) -> Compilation:
        del max_streams
        return lower(model, workers=1, fuse=peer != "eager")

    def build(compilation: Compilation, peer: str, name: str, device: str) -> torch.nn.Module:
        assert device == "cpu"
        seen.append((torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32))
        return instantiate(compilation.code, weight_tensors(compilation), name=f"{name}-{peer}")

    monkeypatch.setattr(gpu_bench, "DEVICE", "cpu")
    monkeypatch.setattr(gpu_bench, "lower_peer", lower_peer)
    monkeypatch.setattr(gpu_bench, "build", build)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda: "CPU stand-in")
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: None)
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: None)
    saved = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = True
    try:
        yield seen
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def test_rounds_table_and_json_on_stand_ins(
    cpu_stand_ins: TF32, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--models", "bert", "--small", "--runs", "3", "--warmup", "1")
    status, out, err = run_main(capsys, *args)
    assert status == 0, out + err
    assert "CPU stand-in" in out and "TF32 off" in out
    assert "rtol 0.001, atol 0.0001" in out
    table = rows(out)
    assert set(table) == {("bert", p) for p in PEERS}
    assert table["bert", "graph-seq"][1] == "1.00x"  # the speedup's baseline
    assert table["bert", "eager"][2] == "1.00x"  # eager over itself
    assert table["bert", "ramiel"][3] == "1.08x"  # Opara's BERT figure
    assert all("ok" in cells for cells in table.values())
    assert cpu_stand_ins == [(False, False)] * len(PEERS)  # TF32 off for every peer
    assert torch.backends.cudnn.allow_tf32 and torch.backends.cuda.matmul.allow_tf32  # restored

    status, out, _ = run_main(capsys, *args, "--json")
    assert status == 0
    (model,) = json.loads(out)["models"]
    peers = model["peers"]
    for peer in peers.values():
        assert peer["matches"] is True and peer["median_ms"] > 0
        assert 0 <= peer["max_abs_err"] <= 1e-4
    assert peers["graph-seq"]["speedup"] == 1.0
    ratio = peers["eager"]["median_ms"] / peers["ramiel"]["median_ms"]
    assert model["eager_over_ramiel"] == pytest.approx(ratio)


@pytest.mark.usefixtures("cpu_stand_ins")
def test_a_mismatch_is_flagged_and_other_models_still_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    small_bert: object = gpu_bench.load("bert", True)

    def load(name: str, small: bool) -> object:
        del name, small
        return small_bert  # every model: the small BERT, fast on a CPU

    monkeypatch.setattr(gpu_bench, "load", load)
    reference_outputs = gpu_bench.reference_outputs
    calls: list[str] = []

    def off_the_first_time(
        model: onnx.ModelProto, inputs: Sequence[np.ndarray]
    ) -> list[np.ndarray]:
        outputs = cast(list[np.ndarray], reference_outputs(model, inputs))
        calls.append("called")
        if len(calls) == 1:
            outputs[1] = outputs[1] + 0.01  # the pooled output
        return outputs

    monkeypatch.setattr(gpu_bench, "reference_outputs", off_the_first_time)
    args = ("--models", "googlenet,bert", "--small", "--runs", "2", "--warmup", "0")
    status, out, _ = run_main(capsys, *args)
    assert status == 1
    table = rows(out)
    for peer in PEERS:
        assert "MISMATCH" in table["googlenet", peer]
        assert float(table["googlenet", peer][6]) == pytest.approx(0.01, rel=1e-3)
        assert "ok" in table["bert", peer]
        assert float(table["bert", peer][0]) > 0  # timed
    assert out.rstrip().endswith(
        "failed, or disagreeing with the CPU beyond rtol 0.001, atol 0.0001: "
        "googlenet eager, googlenet graph-seq, googlenet ramiel"
    )


# ---- on a CUDA device ------------------------------------------------------------------


@needs_cuda
def test_benchmark_on_the_gpu(capsys: pytest.CaptureFixture[str]) -> None:
    tf32 = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    args = ("--models", "nasnet", "--small", "--runs", "5", "--warmup", "2", "--json")
    status, out, err = run_main(capsys, *args)
    report = json.loads(out)
    assert status == 0, json.dumps(report, indent=1) + err
    assert report["device"] == torch.cuda.get_device_name() and report["tf32"] is False
    (model,) = report["models"]
    peers = model["peers"]
    for name in PEERS:
        assert peers[name]["error"] is None and peers[name]["matches"] is True
        assert peers[name]["median_ms"] > 0
    assert peers["graph-seq"]["speedup"] == 1.0
    assert peers["ramiel"]["streams"] > 1 and peers["graph-seq"]["streams"] == 1
    assert model["eager_over_ramiel"] > 0
    assert (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32) == tf32
