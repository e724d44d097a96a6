"""A tab's own "Bill to": the global choice, the user's own account, or one organisation.

Why per tab: a person who does client work in one tab (billed to the client's Hugging Face
organisation) and their own experiments in another should not have to flip the global
choice on the Providers page between requests. The choice is kept per tab in the window
state (absent: "as set on the Providers page") and applied by the tab's
:class:`~desktop.ui.tasks.TaskScope`, whose tasks start in a context billing that account
(:func:`desktop.engine.billing.billing_context`): every request the tab starts carries it,
and the engine still sends ``X-HF-Bill-To`` on router requests only.

The box stays out of the way until the user lists an organisation (choosing between "as
set" and "your account" alone would say nothing), and it refills whenever the list changes
(:func:`billing_news`).
"""

from __future__ import annotations

import functools
from contextvars import Context

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from desktop.engine.billing import billing_context
from desktop.services import Services
from desktop.ui.tasks import TaskScope

GLOBAL_LABEL = "Bill: as on Providers"
PERSONAL_LABEL = "Bill: your account"
TIP = (
    "Who pays for this tab's requests through Hugging Face: the choice on the Providers page, "
    "your own account, or one of your organisations (sent as X-HF-Bill-To; never to a "
    "provider you reach with its own key)."
)


class BillingNews(QObject):
    """Says when the organisations or the global "Bill to" changed (Providers page)."""

    changed = Signal()


@functools.cache
def billing_news() -> BillingNews:
    """The one :class:`BillingNews` of the app, made on first use (after the QApplication)."""
    return BillingNews()


class TabBillTo(QComboBox):
    """The "Bill to" of one tab, kept under ``<scope>.bill_to`` in the window state.

    Attributes:
        key: the state key; absent means "as on the Providers page".
    """

    def __init__(self, services: Services, scope: TaskScope, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.services = services
        self.key = f"{scope.name}.bill_to"
        self.setAccessibleName("Bill to (this tab)")
        self.setToolTip(TIP)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.fill()
        self.currentIndexChanged.connect(self._keep)
        scope.context_for = self.context
        billing_news().changed.connect(self.fill)

    def account(self) -> str | None:
        """The tab's choice: None (as on the Providers page), "" (personal) or an org."""
        data = self.currentData()
        return data if isinstance(data, str) else None

    def context(self) -> Context:
        """The context the tab's tasks start in (billing the tab's account)."""
        return billing_context(self.account())

    def fill(self) -> None:
        """Offer the organisations listed now, keeping the tab's choice (an organisation
        no longer listed stays offered while it is chosen)."""
        chosen = self.services.state.get_str(self.key)
        organisations = self.services.bill_to_organisations()
        if chosen and chosen not in organisations:
            organisations.append(chosen)
        self.blockSignals(True)
        self.clear()
        self.addItem(GLOBAL_LABEL, None)
        self.addItem(PERSONAL_LABEL, "")
        for name in organisations:
            self.addItem(f"Bill: {name}", name)
        self.setCurrentIndex(max(0, self.findData(chosen)) if chosen is not None else 0)
        self.blockSignals(False)
        self.setVisible(bool(organisations))

    def choose(self, account: str | None) -> None:
        """Select ``account`` (as :meth:`account` returns it) and keep it."""
        index = 0 if account is None else self.findData(account)
        if index >= 0:
            self.setCurrentIndex(index)

    def _keep(self, _index: int) -> None:
        account = self.account()
        if account is None:
            self.services.state.remove(self.key)
        else:
            self.services.state.set(self.key, account)
