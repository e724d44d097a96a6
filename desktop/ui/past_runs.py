"""A short list of earlier results of one task, read from the library, newest first.

Why on the tab itself: a transcript or an embeddings map made yesterday should be one click
away after a restart, without going to the Library. Rows are plain model/view items painted
by the shared two-line delegate, worded like the Library (:mod:`generation_text`); reading
the history happens off the event loop and is the page's job.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from desktop.store.history import StoredGeneration
from desktop.ui.widgets.generation_text import summary, title, when
from desktop.ui.widgets.two_line_delegate import NOTE_ROLE, SECONDARY_ROLE, TwoLineDelegate

ID_ROLE = Qt.ItemDataRole.UserRole + 10


class PastRunsList(QListView):
    """Earlier results; choosing one emits its library id.

    Signals:
        chosen(int): the library id of the row the person clicked or pressed Enter on.
    """

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_ = QStandardItemModel(self)
        self.setModel(self.model_)
        self.setItemDelegate(TwoLineDelegate(self))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAccessibleName("Earlier results")
        self.clicked.connect(self._on_activated)
        self.activated.connect(self._on_activated)

    def set_runs(self, rows: Iterable[StoredGeneration], now: float | None = None) -> None:
        """Replace the rows (the selected one stays selected when it is still there)."""
        selected = self.current_id()
        self.model_.clear()
        for row in rows:
            item = QStandardItem(title(row))
            item.setData(summary(row), SECONDARY_ROLE)
            item.setData(when(row.created_at, now), NOTE_ROLE)
            item.setData(row.id, ID_ROLE)
            item.setToolTip(f"{title(row)}\n{summary(row)}")
            self.model_.appendRow(item)
        if selected is not None:
            self.select_id(selected)

    def ids(self) -> list[int]:
        return [int(self.model_.item(row).data(ID_ROLE)) for row in range(self.model_.rowCount())]

    def current_id(self) -> int | None:
        index = self.currentIndex()
        value = index.data(ID_ROLE) if index.isValid() else None
        return int(value) if value is not None else None

    def select_id(self, record_id: int) -> None:
        for row in range(self.model_.rowCount()):
            item = self.model_.item(row)
            if item.data(ID_ROLE) == record_id:
                self.setCurrentIndex(item.index())
                return

    def _on_activated(self, index: QModelIndex) -> None:
        value = index.data(ID_ROLE)
        if value is not None:
            self.chosen.emit(int(value))
