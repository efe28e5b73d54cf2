"""Ramiel's GPU benchmark: eager PyTorch, a sequential CUDA Graph and Ramiel's multi-stream
CUDA Graph, on the models of the Opara paper.

    .venv/bin/python benchmarks/gpu_bench.py [--models googlenet,inception_v3,nasnet,bert]
        [--runs 50] [--warmup 10] [--max-streams N] [--small] [--json]
    .venv/bin/python benchmarks/gpu_bench.py --dry-run [--small] [--json]   # any machine

Per model, three peers run the same input on the GPU:

- `eager`: the plain translation (`lower(workers=1, fuse=False)`, one PyTorch call per ONNX
  op), its buffers moved to the GPU: eager PyTorch;
- `graph-seq`: Ramiel's GPU code on one stream (`max_streams=1`): the same kernels captured
  in a CUDA Graph and replayed in sequence, the baseline of the speedups;
- `ramiel`: Ramiel's GPU code on its multi-stream plan (`--max-streams`, default 16).

TF32 is switched off for every peer, so that each one's outputs can be checked against
Ramiel's CPU build (`ramiel.compile(model, workers=1)`) on the same input; a peer that
disagrees is flagged and makes the exit status 1, and the other models still run. After
`--warmup` rounds, `--runs` rounds each time every peer once, starting at a rotating peer;
a call is timed between two `torch.cuda.synchronize()`s. The table gives each peer's median,
its speedup over `graph-seq`, eager's median over its own, and the streams and events of
its GPU code (counted in the generated source), next to Opara's published speedup.

`--dry-run` compiles each model for all three peers and checks that the generated sources
compile as Python, without a GPU; `--small` uses small sizes of Inception-v3 and BERT (those
of tests/test_gpu_models.py) so that it is fast.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import functools
import gc
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

import numpy as np
import onnx
import torch

import ramiel
from ramiel.compiler import Compilation, instantiate, lower, weight_tensors
from ramiel.passes.cluster import main_function
from ramiel.passes.streams import DEFAULT_MAX_STREAMS
from ramiel.testing.bert import SEQ as BERT_SEQ
from ramiel.testing.bert import SMALL_CONFIG, BertConfig, bert_example, bert_input
from ramiel.testing.bert import VOCAB as BERT_VOCAB
from ramiel.testing.inception_v3 import (
    SMALL_SIZE,
    SMALL_WIDTH,
    inception_v3_example,
    inception_v3_input,
)
from ramiel.testing.models import light_model_input, light_model_path, load_onnx
from ramiel.testing.nasnet import nasnet_example, nasnet_input

PROG = "gpu_bench"
MODELS = ("googlenet", "inception_v3", "nasnet", "bert")
PeerName = Literal["eager", "graph-seq", "ramiel"]
PEERS: tuple[PeerName, ...] = ("eager", "graph-seq", "ramiel")
BASELINE: PeerName = "graph-seq"

OPARA_SPEEDUP = {"googlenet": 1.69, "nasnet": 1.65, "inception_v3": 1.34, "bert": 1.08}
"""Opara's published speedups (Chen et al., IEEE TC 2025) over the sequential CUDA Graph,
on their GPU at the published model sizes: a reference, not measured here."""

RTOL = 1e-3
# An atol too: outputs near zero (logits, BERT's hidden states around their mean) are sums
# of thousands of float32 products, rounded differently by cuDNN/cuBLAS and by the CPU
# kernels; their relative error can be anything, so rtol alone would fail on them.
ATOL = 1e-4

# Small sizes (`--small`), those of the tests; NASNet and GoogLeNet are small already.
SMALL_INCEPTION_WIDTH = SMALL_WIDTH
SMALL_INCEPTION_SIZE = SMALL_SIZE
SMALL_BERT: BertConfig = SMALL_CONFIG

DEVICE = "cuda"
"""Where the peers run."""

NO_CUDA = (
    f"{PROG}: error: needs a CUDA device (torch.cuda.is_available() is False); "
    "--dry-run compiles the models without running them"
)

_NOT_LAUNCHED = frozenset({"dataflow.weight", "onnx.Constant", "func.return"})
"""Ops of `@main` that are load-time buffers or the terminator, not launched ops."""
_SIDE_STREAMS = re.compile(r"self\.streams = \[torch\.cuda\.Stream\(.*\) for _ in range\((\d+)\)\]")
_EVENT = "torch.cuda.Event()"


# ---- models ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """An ONNX model and the input it is benchmarked on (graph-input order)."""

    model: onnx.ModelProto
    inputs: tuple[np.ndarray, ...]

    def describe(self) -> str:
        """The inputs as `dtype[d0, d1, ...]`, comma-separated."""
        return ", ".join(f"{a.dtype}[{', '.join(map(str, a.shape))}]" for a in self.inputs)


@functools.cache
def load(name: str, small: bool) -> Workload:
    """The model called `name` (one of `MODELS`) and its seeded input; cached, since
    exporting Inception-v3, NASNet and BERT takes seconds."""
    if name == "googlenet":
        model = load_onnx(light_model_path("inception_v1"))
        return Workload(model, (np.asarray(light_model_input(model)),))
    if name == "inception_v3":
        width, size = (SMALL_INCEPTION_WIDTH, SMALL_INCEPTION_SIZE) if small else (1.0, 299)
        return Workload(inception_v3_example(width=width, size=size), (inception_v3_input(size),))
    if name == "nasnet":
        return Workload(nasnet_example(), (nasnet_input(),))
    if name == "bert":
        # The exporter names BERT's inputs and outputs itself: they are used by position.
        config: BertConfig = SMALL_BERT if small else {}
        ids = bert_input(config.get("seq", BERT_SEQ), config.get("vocab", BERT_VOCAB))
        return Workload(bert_example(**config), (ids,))
    raise ValueError(f"unknown model '{name}'")


def launched_ops(compilation: Compilation) -> int:
    """The ops of `@main` that the code runs per call (weights and constants are loaded
    once); views that launch no kernel count."""
    block = main_function(compilation.module).body.block
    return sum(op.name not in _NOT_LAUNCHED for op in block.ops)


def code_streams(code: str) -> int:
    """The CUDA streams GPU code launches on: stream 0 and its `self.streams`."""
    match = _SIDE_STREAMS.search(code)
    return 1 + (int(match.group(1)) if match else 0)


def code_events(code: str) -> int:
    """The CUDA events GPU code records per call (one per uncovered cross-stream edge)."""
    return code.count(_EVENT)


def lower_peer(model: onnx.ModelProto, peer: PeerName, max_streams: int | None) -> Compilation:
    """The code `peer` runs."""
    if peer == "eager":
        return lower(model, workers=1, fuse=False)
    return lower(model, target="cuda", max_streams=1 if peer == "graph-seq" else max_streams)


# ---- results ---------------------------------------------------------------------------


@dataclass
class PeerResult:
    """One peer of one model: its code, its check against the CPU, its timed calls (ms)."""

    name: PeerName
    compile_s: float | None = None
    streams: int | None = None
    """Streams of its GPU code (None: eager, which runs on the default stream)."""
    events: int | None = None
    max_abs_err: float | None = None
    matches: bool | None = None
    """Whether the outputs are within rtol/atol of the CPU's (None: not run)."""
    error: str | None = None
    """Why it was not compiled or not run."""
    samples_ms: list[float] = field(default_factory=list[float])

    @property
    def median_ms(self) -> float | None:
        """The median timed call, in ms."""
        return statistics.median(self.samples_ms) if self.samples_ms else None

    @property
    def ok(self) -> bool:
        """Compiled (and, if run, agreeing with the CPU)."""
        return self.error is None and self.matches is not False


@dataclass
class ModelResult:
    """The three peers of one model."""

    name: str
    inputs: str
    ops: int | None = None
    peers: list[PeerResult] = field(default_factory=list[PeerResult])

    def peer(self, name: PeerName) -> PeerResult | None:
        """The result of the peer called `name`."""
        return next((p for p in self.peers if p.name == name), None)

    def _over(self, base: PeerName, peer: PeerResult) -> float | None:
        reference = self.peer(base)
        num = reference.median_ms if reference is not None else None
        den = peer.median_ms
        return num / den if num is not None and den else None

    def speedup(self, peer: PeerResult) -> float | None:
        """`graph-seq`'s median over `peer`'s."""
        return self._over(BASELINE, peer)

    def vs_eager(self, peer: PeerResult) -> float | None:
        """`eager`'s median over `peer`'s."""
        return self._over("eager", peer)

    @property
    def ok(self) -> bool:
        """Every peer compiled and, if run, agreed with the CPU."""
        return all(p.ok for p in self.peers)


@dataclass
class Report:
    """What one invocation measured (or, with `dry_run`, compiled)."""

    dry_run: bool
    small: bool
    runs: int
    warmup: int
    max_streams: int
    """Ramiel's stream cap (0: none)."""
    device: str | None
    cuda: str | None
    models: list[ModelResult] = field(default_factory=list[ModelResult])

    @property
    def ok(self) -> bool:
        """Every model's peers compiled and agreed with the CPU."""
        return all(m.ok for m in self.models)

    def to_json(self) -> dict[str, Any]:
        """The report as one JSON-serializable object (times in ms)."""
        models: list[dict[str, Any]] = []
        for m in self.models:
            peers: dict[str, Any] = {}
            for p in m.peers:
                peers[p.name] = {
                    "compile_s": p.compile_s,
                    "streams": p.streams,
                    "events": p.events,
                    "median_ms": p.median_ms,
                    "p10_ms": _percentile(p.samples_ms, 10),
                    "p90_ms": _percentile(p.samples_ms, 90),
                    "speedup": m.speedup(p),
                    "vs_eager": m.vs_eager(p),
                    "max_abs_err": _finite(p.max_abs_err),
                    "matches": p.matches,
                    "error": p.error,
                }
            ramiel_peer = m.peer("ramiel")
            models.append(
                {
                    "model": m.name,
                    "inputs": m.inputs,
                    "ops": m.ops,
                    "opara_speedup": OPARA_SPEEDUP[m.name],
                    "eager_over_ramiel": m.vs_eager(ramiel_peer) if ramiel_peer else None,
                    "ok": m.ok,
                    "peers": peers,
                }
            )
        return {
            "benchmark": PROG,
            "dry_run": self.dry_run,
            "small": self.small,
            "device": self.device,
            "cuda": self.cuda,
            "torch": torch.__version__,
            "tf32": None if self.dry_run else False,
            "runs": None if self.dry_run else self.runs,
            "warmup": None if self.dry_run else self.warmup,
            "max_streams": self.max_streams,
            "rtol": RTOL,
            "atol": ATOL,
            "ok": self.ok,
            "models": models,
        }


def _percentile(samples: Sequence[float], q: float) -> float | None:
    return float(np.percentile(samples, q)) if samples else None


def _finite(value: float | None) -> float | str | None:
    if value is None or np.isfinite(value):
        return value
    return str(value)  # JSON has no NaN or infinity


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# ---- the dry run -----------------------------------------------------------------------


def compile_model(name: str, small: bool, max_streams: int | None) -> ModelResult:
    """Compile `name` for every peer and check that each source compiles as Python."""
    workload = load(name, small)
    result = ModelResult(name, workload.describe())
    for peer in PEERS:
        entry = PeerResult(peer)
        result.peers.append(entry)
        try:
            compilation, entry.compile_s = _timed_lower(workload.model, peer, max_streams)
            builtins.compile(compilation.code, f"<{PROG}:{name}:{peer}>", "exec")
        except Exception as error:
            entry.error = _one_line(error)
            continue
        _count(entry, compilation)
        if peer == "ramiel":
            result.ops = launched_ops(compilation)
    return result


def _timed_lower(
    model: onnx.ModelProto, peer: PeerName, max_streams: int | None
) -> tuple[Compilation, float]:
    start = time.perf_counter()
    compilation = lower_peer(model, peer, max_streams)
    return compilation, time.perf_counter() - start


def _count(entry: PeerResult, compilation: Compilation) -> None:
    if entry.name != "eager":
        entry.streams = code_streams(compilation.code)
        entry.events = code_events(compilation.code)


# ---- the benchmark ---------------------------------------------------------------------


@contextlib.contextmanager
def tf32_off() -> Generator[None]:
    """TF32 off for cuDNN convolutions and cuBLAS matmuls inside; the settings restored."""
    saved = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def reference_outputs(model: onnx.ModelProto, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The outputs of Ramiel's CPU build (serial) on `inputs`, in graph order."""
    compiled = ramiel.compile(model, workers=1)
    with torch.inference_mode():
        outputs = compiled(*(torch.as_tensor(a) for a in inputs))
    return [o.numpy() for o in outputs]


def compare(outputs: Sequence[torch.Tensor], reference: Sequence[np.ndarray]) -> tuple[float, bool]:
    """The largest absolute difference of `outputs` from `reference` (NaN if either has a
    NaN the other lacks), and whether every element is within ATOL + RTOL * |reference|.
    Outputs are matched by position."""
    if len(outputs) != len(reference):
        raise ValueError(f"{len(outputs)} outputs, the CPU build has {len(reference)}")
    worst: list[float] = [0.0]
    close = True
    for index, (output, expected) in enumerate(zip(outputs, reference, strict=True)):
        actual = output.detach().cpu().numpy()
        if actual.shape != expected.shape:
            raise ValueError(
                f"output {index} has shape {list(actual.shape)}, the CPU's {list(expected.shape)}"
            )
        a, e = actual.astype(np.float64), expected.astype(np.float64)
        diff = np.abs(a - e)
        diff[np.isnan(a) & np.isnan(e)] = 0.0
        worst.append(float(np.max(diff, initial=0.0)))
        close = close and bool(np.allclose(a, e, rtol=RTOL, atol=ATOL, equal_nan=True))
    return float(np.max(worst)), close


def build(compilation: Compilation, peer: PeerName, name: str, device: str) -> torch.nn.Module:
    """`peer`'s module on `device`: eager code moved there (its weights and load-time
    constants are buffers), GPU code built there."""
    weights = weight_tensors(compilation)
    label = f"{PROG}-{name}-{peer}"
    if peer == "eager":
        return instantiate(compilation.code, weights, name=label).to(device)
    return instantiate(compilation.code, weights, name=label, device=device)


def prepare_peer(
    entry: PeerResult,
    result: ModelResult,
    workload: Workload,
    reference: Sequence[np.ndarray],
    max_streams: int | None,
    device: str,
) -> Callable[[], object]:
    """Compile and build `entry`'s peer, check its first call against `reference` (into
    `entry`), and return the call to time."""
    compilation, entry.compile_s = _timed_lower(workload.model, entry.name, max_streams)
    _count(entry, compilation)
    if entry.name == "ramiel":
        result.ops = launched_ops(compilation)
    module = build(compilation, entry.name, result.name, device)
    inputs = [torch.as_tensor(a).to(device) for a in workload.inputs]
    # GPU code's first call captures its CUDA Graph, then replays it.
    outputs = module(*inputs)
    torch.cuda.synchronize()
    entry.max_abs_err, entry.matches = compare(outputs, reference)
    return functools.partial(module, *inputs)


def timed_call(call: Callable[[], object]) -> float:
    """One call, in ms, from a synchronized GPU to a synchronized GPU."""
    torch.cuda.synchronize()
    start = time.perf_counter()
    call()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1e3


def time_rounds(
    calls: Sequence[tuple[PeerName, Callable[[], object]]], runs: int, warmup: int
) -> dict[PeerName, list[float]]:
    """`warmup` then `runs` rounds; round r calls every peer once, starting with peer
    r mod len(calls), so that drifts of clocks and temperature hit them alike. The timed
    calls of the last `runs` rounds, in ms, by peer."""
    samples: dict[PeerName, list[float]] = {name: [] for name, _ in calls}
    for round_ in range(warmup + runs):
        shift = round_ % max(len(calls), 1)
        for name, call in [*calls[shift:], *calls[:shift]]:
            elapsed = timed_call(call)
            if round_ >= warmup:
                samples[name].append(elapsed)
    return samples


def bench_model(
    name: str, small: bool, runs: int, warmup: int, max_streams: int | None, device: str
) -> ModelResult:
    """Compile, check and time the three peers of `name` on `device` (TF32 as set)."""
    workload = load(name, small)
    result = ModelResult(name, workload.describe())
    reference = reference_outputs(workload.model, workload.inputs)
    calls: list[tuple[PeerName, Callable[[], object]]] = []
    with torch.inference_mode():
        for peer in PEERS:
            entry = PeerResult(peer)
            result.peers.append(entry)
            try:
                call = prepare_peer(entry, result, workload, reference, max_streams, device)
            except Exception as error:
                entry.error = _one_line(error)
                continue
            # A peer that disagrees with the CPU is timed all the same; the table flags it.
            calls.append((peer, call))
        for peer, samples in time_rounds(calls, runs, warmup).items():
            entry = result.peer(peer)
            if entry is not None:
                entry.samples_ms = samples
    calls.clear()  # the last references to the modules: free their GPU memory
    gc.collect()
    torch.cuda.empty_cache()
    return result


# ---- the report ------------------------------------------------------------------------


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    """`value` formatted by `spec` (a width first) and `suffix`; None as a right-aligned -."""
    if value is None:
        digits = re.match(r"\d+", spec)
        return "-".rjust((int(digits.group()) if digits else 0) + len(suffix))
    return f"{value:{spec}}{suffix}"


def _cap(max_streams: int) -> str:
    return f"at most {max_streams} streams" if max_streams else "no stream cap"


def format_header(report: Report) -> str:
    """What was run where, how it is timed and checked, and the column heads."""
    where = report.device or "no CUDA device"
    if report.cuda:
        where += f" (CUDA {report.cuda})"
    sizes = "small models (--small)" if report.small else "published model sizes"
    if report.dry_run:
        return "\n".join(
            [
                f"{PROG} --dry-run on {where}; torch {torch.__version__}; {sizes}",
                "every peer compiled (its source compiled as Python), nothing run; "
                "ops: @main's ops per call;",
                "streams, events: counted in the generated GPU code "
                f"(ramiel: {_cap(report.max_streams)})",
                "",
                f"{'model':<14}{'ops':>5}  {'peer':<11}{'streams':>8}{'events':>8}"
                f"{'compile s':>11}  code",
            ]
        )
    return "\n".join(
        [
            f"{PROG} on {where}; torch {torch.__version__}; {sizes}",
            "TF32 off for every peer: torch.backends.cudnn.allow_tf32 = False and",
            "torch.backends.cuda.matmul.allow_tf32 = False; outputs checked against Ramiel's",
            f"CPU build (by position) at rtol {RTOL:g}, atol {ATOL:g}",
            f"{report.runs} rounds after {report.warmup} warm-up rounds, peers in rotating "
            "order; median ms of one call",
            "from torch.cuda.synchronize() to torch.cuda.synchronize(); speedup = graph-seq / "
            "peer;",
            f"vs eager = eager / peer; ramiel: {_cap(report.max_streams)}; Opara: its published "
            "speedup",
            "",
            f"{'model':<14}{'ops':>5}  {'peer':<11}{'median ms':>10}{'speedup':>9}"
            f"{'vs eager':>10}{'Opara':>7}{'streams':>8}{'events':>8}{'max abs err':>13}"
            f"  {'check':<9}{'compile s':>9}",
        ]
    )


def format_rows(report: Report, model: ModelResult) -> str:
    """One row per peer of `model`."""
    lines: list[str] = []
    for index, p in enumerate(model.peers):
        first = index == 0
        head = f"{model.name if first else '':<14}{_fmt(model.ops, '5d') if first else '':>5}"
        head += f"  {p.name:<11}"
        if report.dry_run:
            status = "compiles" if p.error is None else f"FAILED: {p.error}"
            lines.append(
                f"{head}{_fmt(p.streams, '8d')}{_fmt(p.events, '8d')}"
                f"{_fmt(p.compile_s, '11.2f')}  {status}"
            )
        elif p.error is not None:
            lines.append(f"{head}FAILED: {p.error}")
        else:
            opara = OPARA_SPEEDUP[model.name] if p.name == "ramiel" else None
            check = "ok" if p.matches else "MISMATCH"
            lines.append(
                f"{head}{_fmt(p.median_ms, '10.3f')}{_fmt(model.speedup(p), '8.2f', 'x')}"
                f"{_fmt(model.vs_eager(p), '9.2f', 'x')}{_fmt(opara, '6.2f', 'x')}"
                f"{_fmt(p.streams, '8d')}{_fmt(p.events, '8d')}"
                f"{_fmt(p.max_abs_err, '13.2e')}  {check:<9}{_fmt(p.compile_s, '9.2f')}"
            )
    return "\n".join(lines)


def format_footer(report: Report) -> str | None:
    """What failed, if anything."""
    bad = [f"{m.name} {p.name}" for m in report.models for p in m.peers if not p.ok]
    if not bad:
        return None
    if report.dry_run:
        return f"\nfailed to compile: {', '.join(bad)}"
    return (
        f"\nfailed, or disagreeing with the CPU beyond rtol {RTOL:g}, atol {ATOL:g}: "
        + ", ".join(bad)
    )


# ---- the command -----------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_models(text: str) -> list[str]:
    """`a,b,...` -> the model names, each one of `MODELS`, duplicates dropped."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("no model given")
    for name in names:
        if name not in MODELS:
            raise argparse.ArgumentTypeError(
                f"unknown model '{name}' (expected a comma-separated list of: {', '.join(MODELS)})"
            )
    return list(dict.fromkeys(names))


def make_parser() -> argparse.ArgumentParser:
    """The command line of this script."""
    parser = _Parser(prog=PROG, description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--models",
        type=parse_models,
        default=list(MODELS),
        help=f"comma-separated, from {','.join(MODELS)} (default: all)",
    )
    parser.add_argument("--runs", type=int, default=50, help="timed rounds (default 50)")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up rounds (default 10)")
    parser.add_argument(
        "--max-streams", type=int, default=None, help="ramiel's stream cap (0: none; default 16)"
    )
    parser.add_argument("--small", action="store_true", help="small Inception-v3 and BERT")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="compile every peer's code, run nothing (no GPU needed)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or, with --dry-run, the compilation) as the module docstring
    describes; the exit status: 0, or 1 when a peer failed or disagreed with the CPU."""
    parser = make_parser()
    options = parser.parse_args(argv)
    if options.runs < 1:
        parser.error(f"--runs must be at least 1, not {options.runs}")
    if options.warmup < 0:
        parser.error(f"--warmup must be at least 0, not {options.warmup}")
    max_streams: int | None = options.max_streams
    if max_streams is not None and max_streams < 0:
        parser.error(f"--max-streams must be 0 (no cap) or more, not {max_streams}")
    dry_run: bool = options.dry_run
    cuda = torch.cuda.is_available()
    if not cuda and not dry_run:
        print(NO_CUDA, file=sys.stderr)
        return 1
    small: bool = options.small
    as_json: bool = options.json
    report = Report(
        dry_run=dry_run,
        small=small,
        runs=options.runs,
        warmup=options.warmup,
        max_streams=DEFAULT_MAX_STREAMS if max_streams is None else max_streams,
        device=torch.cuda.get_device_name() if cuda else None,
        cuda=torch.version.cuda if cuda else None,
    )
    if not as_json:
        print(format_header(report), flush=True)
    with contextlib.nullcontext() if dry_run else tf32_off():
        for name in options.models:
            if dry_run:
                result = compile_model(name, small, max_streams)
            else:
                result = bench_model(name, small, report.runs, report.warmup, max_streams, DEVICE)
            report.models.append(result)
            if not as_json:
                print(format_rows(report, result), flush=True)
    if as_json:
        print(json.dumps(report.to_json(), allow_nan=False))
    else:
        footer = format_footer(report)
        if footer is not None:
            print(footer)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
