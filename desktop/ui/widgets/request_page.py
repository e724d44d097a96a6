"""The skeleton of a "text in → result" tab (Speech, Embeddings): one routed request at a time.

Why a skeleton: both tabs send one request (audio, texts) with the chosen model and provider,
show it travelling (the routing badge goes live, the elapsed time ticks beside the Run
button), say a failure with its fix in the message bar, and keep every finished run in an
"Earlier …" list that reopens it from the library. Their layouts differ, so the skeleton
makes the shared parts (:attr:`~RequestPage.badge`, :attr:`~RequestPage.elapsed`,
:attr:`~RequestPage.history_list`, the Run button) and each tab places them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.core.media_types import MediaResult
from desktop.core.table import Task
from desktop.core.trace import AttemptRecord
from desktop.core.vocab import Status
from desktop.services import Services
from desktop.ui.past_runs import PastRunsList
from desktop.ui.widgets import task_page
from desktop.ui.widgets.labels import MutedLabel
from desktop.ui.widgets.routing_badge import RoutingBadge
from desktop.ui.widgets.routing_words import clock, live_text

HISTORY_LIMIT = 50


class ElapsedClock(QObject):
    """ "Computing… 0:07" in ``label``, ticking while a request runs; hidden otherwise."""

    def __init__(self, label: MutedLabel, verb: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.verb = verb
        self.started_at: float | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(200)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.started_at = time.monotonic()
        self.tick()
        self.label.show()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.label.hide()
        self.started_at = None

    def tick(self) -> None:
        if self.started_at is not None:
            self.label.setText(f"{self.verb}… {clock(time.monotonic() - self.started_at)}")


class RequestPage(task_page.TaskPage):
    """One request at a time, its route shown live, earlier runs one click away.

    A subclass makes the shared parts where it lays them out (:meth:`_make_run_parts`,
    :meth:`_make_history_list`, ``_make_message_bar``), implements :meth:`run` (sending
    through :meth:`_send`) and :meth:`_open_record`, and :meth:`_export` when it exports.

    Attributes:
        run_button: the primary action ("Cancel" while a request runs).
        elapsed: "Transcribing… 0:07" beside it; badge: the route of the last request.
        history_list: the earlier runs (choosing one opens it).
        record_id: the library row shown, if any.
    """

    def __init__(
        self,
        services: Services,
        task: Task,
        name: str,
        *,
        run_text: str,
        verb: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services, task, name, parent)
        self.record_id: int | None = None
        self._run_text, self._verb = run_text, verb

    # --- Building -------------------------------------------------------------------------

    def _make_run_parts(self, parent: QWidget) -> None:
        """The Run button, the elapsed time beside it and the routing badge."""
        self.run_button = task_page.run_button(
            self._run_text, parent, self.scope, self.scope.name, self.run
        )
        self.elapsed = MutedLabel("", parent)
        self.badge = RoutingBadge(parent)
        self._elapsed = ElapsedClock(self.elapsed, self._verb, self)

    def _make_history_column(self, title: str) -> QWidget:
        """The left column of a request page: ``title`` over the list of earlier runs."""
        column = QWidget(self)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(MutedLabel(title, column))
        layout.addWidget(self._make_history_list(column), 1)
        return column

    def _make_history_list(self, parent: QWidget) -> PastRunsList:
        """The earlier runs; choosing one opens it."""
        self.history_list = PastRunsList(parent)
        self.history_list.chosen.connect(self.open_record)
        return self.history_list

    # --- Public API -----------------------------------------------------------------------

    def choose_file(self) -> None:
        """Ask for the input file (a dialog that does not block the loop)."""
        self.scope.spawn(self._choose_file(), slot="pick")

    def export(self, key: str) -> None:
        """Ask where, then write the result in export format ``key``."""
        self.scope.spawn(self._export(key), slot="export")

    def open_record(self, record_id: int) -> None:
        """Show an earlier run from the library."""
        self.scope.spawn(self._open_record(record_id), slot="open-record")

    def reload_history(self) -> None:
        self.scope.spawn(self._reload_history(), slot="history")

    async def aclose(self) -> None:
        self._elapsed.timer.stop()
        await super().aclose()

    # --- Work -----------------------------------------------------------------------------

    async def _send(
        self, work: Awaitable[MediaResult], *, sending: str, stopped: str, failed: str
    ) -> MediaResult | None:
        """Await one routed request with the badge live and the clock ticking.

        Returns the result when it is complete; otherwise says why (with its fix) and
        returns None. Cancelled: says ``stopped`` and the cancel goes on up."""
        self.message_bar.clear()
        self.badge.set_live(sending)
        self._elapsed.start()
        try:
            result = await work
        except asyncio.CancelledError:
            self.badge.clear()
            self.message_bar.show_info(stopped)
            raise
        finally:
            self._elapsed.stop()
        self.badge.set_trace(result.trace, duration_ms=result.duration_ms)
        if result.status != Status.COMPLETE:
            self.message_bar.show_error(result.error or failed, result.error_action)
            return None
        return result

    def _on_attempt(self, record: AttemptRecord) -> None:
        self.badge.set_live(live_text(record))

    async def _reload_history(self) -> None:
        rows = await self.services.db.run(
            lambda: self.services.history.list_generations(
                self.task.value, HISTORY_LIMIT, status=Status.COMPLETE
            )
        )
        self.history_list.set_runs(rows)
        if self.record_id is not None:
            self.history_list.select_id(self.record_id)

    def _record_gone(self, text: str) -> None:
        """The run asked for is not in the library any more: say so, list what is."""
        self.message_bar.show_error(text)
        self.reload_history()

    async def _choose_file(self) -> None:
        raise TypeError(f"{type(self).__name__} must define _choose_file()")

    async def _export(self, key: str) -> None:
        raise TypeError(f"{type(self).__name__} must define _export()")

    async def _open_record(self, record_id: int) -> None:
        raise TypeError(f"{type(self).__name__} must define _open_record()")
