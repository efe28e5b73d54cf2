"""Where one parallel call's time goes, from a traced build whose workers run compiled.

    .venv/bin/python benchmarks/parallel_call.py [--model MODEL.onnx] [--workers 2] [--calls 40]

Runs `--calls` calls of a `trace=True` build (`rt.tick` after every op, compiled as the
untraced build's workers are) and takes the call of median length. It prints, per worker,
its ops' busy time and share of the call, when it started and stopped, and its longest
waits; then the time from the call to the first op and from the last op to the return
(Python and TorchScript around the work); then the ops by kind: count, total and mean.
Default model: the NASNet-style model (`ramiel.testing.nasnet.nasnet_example`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from itertools import pairwise

import onnx
import torch

from ramiel.bench import graph_inputs, random_inputs
from ramiel.compiler import instantiate, lower, weight_tensors
from ramiel.importer.onnx_importer import load_model
from ramiel.runtime import Span, trace_spans
from ramiel.testing.nasnet import nasnet_example


def traced_calls(
    model: onnx.ModelProto, workers: int, calls: int
) -> list[tuple[float, float, list[Span]]]:
    """(call start, call end, spans) of `calls` calls after two warm-up calls."""
    compilation = lower(model, workers=workers, trace=True)
    compiled = instantiate(compilation.code, weight_tensors(compilation), name="traced")
    inputs = [torch.as_tensor(a) for a in random_inputs(graph_inputs(model))]
    out: list[tuple[float, float, list[Span]]] = []
    with torch.inference_mode():
        for index in range(calls + 2):
            start = time.perf_counter()
            compiled(*inputs)
            end = time.perf_counter()
            if index >= 2:
                out.append((start, end, trace_spans(compiled)))
    return out


def report(start: float, end: float, spans: list[Span]) -> None:
    """Print the tables for one call."""
    us = 1e6
    print(f"call {(end - start) * us:,.0f} us, {len(spans)} ops")
    print("worker  ops  busy us  busy %  first op at  last op ends  longest waits (us, before)")
    for worker in sorted({s.worker for s in spans}):
        mine = sorted((s for s in spans if s.worker == worker), key=lambda s: s.start)
        busy = sum(s.end - s.start for s in mine)
        waits = sorted(
            ((after.start - before.end, after.name) for before, after in pairwise(mine)),
            reverse=True,
        )
        longest = ", ".join(f"{w * us:.0f} {name}" for w, name in waits[:3])
        print(
            f"{worker:6d} {len(mine):4d} {busy * us:8,.0f} {busy / (end - start):6.0%}"
            f" {(mine[0].start - start) * us:12,.0f} {(mine[-1].end - start) * us:13,.0f}"
            f"  {longest}"
        )
    first = min(s.start for s in spans)
    last = max(s.end for s in spans)
    print(
        f"call to first op {(first - start) * us:,.0f} us; "
        f"last op to return {(end - last) * us:,.0f} us"
    )
    kinds: defaultdict[str, list[float]] = defaultdict(list)
    for span in spans:
        kinds[span.kind].append(span.end - span.start)
    print("kind                          ops  total us  mean us")
    for kind, times in sorted(kinds.items(), key=lambda item: -sum(item[1])):
        mean = statistics.mean(times) * us
        print(f"{kind:28s} {len(times):4d} {sum(times) * us:9,.0f} {mean:8.1f}")


def main() -> None:
    """Parse the flags and print the median call's tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", help="an .onnx file (default: the NASNet-style model)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    model = load_model(args.model) if args.model else nasnet_example()
    torch.set_num_threads(1)
    calls = traced_calls(model, args.workers, args.calls)
    calls.sort(key=lambda call: call[1] - call[0])
    start, end, spans = calls[len(calls) // 2]
    ran = len({s.worker for s in spans})
    print(f"median of {len(calls)} calls; --workers {args.workers}, {ran} ran ops")
    report(start, end, spans)


if __name__ == "__main__":
    main()
