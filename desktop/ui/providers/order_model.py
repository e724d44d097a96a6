"""The provider preference order as a drag-reorderable, checkable list model.

Why ``moveRows`` (style.md §3.1): with ``InternalMove``, QListView asks the model to move the
dragged row; implementing ``moveRows`` keeps the move a real move (no "remove the source"
step that could delete the item), and keyboard buttons and tests use the very same call.
Items are drag sources; only the space *between* items (the invalid parent) accepts drops, so
a drop never lands *onto* a provider. The order and the on/off switches are written to the
settings from the model's own ``rowsMoved``/``setData``, so the engine uses them on the next
request whatever view or button changed them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop.core.table import provider_label
from desktop.engine.credentials import Credentials
from desktop.engine.health import HealthBook
from desktop.engine.health_summary import provider_health
from desktop.store.settings import Settings
from desktop.ui.providers.descriptions import description
from desktop.ui.providers.key_status import key_status
from desktop.ui.widgets.two_line_delegate import NOTE_ROLE, SECONDARY_ROLE

ID_ROLE = Qt.ItemDataRole.UserRole + 20

Index = QModelIndex | QPersistentModelIndex


class ProviderOrderModel(QAbstractListModel):
    """Rows are provider ids (built-in and custom) in the user's order.

    Signals:
        changed(): the order or an on/off switch changed and was saved.
    """

    changed = Signal()

    def __init__(
        self,
        settings: Settings,
        credentials: Credentials,
        save: Callable[[], None],
        parent: QObject | None = None,
        health: HealthBook | None = None,
    ) -> None:
        super().__init__(parent)
        self._health = health
        self._settings = settings
        self._credentials = credentials
        self._save = save
        self._ids: list[str] = settings.ordered_providers()
        self.rowsMoved.connect(self._on_rows_moved)

    # --- Public API -----------------------------------------------------------------------

    @property
    def ids(self) -> list[str]:
        """The provider ids in display order."""
        return list(self._ids)

    def reload(self) -> None:
        """Re-read the order from the settings (a custom server was added or removed)."""
        self.beginResetModel()
        self._ids = self._settings.ordered_providers()
        self.endResetModel()

    def refresh_status(self) -> None:
        """Credentials changed: repaint the key status of every row."""
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, 0), [NOTE_ROLE])

    def row_of(self, provider_id: str) -> int:
        try:
            return self._ids.index(provider_id)
        except ValueError:
            return -1

    # --- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        pid = self._ids[index.row()]
        custom = self._settings.custom(pid) is not None
        enabled = self._settings.is_enabled(pid)
        if role == Qt.ItemDataRole.DisplayRole:
            return pid if custom else provider_label(pid)
        if role == SECONDARY_ROLE:
            parts = [pid, "your server" if custom else description(pid)]
            if not enabled:
                parts.insert(1, "switched off")
            return " · ".join(parts)
        if role == NOTE_ROLE:
            status = key_status(pid, self._settings, self._credentials)
            health = provider_health(self._health, pid).short() if self._health else ""
            return f"{status} · {health}" if health else status
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if enabled else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{description(pid)} Drag to change the order; untick to switch it off."
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = "on" if enabled else "off"
            status = key_status(pid, self._settings, self._credentials)
            return f"{provider_label(pid)}, {state}, {status}"
        if role == ID_ROLE:
            return pid
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            # Drops land between rows only: the invalid parent is the one drop target.
            return Qt.ItemFlag.ItemIsDropEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemIsUserCheckable
        )

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        pid = self._ids[index.row()]
        checked = _as_check_state(value) == Qt.CheckState.Checked
        if checked == self._settings.is_enabled(pid):
            return False
        self._settings.set_enabled(pid, checked)
        self._save()
        self.dataChanged.emit(index, index, [role, SECONDARY_ROLE])
        self.changed.emit()
        return True

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def moveRows(
        self,
        source_parent: Index,
        source_row: int,
        count: int,
        destination_parent: Index,
        destination_child: int,
    ) -> bool:
        """Move ``count`` rows from ``source_row`` to before ``destination_child``.

        ``destination_child`` counts rows *before* the move (Qt's ``beginMoveRows``
        convention). Moves onto themselves or into their own block are refused.
        """
        n = len(self._ids)
        if source_parent.isValid() or destination_parent.isValid() or count < 1:
            return False
        if source_row < 0 or source_row + count > n or not 0 <= destination_child <= n:
            return False
        if source_row <= destination_child <= source_row + count:
            return False  # a no-op, or a move into the moved block itself
        root = QModelIndex()
        if not self.beginMoveRows(
            root, source_row, source_row + count - 1, root, destination_child
        ):
            return False
        block = self._ids[source_row : source_row + count]
        del self._ids[source_row : source_row + count]
        at = destination_child - count if destination_child > source_row else destination_child
        self._ids[at:at] = block
        self.endMoveRows()
        return True

    # --- Internals ------------------------------------------------------------------------

    def _on_rows_moved(self, *_: Any) -> None:
        self._settings.set_order(self._ids)
        self._save()
        self.changed.emit()


def _as_check_state(value: Any) -> Qt.CheckState:
    if isinstance(value, Qt.CheckState):
        return value
    try:
        return Qt.CheckState(int(value))
    except (TypeError, ValueError):
        return Qt.CheckState.Unchecked
