"""The one database worker: every history, library and job call of the window runs here.

Why one thread: SQLite work must never run on the GUI thread (a streamed answer's write or a
big conversation's read would freeze the window), and several threads would only take turns
on the store's lock anyway. One thread also keeps calls in the order they were queued, so a
streamed chunk queued with :meth:`DbWorker.submit` is written before the final update that
is queued after it, without anyone waiting for the chunk.

A queued call always runs, even when the coroutine waiting for it is cancelled: a write
that was asked for (a job the provider accepted, a stopped answer's status) is never
dropped half-way through a cancellation. :meth:`DbWorker.close` drains the queue.

The command line uses the same worker through the same :class:`~desktop.services.Services`,
so there is one storage path everywhere.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

THREAD_NAME = "switchboard-db"


class DbWorker:
    """A single-thread queue for blocking store calls, awaited from the event loop."""

    def __init__(self, name: str = THREAD_NAME) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._closed = False

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on the worker and return its result (or raise its
        error). Cancelling the caller stops the wait, not the call."""
        future = self._pool.submit(fn, *args, **kwargs)
        return await asyncio.shield(asyncio.wrap_future(future))

    def submit(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Queue ``fn`` without waiting for it (streamed text); an error is logged."""
        future = self._pool.submit(fn, *args, **kwargs)
        future.add_done_callback(_log_failure)
        return future

    def start(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Queue ``fn`` and return its future, for a caller that waits on it its own way
        (and so hears of its error itself)."""
        return self._pool.submit(fn, *args, **kwargs)

    def close(self, *last: Callable[[], object]) -> None:
        """Run the ``last`` calls (closing the stores) after everything queued, then stop.

        Blocks until the queue is empty: only called when the app or command ends. A second
        call does nothing (the stores are closed already).
        """
        if self._closed:
            return
        self._closed = True
        for fn in last:
            self._pool.submit(fn).add_done_callback(_log_failure)
        self._pool.shutdown(wait=True)


def _log_failure(future: Future[Any]) -> None:
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.warning("A background database write failed: %s", exc, exc_info=exc)
