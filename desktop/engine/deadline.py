"""One attempt's deadline: ``asyncio.timeout_at`` for the one way the engine uses it.

An attempt always has a deadline (a loop time, never None) and runs in its own task, so the
general timeout's states, checks and extra calls are more than the deadline's job; they cost
more per whole answer than the rest of the engine's bookkeeping of the attempt (issue 8).
What it does is the same: when the time comes the task is cancelled, and the cancellation
leaves the ``async with`` as :class:`TimeoutError` unless somebody else cancelled the task
too (then the cancellation goes on, as the person asked). :meth:`reschedule` moves the time.
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class Deadline:
    """``async with Deadline(when) as timer:``; ``timer.when()`` / ``timer.reschedule(t)``."""

    __slots__ = ("_cancelling", "_expired", "_handle", "_loop", "_task", "_when")

    def __init__(self, when: float) -> None:
        self._when = when
        self._expired = False
        self._handle: asyncio.TimerHandle | None = None

    def when(self) -> float:
        """The loop time it runs out at."""
        return self._when

    def reschedule(self, when: float) -> None:
        """Run out at ``when`` instead (at once, on the next loop turn, if it is past);
        does nothing once it ran out."""
        if self._expired:
            return
        self._when = when
        if self._handle is not None:
            self._handle.cancel()
        self._handle = self._loop.call_at(when, self._expire)

    async def __aenter__(self) -> Deadline:
        loop = self._loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        if task is None:  # pragma: no cover - an attempt always runs in a task
            raise RuntimeError("Deadline should be used inside a task")
        self._task = task
        self._cancelling = task.cancelling()
        self._handle = loop.call_at(self._when, self._expire)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if (
            self._expired
            and self._task.uncancel() <= self._cancelling
            and exc_type is asyncio.CancelledError
        ):
            raise TimeoutError from exc

    def _expire(self) -> None:
        self._expired = True
        self._handle = None
        self._task.cancel()
