"""Running a compiled model's clusters on worker threads.

Generated parallel code looks like this (slot numbers index `self.exchange`, an
`rt.Exchange`):

    def _cluster_1(self) -> None:
        ex = self.exchange
        pool1 = rt.take(ex, 2)                    # waits until another cluster sends it
        conv2 = F.conv2d(pool1, self.w2, self.b2)
        rt.send(ex, 3, conv2)

    def _worker_0(self, inputs: list[torch.Tensor]) -> list[torch.Tensor]:
        ex = self.exchange
        rt.send(ex, 1, inputs[0])
        self._cluster_0()
        self._cluster_2()
        outputs = [rt.receive(ex, 4)]
        rt.clear(ex)
        return outputs

    def _worker_1(self) -> None:
        self._cluster_1()

    def forward(self, *inputs):
        (x,) = rt.check_inputs(inputs, INPUTS)
        (prob,) = self.workers.run([x])
        return (prob,)

`Workers(model, ("_worker_0", "_worker_1"))` compiles the worker methods with TorchScript
when it can, so that each worker runs its clusters without taking the GIL (two Python
threads running PyTorch ops slow each other down by 15% to 80% per op on the GIL), and
otherwise runs them as Python. `run` starts worker i > 0 on a persistent thread of its
own and runs worker 0 on the calling thread, and returns when all are done. Each worker
runs its clusters in the order the compiler gave, an order in which every value is sent
before the clusters that wait for it must run, so waits always end. If a cluster raises,
the exchange is marked failed, the other workers stop at their next wait, and `run`
raises a `ClusterError` naming the op that failed. One call runs at a time per
`Workers`; the threads stop when the `Workers` object (and so the model holding it) is
freed.
"""

from __future__ import annotations

import linecache
import os
import queue
import re
import threading
import warnings
import weakref
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, cast

import torch

from ramiel.runtime.exchange import ABORTED, Exchange, ExchangeAborted

Entry = Callable[..., Any]


class ClusterError(RuntimeError):
    """An op of a parallel compiled model failed; `op` names it and `cluster` its cluster."""

    def __init__(self, message: str, op: str, cluster: str) -> None:
        super().__init__(message)
        self.op = op
        self.cluster = cluster


@contextmanager
def intra_op_threads(count: int) -> Generator[None]:
    """Run the block on `count` intra-op threads (this thread's setting), then restore it."""
    previous = torch.get_num_threads()
    if previous == count:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def threads_per_worker(workers: int) -> int:
    """Intra-op threads for each of `workers` workers, so that together they fit the cores."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(workers, 1))


class _Done:
    """Signals the end of one worker's run, with its error if it failed."""

    def __init__(self) -> None:
        self.finished = threading.Lock()
        self.finished.acquire()
        self.error: _Failure | None = None

    def wait(self) -> _Failure | None:
        self.finished.acquire()
        return self.error


_Task = tuple[Entry, Exchange, _Done, bool, bool]
"""A worker's entry, the exchange, its end signal, the caller's inference and grad modes."""


_TORCH_C: Any = torch._C  # pyright: ignore[reportPrivateUsage]


# The graph executor's optimizations (a per-thread setting) would reorder floating-point
# work (split addmm into mm and add, say): compiled workers run the code as printed, and so
# compute exactly what the serial code does.
def _get_optimize() -> bool:
    return bool(_TORCH_C._get_graph_executor_optimize())


def _set_optimize(optimize: bool) -> None:
    _TORCH_C._set_graph_executor_optimize(optimize)


def script_methods(model: torch.nn.Module, entries: Sequence[str]) -> Any:
    """`model` compiled by TorchScript from its methods `entries` and what they call (its
    `forward` need not compile)."""
    from torch.jit import _recursive

    recursive: Any = _recursive

    def stubs(module: torch.nn.Module) -> list[Any]:
        return [recursive.make_stub_from_method(module, name) for name in entries]

    return recursive.create_script_module(model, stubs)


def _serve(tasks: queue.SimpleQueue[_Task | None], threads: int) -> None:
    torch.set_num_threads(threads)
    _set_optimize(False)
    while True:
        task = tasks.get()
        if task is None:
            return
        entry, exchange, done, inference, grad = task
        if torch.get_num_threads() != threads:  # a failed planned cluster left its own
            torch.set_num_threads(threads)
        if torch.is_inference_mode_enabled() == inference and torch.is_grad_enabled() == grad:
            # The usual case: entering the two modes costs the call's start a few us.
            done.error = cast(_Failure | None, _call(entry, (), exchange))
        else:
            with torch.inference_mode(inference), torch.set_grad_enabled(grad):
                done.error = cast(_Failure | None, _call(entry, (), exchange))
        del task, entry
        done.finished.release()


def _call(entry: Entry, args: tuple[Any, ...], exchange: Exchange) -> Any:
    """`entry(*args)`, or the error it raised after marking the call failed."""
    try:
        return entry(*args)
    except BaseException as error:
        exchange.abort()
        return _Failure(error)


class _Failure:
    """What a worker raised (kept apart from what it returned)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _stop(tasks: Sequence[queue.SimpleQueue[_Task | None]]) -> None:
    for queue_ in tasks:
        queue_.put(None)


class Workers:
    """Runs `model`'s worker methods `entries` (TorchScript-compiled where possible).

    `entries[0]` takes the list of inputs and returns the list of outputs; the others take
    nothing. A persistent pool of `len(entries) - 1` threads runs them, with the calling
    thread as worker 0. Each worker uses `threads_per_worker(count)` intra-op threads (set
    on the calling thread for the duration of `run`), so workers times intra-op threads
    stays within the cores. `compiled` says whether TorchScript compiled the workers;
    where it did not, `why_not` says why.
    """

    def __init__(self, model: torch.nn.Module, entries: Sequence[str], script: bool = True):
        self.count = len(entries)
        self.threads = threads_per_worker(self.count)
        self.why_not: str | None = None if script else "script=False"
        # TorchScript copies the list into the compiled module, but not the flags tensor: one
        # `reset` or `abort` here reaches both.
        self._exchange = cast(Exchange, model.exchange)
        self._entries: list[Entry] | None = None
        if script:
            try:
                with warnings.catch_warnings():
                    # TorchScript is deprecated in favour of torch.compile, which cannot
                    # run a call's ops without the GIL; torch is pinned where it works.
                    warnings.simplefilter("ignore", DeprecationWarning)
                    compiled = script_methods(model, entries)
                self._entries = [getattr(compiled, name) for name in entries]
            except Exception as error:  # TorchScript cannot compile every op's code
                self.why_not = f"{type(error).__name__}: {str(error).strip()}"
        if self._entries is None:
            self._model = weakref.ref(model)
            self._names = tuple(entries)
        self.compiled = self._entries is not None
        self._lock = threading.Lock()
        self._queues: list[queue.SimpleQueue[_Task | None]] = [
            queue.SimpleQueue() for _ in range(self.count - 1)
        ]
        for index, tasks in enumerate(self._queues, start=1):
            thread = threading.Thread(
                target=_serve, args=(tasks, self.threads), name=f"ramiel-worker-{index}"
            )
            thread.daemon = True
            thread.start()
        self._finalizer = weakref.finalize(self, _stop, self._queues)

    def _bound(self) -> list[Entry]:
        if self._entries is not None:
            return self._entries
        model = self._model()
        if model is None:
            raise RuntimeError("the model of these workers has been freed")
        return [getattr(model, name) for name in self._names]

    def run(self, inputs: list[Any]) -> list[Any]:
        """Run worker i's clusters on worker i (worker 0 on this thread); the outputs."""
        with self._lock:
            if not self._finalizer.alive:
                raise RuntimeError("the workers have been shut down")
            entries = self._bound()
            exchange = self._exchange
            if self._entries is not None:
                # Compiled workers hold their own copy of the slots, which `rt.clear`
                # empties at the end of each call: only the flags are shared.
                exchange[0].zero_()
            else:
                exchange.reset()
            dones: list[_Done] = []
            modes = (torch.is_inference_mode_enabled(), torch.is_grad_enabled())
            for tasks, entry in zip(self._queues, entries[1:], strict=True):
                done = _Done()
                tasks.put((entry, exchange, done, *modes))
                dones.append(done)
            previous = torch.get_num_threads()
            if previous != self.threads:
                torch.set_num_threads(self.threads)
            optimize = _get_optimize()
            _set_optimize(False)
            results: list[Any] = []
            try:
                results.append(_call(entries[0], (inputs,), exchange))
            finally:
                results += [done.wait() for done in dones]
                _set_optimize(optimize)
                if previous != self.threads:
                    torch.set_num_threads(previous)
        failures = [r.error for r in results if isinstance(r, _Failure)]
        if failures:
            raise _primary(failures)
        return cast(list[Any], results[0])

    def close(self) -> None:
        """Stop the threads now (they also stop when this object is freed)."""
        self._finalizer()


def _primary(failures: list[BaseException]) -> BaseException:
    """The error that failed the call, as a `ClusterError` when it came from an op; the
    other workers' errors only say that they stopped."""
    for error in failures:
        if isinstance(error, ExchangeAborted) or ABORTED in str(error):
            continue
        if isinstance(error, Exception):
            return _located(error)
        return error
    return failures[0]


_SCRIPT_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (_cluster\w*)')


def _located(error: Exception) -> Exception:
    """`error` as a `ClusterError` naming the op (and cluster) of generated code that raised
    it: the innermost `_cluster` frame of its Python or TorchScript traceback (in a
    generated module loaded from a file or from a string)."""
    where: tuple[str, int, str] | None = None
    tb: TracebackType | None = error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name.startswith("_cluster"):
            where = (code.co_filename, tb.tb_lineno, code.co_name)
        tb = tb.tb_next
    message = str(error)
    for match in _SCRIPT_FRAME.finditer(message):
        where = (match.group(1), int(match.group(2)), match.group(3))
    if where is None:
        return error
    filename, line_number, cluster = where
    op = _op_of_line(linecache.getline(filename, line_number).strip())
    if "Traceback of TorchScript" in message:
        # The TorchScript traceback ends with the original error's type and message.
        message = message.rstrip().splitlines()[-1].removeprefix("builtins.")
        kind, _, text = message.partition(": ")
    else:
        kind, text = type(error).__name__, message
    located = ClusterError(f"op '{op}' in {cluster} failed: {kind}: {text}", op, cluster)
    located.__cause__ = error
    return located


def _op_of_line(line: str) -> str:
    """The op a generated line runs: the node named in its comment, else its target."""
    code, _, comment = line.partition("  # ")
    if comment:
        return comment.strip()
    match = re.match(r"\s*([\w, ]+?)\s*=(?!=)", code)
    return match.group(1).strip() if match else line
