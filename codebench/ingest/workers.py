"""The worker processes of segmentation: a fork pool that hands back to this process on failure.

Forked workers inherit what the parent has loaded (above all the spaCy
pipeline), so only work items and results cross between processes. Each
worker runs an ``initializer`` first; one that loads the pipeline lets the
workers load spaCy while the parent does something else (reads a large
file). The pool is :class:`concurrent.futures.ProcessPoolExecutor` because
it notices a worker that dies (``multiprocessing.Pool`` waits for it
forever). Whatever goes wrong in the pool (a worker died, a result could
not be sent, the work raised), :meth:`WorkerPool.map` does the rest of the
items in this process, where real errors surface as they would without a
pool.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Self, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

#: True in a pool's worker process, which must not start pools of its own.
_in_worker = False


def worker_count() -> int:
    """Processes to split work across (``CODEBENCH_WORKERS`` overrides).

    1 where fork is unavailable and inside a worker (a pool of pools would
    only compete for the same cores).
    """
    import multiprocessing

    if (
        _in_worker
        or "fork" not in multiprocessing.get_all_start_methods()
        or multiprocessing.current_process().daemon
    ):
        return 1
    setting = os.environ.get("CODEBENCH_WORKERS")
    if setting and setting.isdigit():
        return max(1, int(setting))
    return min(os.cpu_count() or 1, 4)


def _start_worker(initializer: Callable[[], None] | None) -> None:
    """Run first in each worker: mark it, leave Ctrl-C to the parent, then ``initializer``.

    An initializer that fails is ignored: the worker's first item fails the
    same way, and the parent then does that work itself (and reports the error).
    """
    global _in_worker
    _in_worker = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        with contextlib.suppress(Exception):  # see the docstring
            initializer()


def _nothing() -> None:
    """A first task: submitting it forks the workers (they start on first use)."""


class WorkerPool:
    """``workers`` forked processes; none (everything in this process) for 0, or where
    :func:`worker_count` allows no processes (``CODEBENCH_WORKERS=1``, no fork, inside a worker).

    Use as a context manager: the processes start on :meth:`start` (or the
    first :meth:`map`) and never outlive the ``with`` block.
    """

    def __init__(self, workers: int, initializer: Callable[[], None] | None = None) -> None:
        self.workers = workers
        self.initializer = initializer
        self._executor: ProcessPoolExecutor | None = None
        self._used = False
        self._failed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        self.close(stop=exc_type is not None)

    @property
    def running(self) -> bool:
        """Whether worker processes are up (work is sent to them)."""
        return self._executor is not None

    def start(self) -> None:
        """Fork the workers now, so their ``initializer`` runs while the parent goes on."""
        if self._executor is not None or self._failed or self.workers < 1 or worker_count() <= 1:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._executor = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(self.initializer,),
        )
        self._executor.submit(_nothing)

    def map(
        self, function: Callable[[T], R], items: Iterable[T], chunksize: int = 1
    ) -> Iterator[R]:
        """``function`` over ``items``, results in order, as soon as each is ready.

        In the workers when they are up (:meth:`start` is called if needed);
        without workers, and from the pool's first failure on (for this and
        any later call), in this process.
        ``function`` must be picklable by name (a module-level function or a
        :func:`functools.partial` of one).
        """
        pending = list(items)
        done = 0
        self.start()
        if self._executor is not None:
            self._used = True
            try:
                for result in self._executor.map(function, pending, chunksize=chunksize):
                    yield result
                    done += 1
            except Exception:  # noqa: BLE001 - see the module docstring: the rest is done here
                self._failed = True
                self.close(stop=True)
        for item in pending[done:]:
            yield function(item)

    def close(self, stop: bool = False) -> None:
        """Shut the workers down; ``stop`` (or a pool never given work) ends them at once.

        A pool started only to load spaCy in the background may still be
        loading it: waiting would cost the caller that second for nothing.
        """
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if stop or not self._used:
            # ProcessPoolExecutor has no public way to end its workers before 3.14.
            for process in list(getattr(executor, "_processes", {}).values()):
                process.terminate()
        executor.shutdown(wait=True, cancel_futures=True)
