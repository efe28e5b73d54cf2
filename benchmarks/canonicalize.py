"""What canonicalization does to real models, and how long it takes.

    .venv/bin/python benchmarks/canonicalize.py

For the 9 light models and our own models exported with `dynamo=True` (a transformer
encoder, and the Inception-style CNN with BatchNorm exported unoptimized), prints the
op count before and after, the time the pass takes, what is left of shape arithmetic
on static shapes and of BatchNormalization after Conv, and whether the outputs still
match onnxruntime. Then times the pass on a synthetic module of 5,000 ops.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

import numpy as np
import onnx
import torch
from xdsl.dialects import func
from xdsl.dialects.builtin import Float32Type, ModuleOp, TensorType
from xdsl.ir import Block, Region

from ramiel.codegen.python import print_python
from ramiel.compiler import Compilation, instantiate, weight_tensors
from ramiel.dialects.context import ir_context
from ramiel.dialects.onnx_base import OnnxOp
from ramiel.dialects.onnx_ops import (
    AddOp,
    BatchNormalizationOp,
    ConvOp,
    MulOp,
    ReluOp,
    ShapeOp,
    SizeOp,
)
from ramiel.importer.onnx_importer import import_model
from ramiel.passes.canonicalize import CanonicalizePass
from ramiel.testing.models import (
    LIGHT_MODELS,
    export,
    inception_example,
    light_model_input,
    light_model_path,
    load_onnx,
    run_onnxruntime,
    transformer_example,
)
from ramiel.weights import attach_weights


def _models() -> list[tuple[str, onnx.ModelProto, list[np.ndarray]]]:
    models: list[tuple[str, onnx.ModelProto, list[np.ndarray]]] = []
    for name in LIGHT_MODELS:
        model = load_onnx(light_model_path(name))
        models.append((name, model, [light_model_input(model)]))
    module, inputs = transformer_example()
    models.append(
        ("transformer (dynamo)", export(module, inputs, dynamo=True), [inputs[0].numpy()])
    )
    module, inputs = inception_example()
    cnn = export(module, inputs, dynamo=True, optimize=False)
    models.append(("inception+BN (dynamo, unoptimized)", cnn, [inputs[0].numpy()]))
    return models


def _count(module: ModuleOp) -> int:
    return sum(1 for op in module.walk() if isinstance(op, OnnxOp))


def _static_shape_ops(module: ModuleOp) -> int:
    """Shape/Size ops whose input shape is static (they should have folded)."""
    count = 0
    for op in module.walk():
        if isinstance(op, ShapeOp | SizeOp):
            value_type = op.operands[0].type
            if isinstance(value_type, TensorType) and all(d >= 0 for d in value_type.get_shape()):
                count += 1
    return count


def _bn_after_conv(module: ModuleOp) -> int:
    return sum(
        1
        for op in module.walk()
        if isinstance(op, BatchNormalizationOp) and isinstance(op.operands[0].owner, ConvOp)
    )


def _matches(model: onnx.ModelProto, compilation: Compilation, inputs: list[np.ndarray]) -> str:
    compiled = instantiate(compilation.code, weight_tensors(compilation))
    with torch.no_grad():
        actual = compiled(*[torch.as_tensor(x) for x in inputs])
    try:
        expected = run_onnxruntime(model, inputs)
    except Exception as error:
        return f"ort: {str(error).splitlines()[0][:40]}"
    ok = all(
        np.allclose(a.numpy(), e, rtol=1e-3, atol=1e-5)
        for a, e in zip(actual, expected, strict=True)
    )
    return "yes" if ok else "NO"


def synthetic_module(ops: int) -> ModuleOp:
    """A chain of `ops` cheap elementwise ops with duplicates and dead branches."""
    tensor = TensorType(Float32Type(), [1, 64])
    block = Block(arg_types=[tensor])
    value = block.args[0]
    for _ in range(ops // 4):
        a = AddOp.build(operands=[value, value], result_types=[tensor])
        b = AddOp.build(operands=[value, value], result_types=[tensor])  # CSE merges it
        dead = ReluOp.build(operands=[a.results[0]], result_types=[tensor])  # DCE removes it
        m = MulOp.build(operands=[a.results[0], b.results[0]], result_types=[tensor])
        block.add_ops([a, b, dead, m])
        value = m.results[0]
    block.add_op(func.ReturnOp(value))
    main = func.FuncOp("main", ([tensor], [tensor]), Region(block))
    return ModuleOp([main])


def _canonicalized(ctx: Any, model: onnx.ModelProto) -> tuple[ModuleOp, Any, float]:
    """A fresh import of `model`, canonicalized: the module, its weights, the pass's seconds."""
    fresh = import_model(model)
    attach_weights(fresh.module, fresh.weights)
    start = time.perf_counter()
    CanonicalizePass().apply(ctx, fresh.module)
    return fresh.module, fresh.weights, time.perf_counter() - start


def main() -> int:
    """Print the table and the 5,000-op timing."""
    ctx = ir_context()
    header = f"{'model':<36} {'ops':>6} {'after':>6} {'time s':>7} {'shape ops':>9}"
    print(f"{header} {'BN after conv':>13} {'matches ORT':>11}")
    for name, model, inputs in _models():
        before = _count(import_model(model).module)
        runs = [_canonicalized(ctx, model) for _ in range(3)]
        module, weights, _ = runs[0]
        seconds = statistics.median(r[2] for r in runs)
        compilation = Compilation(module, weights, print_python(module))
        ok = _matches(model, compilation, inputs)
        print(
            f"{name:<36} {before:>6} {_count(module):>6} {seconds:>7.3f} "
            f"{_static_shape_ops(module):>9} {_bn_after_conv(module):>13} {ok:>11}"
        )
    modules = [synthetic_module(5000) for _ in range(3)]
    count = _count(modules[0])
    times: list[float] = []
    for module in modules:
        start = time.perf_counter()
        CanonicalizePass().apply(ctx, module)
        times.append(time.perf_counter() - start)
    print(
        f"\nsynthetic chain of {count} ops -> {_count(modules[0])} after: "
        f"canonicalize median {statistics.median(times):.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
