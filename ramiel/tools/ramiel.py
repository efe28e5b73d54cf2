"""`ramiel`: the user-level command.

    ramiel info model.onnx                  # what the model holds, as Ramiel imports it
    ramiel compile model.onnx -o out/       # out/model.py + out/weights.safetensors
    ramiel compile model.onnx -o out/ --target cuda   # CUDA streams in one CUDA Graph
    ramiel bench model.onnx                 # latency against eager PyTorch and onnxruntime

`compile` runs the whole pipeline in memory and writes a Python package directory
whose `model.py` needs only torch and `ramiel.runtime`.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from xdsl.dialects import func
from xdsl.utils.exceptions import DiagnosticException

from ramiel.dialects.dataflow import WeightOp
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.importer.errors import OnnxImportError
from ramiel.passes.cost_model import COST_MODELS, CostModelName

if TYPE_CHECKING:
    from ramiel.compiler import Target
from ramiel.tools.diagnostics import RamielError


def info(path: str) -> str:
    """A summary of an ONNX model as imported: signature, op counts and weight sizes."""
    from ramiel.importer.onnx_importer import import_model

    imported = import_model(path)
    lines: list[str] = [f"model: {path}"]
    for op in imported.module.ops:
        if not isinstance(op, func.FuncOp):
            continue
        lines.append(f"function @{op.sym_name.data}{op.function_type}")
    counts: Counter[str] = Counter()
    weight_bytes = 0
    weights = 0
    for op in imported.module.walk():
        if isinstance(op, OnnxOp):
            counts[op.SCHEMA.name] += 1
        elif isinstance(op, WeightOp):
            weights += 1
            weight_bytes += imported.weights[op.key.data].nbytes
    lines.append(f"onnx ops: {sum(counts.values())}")
    width = max((len(name) for name in counts), default=0)
    lines.extend(f"  {name:<{width}}  {count}" for name, count in counts.most_common())
    lines.append(f"weights: {weights} tensors, {weight_bytes / 2**20:.2f} MiB")
    return "\n".join(lines)


def main(args: Sequence[str] | None = None) -> None:
    """Entry point of the `ramiel` command."""
    parser = argparse.ArgumentParser(prog="ramiel", description="Ramiel: parallel ONNX inference")
    commands = parser.add_subparsers(dest="command", required=True)
    info_parser = commands.add_parser("info", help="summarize an ONNX model as Ramiel imports it")
    info_parser.add_argument("model", help="path of an .onnx file")
    compile_parser = commands.add_parser(
        "compile", help="compile an ONNX model to PyTorch code and a weights file"
    )
    compile_parser.add_argument("model", help="path of an .onnx file")
    compile_parser.add_argument(
        "-o", "--output", required=True, metavar="OUTDIR", help="directory to write into"
    )
    compile_parser.add_argument(
        "--emit-mlir", action="store_true", help="also write the IR as OUTDIR/model.mlir"
    )
    compile_parser.add_argument(
        "--workers", type=int, default=None, help="worker threads (default: the core count)"
    )
    compile_parser.add_argument(
        "--cost-model",
        choices=COST_MODELS,
        default="analytic",
        help="op costs from FLOPs and bytes (analytic) or timed on this machine (profile)",
    )
    compile_parser.add_argument(
        "--emit-dot", metavar="FILE", help="write the clustered graph as Graphviz DOT to FILE"
    )
    compile_parser.add_argument(
        "--target",
        choices=["cpu", "cuda"],
        default="cpu",
        help="cpu: threads and futures (default); cuda: CUDA streams in one CUDA Graph",
    )
    compile_parser.add_argument(
        "--max-streams",
        type=int,
        default=None,
        metavar="N",
        help="--target cuda: at most N CUDA streams (default 16; 0: no cap; 1: sequential)",
    )
    compile_parser.add_argument(
        "--no-canonicalize", action="store_true", help="skip constant folding and clean-ups"
    )
    compile_parser.add_argument(
        "--no-fuse",
        action="store_true",
        help="keep the plain translation: no fused oneDNN kernels, no channels-last layout",
    )
    _add_bench_arguments(
        commands.add_parser(
            "bench", help="time a compiled model against eager PyTorch and onnxruntime"
        )
    )
    options = parser.parse_args(args)
    try:
        if options.command == "info":
            print(info(options.model))
        elif options.command == "compile":
            compile_model(
                options.model,
                Path(options.output),
                emit_mlir=options.emit_mlir,
                canonicalize=not options.no_canonicalize,
                workers=options.workers,
                cost_model=options.cost_model,
                emit_dot=Path(options.emit_dot) if options.emit_dot else None,
                fuse=not options.no_fuse,
                target=options.target,
                max_streams=options.max_streams,
            )
        elif options.command == "bench":
            bench_model(options)
    except (OnnxImportError, RamielError, DiagnosticException, OSError) as error:
        print(f"ramiel: error: {error}", file=sys.stderr)
        sys.exit(1)


def compile_model(
    model: str,
    output: Path,
    *,
    emit_mlir: bool = False,
    canonicalize: bool = True,
    workers: int | None = None,
    cost_model: CostModelName = "analytic",
    emit_dot: Path | None = None,
    fuse: bool = True,
    target: Target = "cpu",
    max_streams: int | None = None,
) -> None:
    """`ramiel compile`: write the generated package for `model` into `output`."""
    from ramiel.codegen.dot import write_dot
    from ramiel.compiler import lower, write_package

    if emit_dot is not None and target != "cpu":
        raise RamielError("--emit-dot draws the CPU clusters; it needs --target cpu")
    compilation = lower(
        model,
        canonicalize=canonicalize,
        workers=workers,
        cost_model=cost_model,
        fuse=fuse,
        target=target,
        max_streams=max_streams,
    )
    if emit_dot is not None:
        write_dot(compilation.module, emit_dot, compilation.cost_model)
    try:
        written = write_package(compilation, output, emit_mlir=emit_mlir)
    except RamielError:
        if emit_dot is not None:
            emit_dot.unlink(missing_ok=True)
        raise
    for path in written:
        print(f"wrote {path}")
    if emit_dot is not None:
        print(f"wrote {emit_dot}")


def _add_bench_arguments(bench: argparse.ArgumentParser) -> None:
    bench.add_argument("model", help="path of an .onnx file")
    bench.add_argument(
        "--workers", type=int, default=None, help="N: workers and threads (default: the core count)"
    )
    bench.add_argument("--runs", type=int, default=30, help="timed rounds (default 30)")
    bench.add_argument("--warmup", type=int, default=3, help="untimed rounds first (default 3)")
    bench.add_argument("--json", action="store_true", help="print one JSON object, no table")
    bench.add_argument("--trace", metavar="FILE", help="write a traced call as a Chrome trace")
    bench.add_argument("--plot", metavar="FILE", help="write a traced call as a Gantt chart PNG")
    bench.add_argument(
        "--with-torch-compile",
        action="store_true",
        help="also time torch.compile (inductor, freezing) of the eager module (slow to build)",
    )
    bench.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    bench.add_argument(
        "--no-memory", action="store_true", help="skip the peak-memory child processes"
    )


def bench_model(options: argparse.Namespace) -> None:
    """`ramiel bench`: run the benchmark and print the table (or the JSON object)."""
    from ramiel.bench import BenchOptions, format_json, format_table, run_bench
    from ramiel.passes.cluster import usable_cores

    workers = cast(int | None, options.workers)
    trace, plot = cast(str | None, options.trace), cast(str | None, options.plot)
    report = run_bench(
        BenchOptions(
            model=Path(cast(str, options.model)),
            workers=usable_cores() if workers is None else workers,
            runs=cast(int, options.runs),
            warmup=cast(int, options.warmup),
            with_torch_compile=cast(bool, options.with_torch_compile),
            trace=Path(trace) if trace else None,
            plot=Path(plot) if plot else None,
            progress=not cast(bool, options.no_progress),
            memory=not cast(bool, options.no_memory),
        )
    )
    print(format_json(report) if cast(bool, options.json) else format_table(report))


if __name__ == "__main__":
    main()
