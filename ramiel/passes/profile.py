"""The measured cost model: every op of the serial generated code timed on this machine.

    ramiel-opt model.mlir -p 'cluster{workers=2 cost-model=profile}'

The module is printed as serial code that reads a clock after every op, run on an example
input (seeded random floats, zeros for integers and booleans) with the intra-op threads
each worker will have, and each op costs its fastest time over the runs (a shared machine
only ever adds time, so the minimum is the steadiest estimate). Results
are cached per model in `$RAMIEL_CACHE_DIR` (default `~/.cache/ramiel`), keyed by the IR
text, the generated code, the torch version, the thread count and the build of Ramiel's
kernel library, so a second compile does not run it again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import torch
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from ramiel import kernels
from ramiel.passes.cost_model import AnalyticCostModel, TableCostModel
from ramiel.runtime import InputSpec
from ramiel.tools.diagnostics import RamielError

CACHE_ENV = "RAMIEL_CACHE_DIR"


def cache_dir() -> Path:
    """Where measured profiles are kept."""
    root = os.environ.get(CACHE_ENV)
    return Path(root) if root else Path.home() / ".cache" / "ramiel"


def example_inputs(specs: Sequence[InputSpec], seed: int = 0) -> list[torch.Tensor]:
    """One input per spec: seeded normal floats, zeros otherwise; dynamic dims 1."""
    generator = torch.Generator().manual_seed(seed)
    tensors: list[torch.Tensor] = []
    for spec in specs:
        dtype = spec.dtype
        dims = [1 if d is None else d for d in spec.shape or ()]
        if dtype.is_floating_point:
            tensors.append(torch.randn(dims, generator=generator).to(dtype))
        else:
            tensors.append(torch.zeros(dims, dtype=dtype))
    return tensors


def profile_costs(
    module: ModuleOp,
    *,
    threads: int = 1,
    repeat: int = 10,
    inputs: Sequence[torch.Tensor] | None = None,
    cache: bool = True,
) -> dict[Operation, float]:
    """Each op's fastest time in microseconds in the serial code of `module` (with
    `cache=False`, measured now and not kept)."""
    from ramiel.codegen.python import PythonPrinter
    from ramiel.compiler import instantiate, module_weight_tensors
    from ramiel.weights import WeightStore, weights_of

    printer = PythonPrinter(module, profile=True)
    code = printer.print_module()
    ops = printer.profiled_ops
    key = _cache_key(str(module), code, threads)
    cached = _read_cache(key, len(ops)) if cache else None
    if cached is not None:
        return dict(zip(ops, cached, strict=True))
    store = weights_of(module) or WeightStore({})
    previous = torch.get_num_threads()
    # Loaded on `threads` too: serial code packs its oneDNN weights for the load-time threads.
    torch.set_num_threads(threads)
    samples: list[list[float]] = [[] for _ in ops]
    try:
        try:
            compiled = instantiate(code, module_weight_tensors(module, store), name="profile")
        except KeyError as error:
            raise RamielError(f"cost-model=profile needs the model's weights: {error}") from None
        model = compiled.model
        if inputs is None:
            inputs = example_inputs(model.forward.__globals__["INPUTS"])
        with torch.inference_mode():
            for run in range(repeat + 2):
                model(*inputs)
                ticks = cast(list[float], model.profile_ticks)
                if run < 2:
                    continue  # warm-up: allocator and first-call costs
                for index in range(len(ops)):
                    samples[index].append((ticks[index + 1] - ticks[index]) * 1e6)
    except RamielError:
        raise
    except Exception as error:
        raise RamielError(
            f"cost-model=profile: the model failed on its example input: {error}"
        ) from None
    finally:
        torch.set_num_threads(previous)
    # The fastest run of each op: noise on a shared machine only ever adds time.
    costs = [round(min(s), 3) for s in samples]
    if cache:
        _write_cache(key, costs)
    return dict(zip(ops, costs, strict=True))


def profile_cost_model(
    module: ModuleOp, edge_us: float | None = None, *, threads: int = 1
) -> TableCostModel:
    """Measured op costs of `module`, with the analytic model for ops the profile lacks."""
    fallback = AnalyticCostModel(edge_us)
    return TableCostModel(profile_costs(module, threads=threads), fallback, fallback.edge_us)


def _cache_key(ir: str, code: str, threads: int) -> str:
    # The IR carries the tensor types that the code leaves to its weights file: two models
    # of one architecture and different widths print the same code.
    digest = hashlib.sha256()
    digest.update(ir.encode())
    digest.update(code.encode())
    # "loaded": profiles taken since the code is loaded on `threads` as well.
    digest.update(f"|torch={torch.__version__}|threads={threads}|min|loaded".encode())
    # Ramiel's kernels change without changing the code that calls them.
    digest.update(f"|kernels={kernels.library_path().name}".encode())
    return digest.hexdigest()[:32]


def _read_cache(key: str, count: int) -> list[float] | None:
    path = cache_dir() / "profiles" / f"{key}.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, list):
        return None
    values = cast(list[object], data)
    if len(values) != count or not all(isinstance(x, int | float) for x in values):
        return None
    return [float(cast(float, x)) for x in values]


def _write_cache(key: str, costs: list[float]) -> None:
    directory = cache_dir() / "profiles"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(costs))
        os.replace(tmp, directory / f"{key}.json")
    except OSError:
        pass  # A cache that cannot be written only costs a new measurement next time.
