"""Who made a result, what failed before, and the whole routing story one click away.

Why on every tab (DESIGN §1a, desktop-apps.md §3 "Honest routing"): a result is labelled with
the provider that actually delivered it ("via fal · 2.1 s") and, when another provider failed
first, the short story ("Together AI 429 → fal ✓"). "Details" opens the trace as a table —
each attempt with provider, route, HTTP status, outcome, message, timings and Retry-After, and
the candidates that were skipped with the reason — so nobody has to read a log.

Use::

    badge = RoutingBadge(parent)
    badge.set_live("fal is working on it…")       # while a request runs
    badge.set_trace(trace, duration_ms=2100)        # when it ended (or a stored row's trace)
    badge.clear()
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.cost_types import Cost
from desktop.core.trace import Trace
from desktop.store.history import StoredGeneration
from desktop.ui.widgets.generation_text import stored_trace
from desktop.ui.widgets.labels import MutedLabel
from desktop.ui.widgets.routing_words import (
    ATTEMPT_HEADERS,
    attempt_rows,
    badge_text,
    badge_tooltip,
    failover_text,
    routing_notes,
    skipped_notes,
    winners,
)

_MESSAGE_COLUMN = ATTEMPT_HEADERS.index("Message")


class TraceTable(QTableWidget):
    """The attempts of one trace, read-only, as tall as its rows (no inner scrolling)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(ATTEMPT_HEADERS), parent)
        self.setHorizontalHeaderLabels(list(ATTEMPT_HEADERS))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)  # one line per attempt; the full message is in its tooltip
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_MESSAGE_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Providers tried")

    def show_trace(self, trace: Trace) -> None:
        rows = attempt_rows(trace)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                item = QTableWidgetItem(cell)
                item.setToolTip(cell if c == _MESSAGE_COLUMN else "")
                self.setItem(r, c, item)
        self.resizeRowsToContents()
        height = self.horizontalHeader().height() + 2 * self.frameWidth()
        height += sum(self.rowHeight(r) for r in range(self.rowCount()))
        self.setFixedHeight(height)

    def cell_text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""


class RoutingBadge(QWidget):
    """One muted line (badge, failover story, Details) above an optional trace table.

    Attributes:
        label: "via fal · 2.1 s" (or the live status while a request runs).
        failover: "Together AI 429 → fal ✓", hidden when nothing failed.
        details_button: shows/hides :attr:`table` and :attr:`skipped`.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._trace: Trace | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(10)
        self.label = MutedLabel("", self)
        self.label.setObjectName("badge")
        line.addWidget(self.label)
        self.failover = MutedLabel("", self)
        self.failover.setObjectName("failover")
        self.failover.setToolTip("Providers tried before the one that delivered")
        self.failover.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        line.addWidget(self.failover, 1)
        self.details_button = QToolButton(self)
        self.details_button.setText("Details")
        self.details_button.setToolTip("Show every provider that was considered and tried")
        self.details_button.setCheckable(True)
        self.details_button.setAutoRaise(True)
        self.details_button.toggled.connect(self._on_details_toggled)
        line.addWidget(self.details_button)
        column.addLayout(line)
        self.table = TraceTable(self)
        self.table.hide()
        column.addWidget(self.table)
        self.skipped = MutedLabel("", self)
        self.skipped.setWordWrap(True)
        self.skipped.hide()
        column.addWidget(self.skipped)
        self.clear()

    # --- Public API -----------------------------------------------------------------------

    @property
    def trace(self) -> Trace | None:
        return self._trace

    def clear(self) -> None:
        """Nothing to show: the whole badge hides."""
        self._trace = None
        self.label.setText("")
        self.label.setToolTip("")
        self.failover.setText("")
        self.details_button.setChecked(False)
        self.details_button.hide()
        self.hide()

    def set_live(self, text: str) -> None:
        """A short status while a request runs ("fal is working on it…")."""
        self.show()
        self.label.setText(text)
        self.label.setToolTip("")

    def set_trace(
        self,
        trace: Trace | None,
        *,
        duration_ms: float | None = None,
        providers: Sequence[str] | None = None,
    ) -> None:
        """Show a finished request: who delivered (from the trace unless ``providers`` is
        given), how long it took, what failed first; Details fills from ``trace``."""
        self._trace = trace
        who = list(providers) if providers is not None else winners(trace)
        text = badge_text(who, duration_ms)
        cost = Cost.from_dict(trace.cost) if trace is not None else None
        if text and cost is not None:
            text += f" · {cost.short()}"  # the estimate; its basis is in the Details
        story = failover_text(trace)
        first = trace.first_choice_skipped() if trace is not None else ""
        if first:
            story = f"{first}. {story}" if story else first + "."
        has_attempts = bool(trace is not None and (trace.attempts or skipped_notes(trace)))
        self.label.setText(text)
        self.label.setToolTip(badge_tooltip(trace, who))
        self.failover.setText(story)
        self.failover.setVisible(bool(story))
        self.details_button.setVisible(has_attempts)
        if self.details_button.isChecked():
            self._fill()
        self.setVisible(bool(text or story or has_attempts))

    def set_stored(self, gen: StoredGeneration) -> None:
        """Show how a stored generation was routed (its trace, provider and duration)."""
        self.set_trace(
            stored_trace(gen),
            duration_ms=gen.duration_ms,
            providers=[gen.provider] if gen.provider else None,
        )

    def text(self) -> str:
        """The badge line as a person reads it (badge, then the failover story)."""
        return "  ".join(p for p in (self.label.text(), self.failover.text()) if p)

    # --- Internals ------------------------------------------------------------------------

    def _fill(self) -> None:
        trace = self._trace
        if trace is None:
            self.table.setRowCount(0)
            self.skipped.setText("")
            return
        self.table.show_trace(trace)
        notes = skipped_notes(trace)
        text = "Not tried: " + "; ".join(notes) + "." if notes else ""
        self.skipped.setText(" ".join([*routing_notes(trace), text]).strip())

    def _on_details_toggled(self, shown: bool) -> None:
        if shown:
            self._fill()
        self.table.setVisible(shown and self.table.rowCount() > 0)
        self.skipped.setVisible(shown and bool(self.skipped.text()))
        self.details_button.setText("Hide details" if shown else "Details")
