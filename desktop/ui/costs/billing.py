"""Who pays, the monthly budget and when to ask first: the cost choices on the Providers page.

"Bill to" is the user's own account or one of their Hugging Face organisations; it is sent as
``X-HF-Bill-To`` on requests through the router only (:mod:`desktop.engine.billing`). The
choices live in ``costs.json`` (:mod:`desktop.store.cost_settings`) and apply from the next
request.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop.services import Services
from desktop.ui.costs.tab_billing import billing_news

log = logging.getLogger(__name__)

PERSONAL = "Your own account"


def bill_to_choices(organisations: list[str]) -> list[tuple[str, str]]:
    """(label, account) pairs for a "Bill to" box: personal first, then each organisation."""
    return [(PERSONAL, "")] + [(f"Organisation {o}", o) for o in organisations]


class BillToBox(QComboBox):
    """A "Bill to" choice: personal or one of the organisations the user listed."""

    def __init__(self, organisations: list[str], current: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Bill to")
        self.setToolTip(
            "Who pays for requests through Hugging Face: your account or an organisation "
            "(sent as X-HF-Bill-To; never to a provider you reach with its own key)"
        )
        self.fill(organisations, current)

    def fill(self, organisations: list[str], current: str) -> None:
        self.blockSignals(True)
        self.clear()
        for label, account in bill_to_choices(organisations):
            self.addItem(label, account)
        index = self.findData(current)
        self.setCurrentIndex(max(0, index))
        self.blockSignals(False)

    def account(self) -> str:
        data = self.currentData()
        return data if isinstance(data, str) else ""


class BillingBox(QWidget):
    """Bill to, add an organisation, monthly budget, ask before a dear video or batch."""

    changed = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        chosen = services.engine.costs.cost_settings
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.bill_to = BillToBox(chosen.organisations, chosen.bill_to, self)
        self.bill_to.currentIndexChanged.connect(self._save)
        row = QHBoxLayout()
        row.addWidget(self.bill_to, 1)
        self.new_org = QLineEdit(self)
        self.new_org.setPlaceholderText("organisation name")
        self.new_org.setAccessibleName("New organisation")
        row.addWidget(self.new_org)
        self.add_org = QPushButton("Add", self)
        self.add_org.setToolTip("Offer this Hugging Face organisation under Bill to")
        self.add_org.clicked.connect(self._add_org)
        self.new_org.returnPressed.connect(self._add_org)
        row.addWidget(self.add_org)
        form.addRow("Bill to", row)
        self.budget = QDoubleSpinBox(self)
        self.budget.setRange(0.0, 100000.0)
        self.budget.setDecimals(2)
        self.budget.setPrefix("$")
        self.budget.setSpecialValueText("No budget")
        self.budget.setValue(chosen.monthly_budget_usd or 0.0)
        self.budget.setToolTip("Warn at 80 % of this each month, and ask before going over")
        self.budget.valueChanged.connect(self._save)
        form.addRow("Monthly budget", self.budget)
        self.ask_above = QDoubleSpinBox(self)
        self.ask_above.setRange(0.0, 10000.0)
        self.ask_above.setDecimals(2)
        self.ask_above.setPrefix("$")
        self.ask_above.setSpecialValueText("Never ask")
        self.ask_above.setValue(chosen.ask_above_usd or 0.0)
        self.ask_above.setToolTip("A video or a batch of pictures expected to cost more asks first")
        self.ask_above.valueChanged.connect(self._save)
        form.addRow("Ask before a video or batch over", self.ask_above)

    def _add_org(self) -> None:
        name = self.new_org.text().strip()
        chosen = self.services.engine.costs.cost_settings
        if not name:
            return
        if name not in chosen.organisations:
            chosen.organisations.append(name)
        self.bill_to.fill(chosen.organisations, name)
        self.new_org.clear()
        self._save()

    def _save(self) -> None:
        meter = self.services.engine.costs
        chosen = meter.cost_settings
        chosen.bill_to = self.bill_to.account()
        chosen.monthly_budget_usd = self.budget.value() or None
        chosen.ask_above_usd = self.ask_above.value() or None
        try:
            meter.save_settings()
        except OSError as exc:  # a choice not saved must never break the page
            log.warning("Could not save the cost settings: %s", exc)
        self.changed.emit()
        billing_news().changed.emit()  # the tabs' own "Bill to" boxes offer the new list
