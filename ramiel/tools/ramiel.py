"""`ramiel`: the user-level command.

    ramiel info model.onnx     # what the model holds, as Ramiel imports it

Later subcommands (`compile`, `bench`) run the whole pipeline in memory.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence

from xdsl.dialects import func

from ramiel.dialects.dataflow import WeightOp
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.importer.errors import OnnxImportError


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
    options = parser.parse_args(args)
    try:
        if options.command == "info":
            print(info(options.model))
    except OnnxImportError as error:
        print(f"ramiel: error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
