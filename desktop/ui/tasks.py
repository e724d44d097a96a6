"""Task ownership for widgets, and dialogs that never start a nested event loop.

Why (style.md §2.2, §2.5): ``qasync.asyncSlot`` hides the task it starts, so nothing could
cancel a send or a search when the user presses Stop or closes the window. Every widget that
starts work therefore owns a :class:`TaskScope`: tasks started through it can be superseded
by name ("newest search wins") and are all cancelled together when the widget goes away.
``QDialog.exec()`` inside a coroutine would run a nested event loop inside a task step and
break every other task, so :func:`run_dialog` opens dialogs with ``open()`` and awaits a
future instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtWidgets import QDialog

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskScope:
    """Owns the tasks started for one widget; cancels them together.

    Exceptions other than cancellation are handed to ``sys.excepthook`` (the app's one error
    funnel), because a task nobody awaits would otherwise lose them silently.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        with contextlib.suppress(RuntimeError):  # created by plain code: bound at first spawn
            self._loop = asyncio.get_running_loop()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._slots: dict[str, asyncio.Task[Any]] = {}
        self._closed = False
        self.context_for: Callable[[], contextvars.Context | None] | None = None
        """Gives the context new tasks run in (None: a copy of the caller's, as usual); a
        tab's "Bill to" sets it so every request the tab starts bills its account."""

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` started: new work is refused."""
        return self._closed

    def spawn(self, coro: Coroutine[Any, Any, T], *, slot: str | None = None) -> asyncio.Task[T]:
        """Start ``coro`` as a task owned by this scope.

        With ``slot``, a task already running under the same name is cancelled first: the
        newest request wins (a new search replaces the old one).
        """
        if self._closed:
            coro.close()
            raise RuntimeError(f"task scope {self.name!r} is closed")
        if slot is not None and (previous := self._slots.get(slot)) is not None:
            previous.cancel()
        context = self.context_for() if self.context_for is not None else None
        task = self._event_loop(coro).create_task(coro, context=context)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)
        if slot is not None:
            self._slots[slot] = task
        return task

    def _event_loop(self, coro: Coroutine[Any, Any, Any]) -> asyncio.AbstractEventLoop:
        """The running loop, remembered; a scope keeps using it when called from plain code
        between loop runs (tests drive the loop step by step). A scope that never saw a
        running loop (its page was built on first use, between loop runs) takes the thread's
        current loop, the one the app's runner set."""
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            if self._loop is None:
                with contextlib.suppress(RuntimeError):
                    self._loop = asyncio.get_event_loop_policy().get_event_loop()
            if self._loop is None or self._loop.is_closed():
                coro.close()
                raise
        return self._loop

    def running(self, slot: str) -> asyncio.Task[Any] | None:
        """The unfinished task in ``slot``, if any."""
        task = self._slots.get(slot)
        return task if task is not None and not task.done() else None

    def cancel(self, slot: str) -> bool:
        """Cancel the task in ``slot``; True if there was one still running."""
        task = self.running(slot)
        if task is None:
            return False
        task.cancel()
        return True

    async def aclose(self, timeout: float = 2.0) -> None:  # noqa: ASYNC109 (bounded wait, by design)
        """Cancel every task and wait (at most ``timeout`` seconds) for them to finish."""
        self._closed = True
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            _, still = await asyncio.wait(pending, timeout=timeout)
            for task in still:
                log.warning("Task %r in scope %r did not stop in %.1f s", task, self.name, timeout)

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        for name, owner in list(self._slots.items()):
            if owner is task:
                del self._slots[name]
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            sys.excepthook(type(exc), exc, exc.__traceback__)


async def run_dialog(dialog: QDialog) -> int:
    """Show ``dialog`` window-modally with ``open()`` and wait for its result code.

    No nested event loop runs, so other tasks keep going. If the awaiting task is cancelled
    (the window closes), the dialog is rejected so it does not linger.
    """
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(code: int) -> None:
        if not done.done():
            done.set_result(code)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await done
    except asyncio.CancelledError:
        dialog.reject()
        raise
    finally:
        with contextlib.suppress(RuntimeError, TypeError):  # the dialog may be gone already
            dialog.finished.disconnect(finished)
