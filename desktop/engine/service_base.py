"""What the task services share: the engine they route through and the stores they keep to.

:class:`ChatService`, :class:`ImageService`, :class:`TranscribeService` and
:class:`EmbedService` each run one kind of task through the :class:`~desktop.engine.router.Engine`
and keep the outcome in the history and media stores. Every history call goes through the
one database worker ``db`` (never the event loop's thread); other blocking work (files,
Pillow, JSON) runs on ``executor`` (``None``: the loop's default one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Generic, TypeVar

from desktop.core.errors import SwitchboardError
from desktop.core.table import Task
from desktop.core.trace import Trace
from desktop.core.vocab import FixAction
from desktop.engine.attempts import ResultOutcome, WorkFn, attempt_result
from desktop.engine.failover import AttemptContext, failure_message
from desktop.engine.router import AttemptCallback, Engine
from desktop.store.history import HistoryStore
from desktop.store.media import MediaStore
from desktop.store.worker import DbWorker

T = TypeVar("T")


@dataclass
class Produced(Generic[T]):
    """What one routed result task gave: the validated value and who made it, or why not
    (``error``, one sentence, and ``action``, the button to offer with it)."""

    value: T | None = None
    provider: str | None = None
    provider_model: str | None = None
    error: str | None = None
    action: FixAction | None = None


class StoredTaskService:
    """Holds the engine, the history and media stores, the database worker and the executor
    for other blocking work."""

    def __init__(
        self,
        engine: Engine,
        history: HistoryStore,
        media: MediaStore,
        db: DbWorker,
        executor: Executor | None = None,
    ) -> None:
        self.engine = engine
        self.history = history
        self.media = media
        self.db = db
        self._executor = executor

    async def _off_loop(self, fn: Callable[..., T], *args: object) -> T:
        """Run blocking ``fn(*args)`` on the executor and wait for it."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def _produce(
        self,
        task: Task,
        model: str,
        policy: str,
        work: WorkFn[T],
        *,
        trace: Trace,
        first_deadline_s: float,
        on_attempt: AttemptCallback | None,
    ) -> Produced[T]:
        """Route ``task`` with ``work`` as each candidate's attempt (see
        :func:`~desktop.engine.attempts.attempt_result`); never raises for a routing failure."""

        async def attempt(ctx: AttemptContext) -> ResultOutcome[T]:
            return await attempt_result(ctx, work)

        try:
            routed = await self.engine.run_task(
                task,
                model,
                policy,
                attempt,
                trace=trace,
                first_deadline_s=first_deadline_s,
                on_attempt=on_attempt,
            )
        except SwitchboardError as exc:
            return Produced(error=str(exc), action=exc.action)
        outcome, cand = routed.outcome, routed.candidate
        if outcome is None or outcome.value is None or cand is None:
            error, action = failure_message(trace, routed.failures)
            return Produced(error=error, action=action)
        return Produced(outcome.value, trace.answered_by or cand.provider, cand.provider_model)
