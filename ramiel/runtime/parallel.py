"""Running a compiled model's clusters on worker threads.

Generated parallel code looks like this:

    def _cluster_1(self, ex: rt.Exchange) -> None:
        pool1 = ex.get("pool1")                   # waits until another cluster puts it
        conv2 = F.conv2d(pool1, self.w2, self.b2)
        ex.put("conv2", conv2, 1)                 # one reader will get it

    def forward(self, *inputs):
        ...
        ex = rt.Exchange()
        ex.put("x", x, 2)
        self.workers.run(ex, (self._cluster_0, self._cluster_2), (self._cluster_1,))
        return (ex.get("prob"),)

`Workers.run` hands each chain of clusters but the first to a thread of its own, runs the
first on the calling thread, and returns when all are done. Each worker runs its clusters
in the order the compiler gave, an order in which every value is put before the clusters
that wait for it must run, so waits always end. If a cluster raises, every pending `get`
is released, the other clusters stop at their next `get` or `put`, and `run` raises a
`ClusterError` naming the op that failed. One call runs at a time per `Workers`; the
threads stop when the `Workers` object (and so the model holding it) is freed.
"""

from __future__ import annotations

import linecache
import os
import queue
import re
import threading
import weakref
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import torch

Cluster = Callable[["Exchange"], None]


class ClusterError(RuntimeError):
    """An op of a parallel compiled model failed; `op` names it and `cluster` its cluster."""

    def __init__(self, message: str, op: str, cluster: str) -> None:
        super().__init__(message)
        self.op = op
        self.cluster = cluster


class _Aborted(Exception):
    """Raised in a cluster whose call failed elsewhere: it stops without an error of its own."""


class _Slot:
    """One value handed between clusters: a lock held until the value is put."""

    __slots__ = ("done", "reads", "ready", "value")

    def __init__(self) -> None:
        self.ready = threading.Lock()
        self.ready.acquire()
        self.value: Any = None
        self.reads = 0
        self.done = False


class Exchange:
    """The values that one call's clusters hand to each other, by name.

    `put(name, value, reads)` publishes a value that `reads` gets will read; the value is
    dropped after the last of them, so intermediate tensors do not outlive their use.
    `get(name)` waits until the value is put.
    """

    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}
        self._guard = threading.Lock()
        self._failed = False

    def _slot(self, name: str) -> _Slot:
        slot = self._slots.get(name)
        if slot is None:
            with self._guard:
                slot = self._slots.get(name)
                if slot is None:
                    slot = self._slots[name] = _Slot()
                    if self._failed:
                        slot.ready.release()
        return slot

    def put(self, name: str, value: Any, reads: int = 1) -> None:
        """Publish `value` as `name` for `reads` readers."""
        slot = self._slot(name)
        with self._guard:
            if self._failed:
                raise _Aborted
            if slot.done:
                raise RuntimeError(f"value '{name}' is put twice")
            slot.value = value
            slot.reads = reads
            slot.done = True
            slot.ready.release()

    def get(self, name: str) -> Any:
        """The value `name`, once some cluster has put it."""
        slot = self._slot(name)
        if not slot.done:
            slot.ready.acquire()
            slot.ready.release()
            if not slot.done:
                raise _Aborted
        with self._guard:
            if slot.reads <= 0:
                raise RuntimeError(f"value '{name}' is read more times than it was put for")
            value = slot.value
            slot.reads -= 1
            if slot.reads == 0:
                slot.value = None
        return value

    def fail(self) -> None:
        """Release every waiting `get`: the call has failed."""
        with self._guard:
            if self._failed:
                return
            self._failed = True
            for slot in self._slots.values():
                if not slot.done:
                    slot.ready.release()


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
    """Signals the end of one worker's chain, with its error if it failed."""

    def __init__(self) -> None:
        self.finished = threading.Lock()
        self.finished.acquire()
        self.error: BaseException | None = None

    def wait(self) -> BaseException | None:
        self.finished.acquire()
        return self.error


_Task = tuple[Sequence[Cluster], Exchange, _Done, bool, bool]
"""A chain, its exchange, its end signal, and the caller's inference and grad modes."""


def _serve(tasks: queue.SimpleQueue[_Task | None], threads: int) -> None:
    torch.set_num_threads(threads)
    while True:
        task = tasks.get()
        if task is None:
            return
        chain, exchange, done, inference, grad = task
        # Inference and grad modes are per thread: the workers take the caller's.
        with torch.inference_mode(inference), torch.set_grad_enabled(grad):
            done.error = _run_chain(chain, exchange)
        del task, chain, exchange
        done.finished.release()


def _run_chain(chain: Sequence[Cluster], exchange: Exchange) -> BaseException | None:
    for cluster in chain:
        try:
            cluster(exchange)
        except _Aborted:
            return None
        except BaseException as error:
            exchange.fail()
            return _located(error, cluster) if isinstance(error, Exception) else error
    return None


def _stop(tasks: Sequence[queue.SimpleQueue[_Task | None]]) -> None:
    for queue_ in tasks:
        queue_.put(None)


class Workers:
    """A persistent pool of `count - 1` threads; with the calling thread, `count` workers.

    Each worker uses `threads_per_worker(count)` intra-op threads (set on the calling thread
    for the duration of `run`), so workers times intra-op threads stays within the cores.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self.threads = threads_per_worker(count)
        self._lock = threading.Lock()
        self._queues: list[queue.SimpleQueue[_Task | None]] = [
            queue.SimpleQueue() for _ in range(count - 1)
        ]
        for index, tasks in enumerate(self._queues, start=1):
            thread = threading.Thread(
                target=_serve, args=(tasks, self.threads), name=f"ramiel-worker-{index}"
            )
            thread.daemon = True
            thread.start()
        self._finalizer = weakref.finalize(self, _stop, self._queues)

    def run(self, exchange: Exchange, *chains: Sequence[Cluster]) -> None:
        """Run chain i on worker i (chain 0 on this thread) and wait for all of them."""
        if len(chains) > self.count:
            raise ValueError(f"{len(chains)} chains for {self.count} workers")
        with self._lock:
            if not self._finalizer.alive:
                raise RuntimeError("the workers have been shut down")
            dones: list[_Done] = []
            modes = (torch.is_inference_mode_enabled(), torch.is_grad_enabled())
            for tasks, chain in zip(self._queues, chains[1:], strict=False):
                done = _Done()
                tasks.put((chain, exchange, done, *modes))
                dones.append(done)
            previous = torch.get_num_threads()
            if previous != self.threads:
                torch.set_num_threads(self.threads)
            errors: list[BaseException | None] = []
            try:
                errors.append(_run_chain(chains[0], exchange) if chains else None)
            finally:
                errors += [done.wait() for done in dones]
                if previous != self.threads:
                    torch.set_num_threads(previous)
        for error in errors:
            if error is not None:
                raise error

    def close(self) -> None:
        """Stop the threads now (they also stop when this object is freed)."""
        self._finalizer()


def _located(error: Exception, cluster: Cluster) -> ClusterError:
    """`error` as a `ClusterError` naming the op of `cluster` that raised it."""
    code = getattr(getattr(cluster, "__func__", cluster), "__code__", None)
    name = getattr(cluster, "__name__", "cluster")
    op = "?"
    tb: TracebackType | None = error.__traceback__
    while tb is not None:
        if code is not None and tb.tb_frame.f_code is code:
            line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
            op = _op_of_line(line)
        tb = tb.tb_next
    located = ClusterError(f"op '{op}' in {name} failed: {type(error).__name__}: {error}", op, name)
    located.__cause__ = error
    return located


def _op_of_line(line: str) -> str:
    """The op a generated line runs: the node named in its comment, else its target."""
    code, _, comment = line.partition("  # ")
    if comment:
        return comment.strip()
    match = re.match(r"\s*([\w, ]+?)\s*=(?!=)", code)
    return match.group(1).strip() if match else line
