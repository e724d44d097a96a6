"""Styles (LoRA adapters) for a picture or a video: the chosen ones with a weight each, and a
browser of the Hub's adapters for the chosen model.

Why both: most people find a style by looking ("watercolor", "pixel art") rather than by repo
name, so "Add style…" lists the adapters whose base model is the one picked, with the trigger
word their card names (it has to be in the prompt for the style to show) and the titles of their
example pictures. A repo typed by hand works too; the engine checks every style against the Hub
before anything is sent, and says so in one sentence when a repo is not a style for the model.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.core.errors import SwitchboardError
from desktop.core.media_types import LoraChoice
from desktop.engine.style_book import StyleList
from desktop.providers.hub_adapters import AdapterInfo
from desktop.ui.tasks import TaskScope, run_dialog
from desktop.ui.widgets.labels import ElidedLabel, MutedLabel

Search = Callable[[str, str], Awaitable[StyleList]]
WEIGHT_TIP = "How strongly the style applies: 1 as trained, lower is subtler, 0 switches it off."
SEARCH_DELAY_MS = 300


def describe(info: AdapterInfo) -> str:
    """Two lines for the browser: the repo, then its trigger word and example titles."""
    facts = []
    if info.trigger:
        facts.append(f"trigger: {info.trigger}")
    if info.examples:
        facts.append("examples: " + "; ".join(info.examples[:3]))
    return info.repo + ("\n" + " · ".join(facts) if facts else "")


class _StyleRow(QWidget):
    removed = Signal(object)

    def __init__(self, choice: LoraChoice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.repo = choice.repo
        self.trigger = choice.trigger
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        names = QVBoxLayout()
        names.setSpacing(0)
        self.label = ElidedLabel(choice.repo, self)
        names.addWidget(self.label)
        self.trigger_label = MutedLabel(f"say “{choice.trigger}”" if choice.trigger else "", self)
        self.trigger_label.setVisible(bool(choice.trigger))
        self.trigger_label.setToolTip("Put this in the description for the style to show")
        names.addWidget(self.trigger_label)
        row.addLayout(names, 1)
        self.weight = QDoubleSpinBox(self)
        self.weight.setRange(-4.0, 4.0)
        self.weight.setSingleStep(0.1)
        self.weight.setDecimals(2)
        self.weight.setValue(choice.weight)
        self.weight.setToolTip(WEIGHT_TIP)
        self.weight.setAccessibleName(f"Weight of {choice.repo}")
        self.weight.setMaximumWidth(72)
        row.addWidget(self.weight)
        self.remove = QToolButton(self)
        self.remove.setText("✕")
        self.remove.setToolTip(f"Remove {choice.repo}")
        self.remove.setAccessibleName(f"Remove {choice.repo}")
        self.remove.clicked.connect(lambda: self.removed.emit(self))
        row.addWidget(self.remove)

    def choice(self) -> LoraChoice:
        return LoraChoice(self.repo, round(self.weight.value(), 2), trigger=self.trigger)


class StylesField(QWidget):
    """The chosen styles, each with a weight; "Add style…" opens :class:`StyleBrowser`.

    ``model`` is a callable giving the chosen base model (the browser lists its adapters).
    """

    changed = Signal()

    def __init__(
        self,
        search: Search,
        model: Callable[[], str],
        scope: TaskScope,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._search = search
        self._model = model
        self._scope = scope
        self.browser: StyleBrowser | None = None
        """The open browser, if any (kept for tests)."""
        self._rows: list[_StyleRow] = []
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self._list = QVBoxLayout()
        self._list.setSpacing(4)
        column.addLayout(self._list)
        self.empty = MutedLabel("None — the model's own look.", self)
        column.addWidget(self.empty)
        self.add_button = QPushButton("Add style…", self)
        self.add_button.setToolTip("Browse the Hub's styles (LoRA) for the chosen model")
        self.add_button.clicked.connect(self.browse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        column.addLayout(buttons)

    def choices(self) -> list[LoraChoice]:
        return [row.choice() for row in self._rows]

    def set_choices(self, choices: list[LoraChoice]) -> None:
        for row in list(self._rows):
            self._remove(row, notify=False)
        for choice in choices:
            self.add(choice, notify=False)
        self.changed.emit()

    def add(self, choice: LoraChoice, *, notify: bool = True) -> None:
        if any(r.repo.lower() == choice.repo.lower() for r in self._rows):
            return
        row = _StyleRow(choice, self)
        row.removed.connect(self._remove)
        self._rows.append(row)
        self._list.addWidget(row)
        self.empty.setVisible(False)
        if notify:
            self.changed.emit()

    def browse(self) -> None:
        self._scope.spawn(self._browse(), slot="styles-browse")

    def _remove(self, row: object, *, notify: bool = True) -> None:
        if not isinstance(row, _StyleRow) or row not in self._rows:
            return
        self._rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self.empty.setVisible(not self._rows)
        if notify:
            self.changed.emit()

    async def _browse(self) -> None:
        model = self._model().strip()
        dialog = StyleBrowser(self._search, model, self.window())
        self.browser = dialog
        try:
            if await run_dialog(dialog) == QDialog.DialogCode.Accepted:
                for info in dialog.chosen():
                    self.add(LoraChoice(info.repo, 1.0, info.weights_file, info.trigger))
        finally:
            dialog.close_scope()
            dialog.deleteLater()
            self.browser = None


class StyleBrowser(QDialog):
    """The Hub's LoRA adapters of one base model, searchable; pick one or more."""

    def __init__(self, search: Search, model: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a style")
        self.resize(520, 420)
        self._search = search
        self._model = model
        self._scope = TaskScope("styles")
        self._found: list[AdapterInfo] = []
        column = QVBoxLayout(self)
        intro = f"Styles made for {model}" if model else "Pick a model first: styles are per model."
        self.intro = QLabel(intro, self)
        self.intro.setWordWrap(True)
        column.addWidget(self.intro)
        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Filter by name, e.g. watercolor")
        self.query.setAccessibleName("Filter styles")
        self.query.setClearButtonEnabled(True)
        column.addWidget(self.query)
        self.results = QListWidget(self)
        self.results.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.results.setAccessibleName("Styles")
        self.results.itemDoubleClicked.connect(lambda _item: self.accept())
        column.addWidget(self.results, 1)
        self.status = MutedLabel("", self)
        self.status.setWordWrap(True)
        column.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.add_button = self.buttons.addButton("Add", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        column.addWidget(self.buttons)
        self.add_button.setEnabled(False)
        self.results.itemSelectionChanged.connect(
            lambda: self.add_button.setEnabled(bool(self.results.selectedItems()))
        )
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        if model:
            self.search_now()
        else:
            self.query.setEnabled(False)

    def chosen(self) -> list[AdapterInfo]:
        rows = sorted(self.results.row(item) for item in self.results.selectedItems())
        return [self._found[r] for r in rows if 0 <= r < len(self._found)]

    def search_now(self) -> None:
        self._scope.spawn(self._run(self.query.text()), slot="search")

    def close_scope(self) -> None:
        self._scope.cancel("search")

    async def _run(self, text: str) -> None:
        self.status.setText("Looking on the Hub…")
        try:
            listing = await self._search(self._model, text)
        except SwitchboardError as exc:
            if isValid(self):
                self.status.setText(str(exc))
            return
        if not isValid(self):
            return
        found = self._found = listing.adapters
        self.results.clear()
        for info in found:
            item = QListWidgetItem(describe(info))
            item.setToolTip(describe(info))
            item.setData(Qt.ItemDataRole.UserRole, info.repo)
            self.results.addItem(item)
        plural = "s" if len(found) != 1 else ""
        if listing.stale:
            kept = f"these {len(found)} style{plural} are" if found else "no styles were found"
            self.status.setText(f"The Hub is out of reach: {kept} {listing.as_of()}.")
        elif found:
            self.status.setText(f"{len(found)} style{plural} found.")
        else:
            self.status.setText("No styles found for this model on the Hub.")
