"""The expected cost under a form ("≈ $0.04 at fal") and the question before a dear start.

The hint recomputes whenever a field of the form changes (debounced a little; the estimate is
a table lookup, no network). :func:`confirm_cost` asks before a video or a batch over the
user's threshold, or anything that would go over the monthly budget, with a window-modal box
that runs no nested event loop (:func:`desktop.ui.tasks.run_dialog`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from desktop.core.cost_types import Cost
from desktop.core.table import provider_label
from desktop.engine.costs import CostMeter
from desktop.ui.tasks import run_dialog
from desktop.ui.widgets.labels import MutedLabel

Estimate = Callable[[], Cost | None]


def hint_text(cost: Cost | None, provider: str = "") -> str:
    if cost is None:
        return ""
    if cost.usd is None:
        return "Price unknown for this model"
    where = f" at {provider_label(provider)}" if provider and provider != "*" else ""
    return f"Expected cost {cost.short()}{where}"


class CostHint(MutedLabel):
    """ "Expected cost ≈ $0.04 at fal" for what the form would start now."""

    def __init__(
        self, estimate: Estimate, parent: QWidget | None = None, *, meter: CostMeter | None = None
    ) -> None:
        super().__init__("", parent)
        self.meter = meter
        self.setAccessibleName("Expected cost")
        self.estimate = estimate
        self.provider: Callable[[], str] = lambda: ""
        self.cost: Cost | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.update_now)

    def watch(self, *widgets: QWidget) -> None:
        """Recompute when any field inside ``widgets`` changes."""
        for root in widgets:
            fields: list[QWidget] = [root, *root.findChildren(QWidget)]
            for field in fields:
                if isinstance(field, QAbstractSpinBox):
                    field.editingFinished.connect(self._timer.start)
                    signal = getattr(field, "valueChanged", None)
                    if signal is not None:
                        signal.connect(self._timer.start)
                elif isinstance(field, QComboBox):
                    field.currentIndexChanged.connect(self._timer.start)
                    field.editTextChanged.connect(self._timer.start)
                elif isinstance(field, (QLineEdit, QPlainTextEdit)):
                    field.textChanged.connect(self._timer.start)
        self._timer.start()

    def update_now(self) -> None:
        self.cost = self.estimate()
        text = hint_text(self.cost, self.provider())
        spent = self.meter.last_month_spent if self.meter is not None else None
        if text and self.meter is not None and spent is not None:
            extra = (self.cost.usd or 0.0) if self.cost is not None else 0.0
            check = self.meter.budget_check(extra, spent=spent)
            if check.level in ("warn", "over"):
                text += f" — {check.message}"
        self.setText(text)
        self.setToolTip(self.cost.basis if self.cost is not None else "")


async def confirm_cost(parent: QWidget, meter: CostMeter, expected: Cost, *, batch: bool) -> bool:
    """True to go ahead: nothing to ask, or the user said yes."""
    question = await meter.question_before(expected, batch=batch)
    if question is None:
        return True
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Before you start",
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.button(QMessageBox.StandardButton.Yes).setText("Start")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return await run_dialog(box) == QMessageBox.StandardButton.Yes


def cost_suffix(trace: dict[str, object] | None) -> str:
    """ " · ≈ $0.0031 (estimate)" from a stored trace, for an item's facts; "" when none."""
    cost = Cost.from_dict(trace.get("cost")) if isinstance(trace, dict) else None
    if cost is None:
        return ""
    return f" · {cost.short()} (estimate)"
