"""A masked field to save or remove one token or key, and where the current one comes from.

Why it never shows a stored secret: secrets live only in the keyring (DESIGN §4). The field is
write-only: after saving it is emptied, and the status line says where the active credential
comes from ("Saved in the system keyring", "Set outside Switchboard", the variable's name in
its tooltip) instead of echoing it back.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.engine.credentials import CredentialInfo
from desktop.ui.widgets.labels import MutedLabel


def source_text(info: CredentialInfo) -> str:
    """Where a credential comes from, in words."""
    if not info.present and info.locked:
        return "Unknown while the system keyring is locked"
    if not info.present:
        return "Not set"
    if info.source == "keyring":
        return "Saved in the system keyring"
    if info.source and info.source.startswith("env:"):
        return "Set outside Switchboard (in the environment)"
    return "Set"


class SecretRow(QWidget):
    """Masked input with Save and Remove, and a status line.

    Signals:
        save_requested(str, str): store this secret for this keyring user.
        remove_requested(str): delete the stored secret of this keyring user.
    """

    save_requested = Signal(str, str)
    remove_requested = Signal(str)

    def __init__(
        self, user: str, what: str = "key", parent: QWidget | None = None, *, narrow: bool = False
    ) -> None:
        """``narrow``: the field on a line of its own, the buttons under it (a side panel,
        where all three on one line left the field too short to read)."""
        super().__init__(parent)
        self.user = user
        self.what = what
        self._present = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setClearButtonEnabled(True)
        self.field.returnPressed.connect(self._on_save_clicked)
        self.field.textChanged.connect(self._update_buttons)
        if narrow:
            layout.addWidget(self.field)
        else:
            row.addWidget(self.field, 1)
        self.save_button = QPushButton("Save", self)
        self.save_button.clicked.connect(self._on_save_clicked)
        row.addWidget(self.save_button)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self.user))
        row.addWidget(self.remove_button)
        if narrow:
            row.addStretch(1)
        layout.addLayout(row)
        self.status = MutedLabel("Not set", self)
        layout.addWidget(self.status)
        self._busy = False
        self.set_user(user, what)

    def set_user(self, user: str, what: str) -> None:
        """Reuse the row for another credential (the selected provider changed)."""
        self.user = user
        self.what = what
        self.field.clear()
        self.field.setAccessibleName(f"New {what}")
        self._update_hint()
        self._update_buttons()

    def show_info(self, info: CredentialInfo) -> None:
        """Say where the current credential comes from; Remove only for keyring entries."""
        self._present = info.present
        self.status.setText(source_text(info))
        self.status.setToolTip(
            f"Read from the {info.source[4:]} environment variable"
            if info.source and info.source.startswith("env:")
            else ""
        )
        self.remove_button.setEnabled(info.source == "keyring" and not self._busy)
        self.remove_button.setToolTip(
            "Delete it from the system keyring"
            if info.source == "keyring"
            else (
                f"It comes from the environment; unset {info.source[4:]} to remove it"
                if info.source and info.source.startswith("env:")
                else "Nothing is saved"
            )
        )
        self._update_hint()

    def clear_field(self) -> None:
        self.field.clear()

    def set_busy(self, busy: bool) -> None:
        """While the keyring works, the buttons wait."""
        self._busy = busy
        self.field.setEnabled(not busy)
        self._update_buttons()
        if busy:
            self.remove_button.setEnabled(False)

    def _update_hint(self) -> None:
        if self._present:
            self.field.setPlaceholderText(f"A {self.what} is set — paste a new one to replace it")
        else:
            self.field.setPlaceholderText(f"Paste your {self.what}")

    def _update_buttons(self, *_: object) -> None:
        self.save_button.setEnabled(bool(self.field.text().strip()) and not self._busy)

    def _on_save_clicked(self) -> None:
        secret = self.field.text().strip()
        if secret and not self._busy:
            self.save_requested.emit(self.user, secret)
