"""Running the reviews: here one after another, in worker processes that each review one
athlete at a time (an athlete whose process dies is tried again in a new one, up to
:data:`ATTEMPTS` times), or on a Dask cluster, whose scheduler retries on its own."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import multiprocessing.process
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import RunlogError
from ..load import _exit_when_orphaned
from .index import Outcome
from .review import Job, review_athlete

#: How many times an athlete is tried when the process reviewing them dies.
ATTEMPTS = 2


def cpu_count() -> int:
    """Cores this process may use (a container or taskset may allow fewer than the machine
    has)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def on_this_machine(work: list[Job], jobs: int, retried: list[tuple[str, str]],
                     tick: Callable[[int, int], None]) -> list[Outcome]:
    if jobs <= 1 or len(work) <= 1:
        outcomes = []
        for job in work:
            outcomes.append(review_athlete(job))
            tick(len(outcomes), len(work))
        return outcomes
    with _Workers(min(jobs, len(work))) as workers:
        return workers.review(work, retried, tick)


class _Workers:
    """Processes that review one athlete at a time each, for as long as there is work.

    Each process is fed one job at a time, so when one dies (killed, out of memory) this
    process knows whose review died with it: that athlete alone is queued again, for a new
    process, up to :data:`ATTEMPTS` times, and the others go on. (A ProcessPoolExecutor
    breaks as a whole when one of its processes dies, failing every athlete in flight.)
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.context = _process_context()
        self.live: list[_Worker] = []

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        # Done: each process is told to stop. Interrupted (Ctrl-C) or failed: each is stopped
        # at once; a review cut short leaves its store whole (every write is a transaction).
        for worker in self.live:
            if kind is None:
                worker.stop()
            else:
                worker.process.terminate()
        for worker in self.live:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self.live.clear()

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(theirs,), daemon=True,
                                       name="runlog-batch-worker")
        with _without_sigint():
            process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self.live.append(worker)
        return worker

    def _forget(self, worker: _Worker) -> None:
        self.live.remove(worker)
        worker.connection.close()

    def review(self, work: list[Job], retried: list[tuple[str, str]],
               tick: Callable[[int, int], None]) -> list[Outcome]:
        """Each job's outcome, in the jobs' order; (athlete, why) appended to ``retried`` for
        each review tried again."""
        queue = deque(range(len(work)))
        tries = [0] * len(work)
        outcomes: dict[int, Outcome] = {}
        idle = [self._start() for _ in range(self.size)]
        busy: dict[_Worker, int] = {}
        while len(outcomes) < len(work):
            while idle and queue:
                worker, index = idle.pop(), queue.popleft()
                try:
                    worker.connection.send(work[index])
                except OSError:  # it died waiting for work: no try lost, a new one takes it
                    worker.ended()
                    self._forget(worker)
                    queue.appendleft(index)
                    idle.append(self._start())
                    continue
                tries[index] += 1
                busy[worker] = index
            ready = set(multiprocessing.connection.wait(
                [w.connection for w in busy] + [w.process.sentinel for w in busy]))
            for worker in [w for w in busy if {w.connection, w.process.sentinel} & ready]:
                index = busy.pop(worker)
                try:
                    outcomes[index] = worker.connection.recv()
                    tick(len(outcomes), len(work))
                except (EOFError, OSError):  # it died before it could answer
                    why = worker.ended()
                    self._forget(worker)
                    name = work[index].athlete.name
                    if tries[index] < ATTEMPTS:
                        retried.append((name, why))
                        queue.append(index)
                    else:
                        outcomes[index] = Outcome(
                            name, "failed", reason=f"its worker process died {tries[index]} "
                            f"times while reviewing this athlete (the last: {why})")
                        tick(len(outcomes), len(work))
                    if queue:
                        idle.append(self._start())
                else:
                    idle.append(worker)
        return [outcomes[index] for index in range(len(work))]


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: multiprocessing.connection.Connection

    def stop(self) -> None:
        try:
            self.connection.send(None)
        except OSError:  # it is gone already
            pass

    def ended(self) -> str:
        """How the process ended, in words, once it has."""
        self.process.join(timeout=10)
        code = self.process.exitcode
        if code is None:  # it closed its end but lives on: end it
            self.process.kill()
            self.process.join()
            return "it stopped answering"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"it exited with code {code}"


@contextmanager
def _without_sigint() -> Iterator[None]:
    """Ctrl-C ignored while a worker starts: a forked one keeps ignoring it, and a spawned
    Python installs no KeyboardInterrupt handler when it starts with it ignored. Ctrl-C
    reaches every process in the terminal's group; only the batch's own process should
    answer it (stopping the workers), not each worker with a traceback of its own."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _serve(connection: multiprocessing.connection.Connection) -> None:
    """A worker: review each job sent until told to stop (None) or the batch is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A batch killed with SIGKILL cannot stop its workers (and a forked worker holds copies
    # of the pipes' other ends, so it would wait for work for ever): each leaves on its own.
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True,
                     name="runlog-parent-watch").start()
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        outcome = review_athlete(job)
        try:
            connection.send(outcome)
        except OSError:
            return


def _process_context() -> (multiprocessing.context.ForkContext
                           | multiprocessing.context.SpawnContext):
    """fork where it is safe, else spawn. A forked worker starts at once with runlog already
    imported (spawn imports pandas and matplotlib again in each, about 2 s); but a fork of a
    process with other threads (a Dask client, a notebook kernel) can inherit a held lock and
    hang, and macOS forbids fork after some system calls."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def on_dask(work: list[Job], address: str, tick: Callable[[int, int], None]
             ) -> list[Outcome]:
    try:
        from dask.distributed import Client
        from distributed.comm.addressing import resolve_address
    except ImportError:
        raise RunlogError("--scheduler needs Dask's distributed scheduler, which is not "
                          "installed: pip install 'runlog[dask]'") from None
    try:
        # checked first: a Client that fails on a malformed address prints a traceback later
        resolve_address(address)
        # distributed leaves Client.__init__ without annotations
        client = Client(address, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise RunlogError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    with client:
        # pure=False: the same job run again must read the files again, not reuse a result
        # the cluster still holds from an earlier batch. A worker that dies mid-review is
        # the scheduler's to handle: it gives the athlete to another worker, up to its
        # allowed-failures (the README's scheduler command makes that two tries in all).
        futures = client.map(review_athlete, work, pure=False)
        return _gather(work, futures, tick)


def _gather(work: list[Job], futures: Iterable[Future[Outcome] | Any],
            tick: Callable[[int, int], None] = lambda done, total: None) -> list[Outcome]:
    """Each job's outcome; a job the cluster gave up on fails alone."""
    outcomes = []
    for job, future in zip(work, futures):
        try:
            outcomes.append(future.result())
        except Exception as exc:  # noqa: BLE001 - the others' results still count
            if type(exc).__name__ == "KilledWorker":  # its message names Dask's task key
                reason = ("its Dask worker died each time it reviewed this athlete "
                          "(KilledWorker: the scheduler's allowed-failures were used up)")
            else:
                reason = f"its Dask worker failed: {type(exc).__name__}: {exc}"
            outcomes.append(Outcome(job.athlete.name, "failed", reason=reason))
        tick(len(outcomes), len(work))
    return outcomes
