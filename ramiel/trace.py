"""Op spans of a traced call as a Chrome trace and as a Gantt chart.

    spans = ramiel.runtime.trace_spans(model)      # after a call of a `trace=True` build
    write_chrome_trace(spans, "trace.json")        # open in chrome://tracing or Perfetto
    plot_gantt(spans, "trace.png", "inception")    # one row per worker, one bar per op

The Chrome trace uses the trace event format: one "X" (complete) event per op with `ts`
and `dur` in microseconds from the first op's start, `tid` the worker, and "M" metadata
events naming the process and each worker's thread. Both files are written to a temporary
name beside the target and renamed, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ramiel.runtime.tracing import Span
from ramiel.tools.diagnostics import RamielError

PID = 0
"""The process id of every event: a trace holds one model's call."""


def op_kind(span: Span) -> str:
    """What colours a span: its op type, else its name's prefix up to a digit or separator."""
    if span.kind:
        return span.kind
    prefix = span.name
    for index, char in enumerate(span.name):
        if char.isdigit() or char in "_/.:":
            prefix = span.name[:index]
            break
    return prefix or span.name


def total_seconds(spans: Sequence[Span]) -> float:
    """From the first op's start to the last op's end."""
    if not spans:
        return 0.0
    return max(s.end for s in spans) - min(s.start for s in spans)


def chrome_trace(spans: Sequence[Span], *, process: str = "ramiel") -> dict[str, Any]:
    """`spans` in the Chrome trace event format (times in microseconds from the first
    op's start), with the process named `process` and one thread per worker."""
    origin = min((s.start for s in spans), default=0.0)
    workers = sorted({s.worker for s in spans})
    events: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": PID, "tid": 0, "args": {"name": process}}
    ]
    for worker in workers:
        events.append(
            {
                "name": "thread_name",
                "ph": "M",
                "pid": PID,
                "tid": worker,
                "args": {"name": f"worker {worker}"},
            }
        )
        events.append(
            {
                "name": "thread_sort_index",
                "ph": "M",
                "pid": PID,
                "tid": worker,
                "args": {"sort_index": worker},
            }
        )
    for span in sorted(spans, key=lambda s: (s.start, s.worker)):
        events.append(
            {
                "name": span.name,
                "cat": op_kind(span),
                "ph": "X",
                "ts": round((span.start - origin) * 1e6, 3),
                "dur": round(max(span.end - span.start, 0.0) * 1e6, 3),
                "pid": PID,
                "tid": span.worker,
            }
        )
    return {"traceEvents": events, "displayTimeUnit": "ms"}


def write_chrome_trace(
    spans: Sequence[Span], path: str | os.PathLike[str], *, process: str = "ramiel"
) -> None:
    """Write `chrome_trace(spans)` as JSON to `path`, atomically."""
    text = json.dumps(chrome_trace(spans, process=process), indent=1) + "\n"
    _write_atomically(Path(path), lambda tmp: tmp.write_text(text))


def plot_gantt(spans: Sequence[Span], path: str | os.PathLike[str], title: str) -> None:
    """Draw `spans` as a Gantt chart PNG at `path` (atomically): see `gantt_figure`."""
    figure = gantt_figure(spans, title)
    _write_atomically(Path(path), lambda tmp: figure.savefig(tmp, format="png"))


def gantt_figure(spans: Sequence[Span], title: str) -> Any:
    """A matplotlib `Figure` of `spans` (on the Agg canvas): one row per worker, one bar
    per op coloured by its kind, time in ms, a legend of the kinds beside it; the title is
    `title` and the total."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    origin = min((s.start for s in spans), default=0.0)
    workers = sorted({s.worker for s in spans}) or [0]
    kinds = sorted({op_kind(s) for s in spans})
    palette = _palette(len(kinds))
    colour = dict(zip(kinds, palette, strict=True))

    # No pyplot: a bare Figure on the Agg canvas keeps no global state. matplotlib's stubs
    # leave **kwargs untyped, which strict pyright rejects, hence Any.
    height = 1.2 + 0.6 * len(workers)
    figure: Any = Figure(figsize=(12, height), dpi=100)
    FigureCanvasAgg(figure)
    axes: Any = figure.add_subplot()
    for span in spans:
        axes.barh(
            span.worker,
            (span.end - span.start) * 1e3,
            left=(span.start - origin) * 1e3,
            height=0.7,
            color=colour[op_kind(span)],
            edgecolor="black",
            linewidth=0.3,
        )
    axes.set_yticks(workers, [f"worker {w}" for w in workers])
    axes.set_ylim(max(workers) + 0.6, min(workers) - 0.6)
    axes.set_xlabel("time (ms)")
    axes.set_ylabel("worker")
    axes.set_xlim(left=0.0)
    axes.set_title(f"{title}: {total_seconds(spans) * 1e3:.3f} ms, {len(spans)} ops")
    if kinds:
        handles = [Patch(facecolor=colour[k], edgecolor="black", label=k) for k in kinds]
        figure.legend(
            handles=handles,
            loc="outside right upper",
            fontsize="small",
            # As many columns as it takes for the entries to fit the figure's height.
            ncols=math.ceil(len(kinds) / _legend_rows(height)),
        )
    figure.set_layout_engine("constrained")
    return figure


def _legend_rows(height: float) -> int:
    """Legend entries (small font) that fit one column of a figure `height` inches tall."""
    return max(1, int((height - 0.3) / 0.22))


def _palette(count: int) -> list[tuple[float, float, float, float]]:
    """`count` distinct colours: tab20's, then evenly spaced hues."""
    from matplotlib import colormaps

    if count <= 20:
        table = colormaps["tab20"]
        return [table(i) for i in range(count)]
    table = colormaps["hsv"]
    return [table(i / count) for i in range(count)]


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Call `write` on a temporary file beside `path`, then rename it to `path`."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as error:
        raise RamielError(f"cannot write '{path}': {error.strerror or error}") from None
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o644)
        os.replace(tmp, path)
    except OSError as error:
        raise RamielError(f"cannot write '{path}': {error.strerror or error}") from None
    finally:
        tmp.unlink(missing_ok=True)
