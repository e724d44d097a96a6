"""Totals of estimated spending: today, this month (against the budget), by provider and by
task, and a small bar chart of the last days — in the Library and on the Providers page.

The figures come from the cost ledger the engine keeps (:mod:`desktop.engine.costs`):
:meth:`CostsPanel.refresh` runs five small aggregate queries over an indexed table (well under
a frame even for years of rows), so it reads them directly rather than starting a task, and is
called whenever the page is shown or something new was made. The chart is QtCharts (shipped with PySide6) with the palette's
own colours, so it follows light and dark.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QEvent, QMargins, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.core.cost_types import money_text
from desktop.core.table import Task, provider_label
from desktop.services import Services
from desktop.store.cost_ledger import CostTotal, day_start
from desktop.ui.widgets.labels import MutedLabel, bold_label

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


class CostsPanel(QWidget):
    """Today, this month, the budget, top providers and tasks, and a chart of recent days."""

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
        self.tables.setHorizontalSpacing(12)
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

    # --- Data ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the totals again and redraw."""
        meter = self.services.engine.costs
        ledger = meter.ledger
        if ledger is None:
            self.summary.setText("No totals: the cost ledger could not be opened.")
            return
        now = ledger.now()
        since = day_start(now - (CHART_DAYS - 1) * 86400)
        month = datetime.fromtimestamp(now).replace(day=1, hour=0, minute=0, second=0)
        today = ledger.today()
        this_month = ledger.this_month()
        days = {t.key: t.usd for t in ledger.totals("day", since)}
        self.by_provider = ledger.totals("provider", month.timestamp())
        self.by_task = ledger.totals("task", month.timestamp())
        self.by_model = ledger.totals("model", month.timestamp())
        first = datetime.fromtimestamp(since)
        self.days = []
        for i in range(CHART_DAYS):
            key = (first + timedelta(days=i)).strftime("%Y-%m-%d")
            self.days.append((key, days.get(key, 0.0)))
        self._show(today, this_month)

    def _show(self, today: float, this_month: float) -> None:
        budget = self.services.engine.costs.budget_check()
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
                self.tables.addWidget(QLabel(label, holder), row, col * 2)
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
        values.setLabelFormat("$%.2f" if top >= 0.1 else "$%.3f")
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
