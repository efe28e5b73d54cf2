"""Import and print times for a 25M-parameter transformer encoder.

    python benchmarks/import_speed.py [--repeat 3] [--dynamo]

Exports a `torch.nn.TransformerEncoder` (d_model 512, 8 layers, about 25M
parameters) to ONNX in a temporary directory, then times, as medians over
`--repeat` runs in this one process: reading the file, importing it into the
`onnx` dialect, verifying, printing the IR text (weights stay out of it),
parsing that text back, and writing the weights file. The import + print
total is what the foundation issue bounds (5 s on the 2-core dev machine).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import onnx
import torch
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func
from xdsl.parser import Parser

from ramiel.dialects.dataflow import Dataflow, WeightOp
from ramiel.dialects.onnx import Onnx
from ramiel.importer.onnx_importer import ImportedModel, import_model
from ramiel.testing.models import load_onnx


def export_encoder(path: Path, dynamo: bool) -> int:
    """Export the benchmark model to `path`; return its parameter count."""
    untyped: Any = torch  # manual_seed and onnx.export are partially untyped
    untyped.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(
        d_model=512, nhead=8, dim_feedforward=2048, batch_first=True, dropout=0.0
    )
    model = torch.nn.TransformerEncoder(layer, num_layers=8, enable_nested_tensor=False).eval()
    # The encoder deep-copies one layer; distinct weights keep the exporter from sharing them.
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.02)
    example = torch.randn(1, 128, 512)
    untyped.onnx.export(
        model, (example,), str(path), dynamo=dynamo, opset_version=18 if dynamo else 17
    )
    return sum(p.numel() for p in model.parameters())


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time of `fn` over `repeat` runs, and its last result."""
    times: list[float] = []
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description="Time importing a large transformer.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dynamo", action="store_true", help="export with dynamo=True")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "encoder.onnx"
        params = export_encoder(path, args.dynamo)
        load_s, model = timed(lambda: load_onnx(path), args.repeat)
        assert isinstance(model, onnx.ModelProto)
        import_s, imported = timed(lambda: import_model(model), args.repeat)
        assert isinstance(imported, ImportedModel)
        module = imported.module
        verify_s, _ = timed(module.verify, args.repeat)
        print_s, text = timed(lambda: str(module), args.repeat)
        assert isinstance(text, str)
        ctx = Context()
        for dialect in (Builtin, Func, Onnx, Dataflow):
            ctx.load_dialect(dialect)
        parse_s, parsed = timed(lambda: Parser(ctx, text).parse_module(), args.repeat)
        assert isinstance(parsed, ModuleOp)
        weight_ops = [op for op in module.walk() if isinstance(op, WeightOp)]
        keys = [(op.key.data, op.result.type.element_type) for op in weight_ops]
        save_s, _ = timed(
            lambda: imported.weights.save(Path(tmp) / "w.safetensors", keys), args.repeat
        )
        ops = sum(1 for _ in module.walk())
        print(
            f"model: TransformerEncoder, {params / 1e6:.1f}M parameters, "
            f"{len(model.graph.node)} ONNX nodes, "
            f"{ops} IR ops, {len(text) / 1024:.0f} KiB of IR text, {len(weight_ops)} weights "
            f"(dynamo={args.dynamo})"
        )
        print(f"{'step':<28}{'median s':>10}")
        rows = [
            ("onnx.load", load_s),
            ("import (incl. shape inference)", import_s),
            ("verify", verify_s),
            ("print IR text", print_s),
            ("parse IR text", parse_s),
            ("write weights.safetensors", save_s),
        ]
        for name, seconds in rows:
            print(f"{name:<28}{seconds:>10.3f}")
        total = import_s + print_s
        print(f"{'import + print':<28}{total:>10.3f}   (bound: 5 s)")


if __name__ == "__main__":
    main()
