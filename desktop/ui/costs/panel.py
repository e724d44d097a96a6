"""Totals of estimated spending: today, this month (against the budget), by provider and by
task, and a small bar chart of the last days — in the Library and on the Providers page.

The figures come from the cost ledger the engine keeps (:mod:`desktop.engine.costs`):
:meth:`CostsPanel.refresh` runs a few aggregate queries over the ledger's ``at`` index in the
app's thread pool (about 50 ms for a year of 100,000 items here: too long for the GUI
thread) and hands the figures back through a queued signal, so no asyncio task is involved;
it runs when the page is shown or something new was made. The chart is QtCharts
(shipped with PySide6) in the palette's own colours, so it follows light and dark.
"""

from __future__ import annotations

import contextlib
import logging
import math
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QEvent, QMargins, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.core.cost_types import money_text
from desktop.core.table import Task, provider_label
from desktop.services import Services
from desktop.store.cost_ledger import CostLedger, CostTotal, day_start, month_start
from desktop.ui.widgets.labels import ElidedLabel, MutedLabel, bold_label

log = logging.getLogger(__name__)

CHART_DAYS = 14
TOP_ROWS = 5
TASK_WORDS = {
    Task.CHAT.value: "Chat",
    Task.TEXT_TO_IMAGE.value: "Pictures",
    Task.TEXT_TO_VIDEO.value: "Videos",
    Task.SPEECH_TO_TEXT.value: "Transcripts",
    Task.EMBEDDINGS.value: "Embeddings",
}


def axis_label_format(top: float) -> str:
    """The money axis's label format: enough decimals that its top tick shows two significant
    digits, so a month of tiny chat costs ($0.00000059) is not labelled "$0.000" three times."""
    if top >= 0.1 or top <= 0:
        return "$%.2f"
    decimals = min(10, math.ceil(-math.log10(top)) + 1)
    return f"$%.{decimals}f"


@dataclass
class Figures:
    today: float
    this_month: float
    days: list[tuple[str, float]]
    by_provider: list[CostTotal]
    by_task: list[CostTotal]
    by_model: list[CostTotal]


def _read_totals(ledger: CostLedger) -> Figures:
    """Everything the panel shows, read in one go (blocking: runs on the database worker)."""
    now = ledger.now()
    since = day_start(now - (CHART_DAYS - 1) * 86400)
    month = month_start(now)
    days = {t.key: t.usd for t in ledger.totals("day", since)}
    first = datetime.fromtimestamp(since)
    keys = [(first + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(CHART_DAYS)]
    return Figures(
        today=ledger.spent(day_start(now)),
        this_month=ledger.spent(month),
        days=[(k, days.get(k, 0.0)) for k in keys],
        by_provider=ledger.totals("provider", month),
        by_task=ledger.totals("task", month),
        by_model=ledger.totals("model", month),
    )


class CostsPanel(QWidget):
    """Today, this month, the budget, top providers and tasks, and a chart of recent days.

    Signals:
        updated(): the figures were read and shown (tests wait for it).
    """

    _loaded = Signal(object)
    updated = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)
        top = QHBoxLayout()
        top.addWidget(bold_label("What it cost", self))
        self.summary = QLabel("", self)
        self.summary.setAccessibleName("Spending summary")
        top.addWidget(self.summary, 1)
        outer.addLayout(top)
        self.budget_note = QLabel("", self)
        self.budget_note.setWordWrap(True)
        self.budget_note.hide()
        outer.addWidget(self.budget_note)
        body = QHBoxLayout()
        self.tables = QGridLayout()
        self.tables.setHorizontalSpacing(8)
        self.tables.setVerticalSpacing(2)
        self.table_holder = QWidget(self)
        self.table_holder.setLayout(self.tables)
        body.addWidget(self.table_holder, 2)
        self.chart = QChart()
        self.chart.legend().hide()
        self.chart.setMargins(QMargins(0, 0, 0, 0))
        self.chart.setBackgroundRoundness(0)
        self.chart_view = QChartView(self.chart, self)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(150)
        self.chart_view.setMinimumWidth(240)  # 14 two-digit day labels still fit
        self.chart_view.setAccessibleName(f"Spending over the last {CHART_DAYS} days")
        body.addWidget(self.chart_view, 3)
        outer.addLayout(body)
        self.footnote = MutedLabel(
            "Estimates from published prices; Hugging Face and the providers bill the real "
            "amounts. Failed attempts cost nothing.",
            self,
        )
        self.footnote.setWordWrap(True)
        outer.addWidget(self.footnote)
        self.days: list[tuple[str, float]] = []
        self.by_provider: list[CostTotal] = []
        self.by_task: list[CostTotal] = []
        self.by_model: list[CostTotal] = []
        self._style_chart()
        self._loaded.connect(self._on_loaded)

    # --- Data ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the totals again (on the database worker) and redraw when they arrive."""
        ledger = self.services.engine.costs.ledger
        if ledger is None:
            self.summary.setText("No totals: the cost ledger could not be opened.")
            return
        try:
            future = self.services.db.start(_read_totals, ledger)
        except RuntimeError:  # the worker is shut down: the app is closing
            return
        future.add_done_callback(self._deliver)

    def _deliver(self, future: Future[Figures]) -> None:
        """On the database worker: hand the figures to the GUI thread (a queued signal)."""
        if future.cancelled() or future.exception() is not None:
            log.warning("Could not read the cost totals: %s", future.exception())
            return
        with contextlib.suppress(RuntimeError):  # the panel was deleted meanwhile
            self._loaded.emit(future.result())

    def _on_loaded(self, figures: Figures) -> None:
        # The form hints' budget note reads this figure instead of the ledger.
        self.services.engine.costs.last_month_spent = figures.this_month
        self.days = figures.days
        self.by_provider = figures.by_provider
        self.by_task = figures.by_task
        self.by_model = figures.by_model
        self._show(figures.today, figures.this_month)

    def _show(self, today: float, this_month: float) -> None:
        budget = self.services.engine.costs.budget_check(spent=this_month)
        month_text = f"This month {money_text(this_month)}"
        if budget.budget:
            month_text += f" of {money_text(budget.budget, approx=False)}"
        self.summary.setText(f"Today {money_text(today)} · {month_text}")
        if budget.level in ("warn", "over"):
            self.budget_note.setText(budget.message)
            self.budget_note.setStyleSheet("color: #b26a00;")
            self.budget_note.show()
        else:
            self.budget_note.hide()
        self._fill_tables()
        self._fill_chart()
        self.updated.emit()

    def _fill_tables(self) -> None:
        while self.tables.count():
            item = self.tables.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        columns = (
            (
                "By provider",
                [(provider_label(t.key) if t.key else "?", t) for t in self.by_provider],
            ),
            ("By task", [(TASK_WORDS.get(t.key, t.key), t) for t in self.by_task]),
            ("By model", [(t.key.rsplit("/", 1)[-1], t) for t in self.by_model]),
        )
        for col, (title, rows) in enumerate(columns):
            holder = self.table_holder
            self.tables.addWidget(MutedLabel(title + " (this month)", holder), 0, col * 2, 1, 2)
            if not rows:
                self.tables.addWidget(MutedLabel("nothing yet", holder), 1, col * 2)
            for row, (label, total) in enumerate(rows[:TOP_ROWS], 1):
                self.tables.addWidget(ElidedLabel(label, holder), row, col * 2)
                amount = QLabel(money_text(total.usd), holder)
                amount.setAlignment(Qt.AlignmentFlag.AlignRight)
                amount.setToolTip(f"{total.count} item(s)")
                self.tables.addWidget(amount, row, col * 2 + 1)
        self.tables.setRowStretch(TOP_ROWS + 1, 1)

    def _fill_chart(self) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        bars = QBarSet("USD")
        bars.setColor(self.palette().color(QPalette.ColorRole.Highlight))
        for _key, usd in self.days:
            bars.append(usd)
        series = QBarSeries()
        series.append(bars)
        self.chart.addSeries(series)
        labels = QBarCategoryAxis()
        labels.append([k[8:] for k, _ in self.days])  # day of the month: unique in 14 days
        values = QValueAxis()
        top = max([usd for _, usd in self.days] + [0.0])
        values.setRange(0.0, top * 1.15 if top > 0 else 0.01)
        values.setLabelFormat(axis_label_format(top * 1.15 if top > 0 else 0.01))
        values.setTickCount(3)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        for axis in (labels, values):
            axis.setLabelsColor(text)
            axis.setGridLineVisible(axis is values)
        self.chart.addAxis(labels, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(labels)
        series.attachAxis(values)

    def _style_chart(self) -> None:
        palette = self.palette()
        self.chart.setBackgroundBrush(palette.color(QPalette.ColorRole.Window))
        self.chart_view.setBackgroundBrush(palette.color(QPalette.ColorRole.Window))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._style_chart()
            if self.days:
                self._fill_chart()
