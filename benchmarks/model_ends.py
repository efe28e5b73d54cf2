"""A CNN's first and last ops, timed inside the model, with and without Ramiel's kernels
for them.

    .venv/bin/python benchmarks/model_ends.py [--model MODEL.onnx] [--threads 1] [--repeat 20]

The stem convolution runs first in each call and the classifier head (GlobalAveragePool,
Flatten, Gemm) last, once per call with nothing to overlap them; hot in a loop they take
a few microseconds, but inside the model PyTorch's and oneDNN's paths for them are cold.
This prints each of those ops' time as `ramiel.passes.profile.profile_costs` measures it
(the serial code with a clock read after every op, the fastest of `--repeat` calls) for
two builds of the model, alternating: `off`, the `fuse` pass with `direct`, `linear` and
`pool` turned off (the stem on oneDNN after a channels-last conversion, `mean`, `reshape`,
`F.linear`), and `on`, its defaults (`_direct`, `_pool`, `_linear`). Default model: the
NASNet-style model (`ramiel.testing.nasnet.nasnet_example`).
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence

import onnx
import torch
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from ramiel import kernels
from ramiel.codegen.python import op_kind
from ramiel.compiler import lower
from ramiel.dialects.context import ir_context
from ramiel.passes.fuse import FusePass
from ramiel.passes.profile import profile_costs
from ramiel.weights import attach_weights, weights_of


def build(model: str | onnx.ModelProto, ends_on_kernels: bool) -> ModuleOp:
    """The model canonicalized and fused, its ends on Ramiel's kernels or not."""
    module = lower(model, workers=1, fuse=False).module
    store = weights_of(module)
    fused = module.clone()
    if store is not None:
        attach_weights(fused, store)
    on = ends_on_kernels
    FusePass(direct=on, linear=on, pool=on).apply(ir_context(), fused)
    return fused


def timed_ops(costs: dict[Operation, float]) -> list[tuple[str, float]]:
    """(kind, us) of the ops with a cost, in program order."""
    return [(op_kind(op), us) for op, us in costs.items() if us > 0]


def ends(ops: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """The ops up to the first convolution, and those after the last one."""
    convs = [i for i, (kind, _) in enumerate(ops) if kind.startswith("Conv")]
    if not convs:
        return list(ops)
    return [*ops[: convs[0] + 1], *ops[convs[-1] + 1 :]]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", help="an ONNX CNN (default: the NASNet-style model)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20, help="calls per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    kernels.load()
    model: str | onnx.ModelProto
    if options.model is None:
        from ramiel.testing.nasnet import nasnet_example

        model = nasnet_example()
    else:
        model = options.model
    builds = {"off": build(model, False), "on": build(model, True)}
    samples: dict[str, list[list[tuple[str, float]]]] = {name: [] for name in builds}
    torch.set_num_threads(options.threads)
    for _ in range(options.rounds):
        for name, module in builds.items():
            costs = profile_costs(
                module, threads=options.threads, repeat=options.repeat, cache=False
            )
            samples[name].append(timed_ops(costs))
    print(
        f"in-model op times, us (fastest of {options.repeat} calls, median of "
        f"{options.rounds} rounds), {options.threads} thread(s): the ops up to the first "
        "convolution and after the last"
    )
    for name in builds:
        rows = [ends(run) for run in samples[name]]
        kinds = [kind for kind, _ in rows[0]]
        times = [statistics.median(run[i][1] for run in rows) for i in range(len(kinds))]
        cells = ", ".join(f"{k} {t:.1f}" for k, t in zip(kinds, times, strict=True))
        print(f"{name:>4}: {cells}; sum {sum(times):.1f}")


if __name__ == "__main__":
    main()
