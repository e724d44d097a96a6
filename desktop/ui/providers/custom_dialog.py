"""Adding or editing an OpenAI-compatible server (Ollama, LM Studio, llama.cpp, vLLM, …).

Why validation happens inside the dialog: the settings own the rules (names, URL shape) and
say what is wrong in one sentence; showing that sentence in the dialog and keeping it open
lets the user fix the field instead of starting over. Presets fill in the usual local
addresses so nobody has to look up a port.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.base_urls import split_credentials
from desktop.store.settings import CustomEndpoint, SettingsError
from desktop.ui.widgets.labels import MutedLabel
from desktop.ui.widgets.message_bar import MessageBar

PRESETS: tuple[tuple[str, str, str], ...] = (
    ("Ollama", "ollama", "http://localhost:11434/v1"),
    ("LM Studio", "lm-studio", "http://localhost:1234/v1"),
    ("llama.cpp", "llama-cpp", "http://localhost:8080/v1"),
    ("vLLM", "vllm", "http://localhost:8000/v1"),
)


def parse_model_map(text: str) -> dict[str, str]:
    """``alias=served_name`` lines (a bare name maps to itself); raises SettingsError."""
    models: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        alias, sep, served = (part.strip() for part in line.partition("="))
        if not sep:
            served = alias
        if not alias or not served:
            raise SettingsError(
                f"Line {number} of the models is incomplete: write the model's name, or a short "
                "name, “=” and the server's name, for example llama3=llama3.1:8b."
            )
        models[alias] = served
    return models


def format_model_map(models: dict[str, str]) -> str:
    return "\n".join(
        alias if alias == served else f"{alias}={served}" for alias, served in models.items()
    )


class CustomEndpointDialog(QDialog):
    """Name, base URL, model map, and an optional key.

    ``validate`` receives the endpoint when the user presses Save; a SettingsError it raises
    is shown in the dialog, which then stays open.
    """

    def __init__(
        self,
        validate: Callable[[CustomEndpoint], None],
        existing: CustomEndpoint | None = None,
        *,
        has_key: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._validate = validate
        self.setWindowTitle("Edit server" if existing else "Add a server")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        intro = MutedLabel(
            "Use a model running on this computer (Ollama, LM Studio, llama.cpp…) or a paid "
            "gateway: most of them work as they are.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if existing is None:
            presets = QHBoxLayout()
            presets.addWidget(QLabel("Quick start:", self))
            for label, name, url in PRESETS:
                button = QPushButton(label, self)
                button.setAutoDefault(False)
                button.clicked.connect(lambda _=False, n=name, u=url: self._apply_preset(n, u))
                presets.addWidget(button)
            presets.addStretch(1)
            layout.addLayout(presets)

        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("A short name, e.g. ollama")
        form.addRow("Name", self.name)
        self.base_url = QLineEdit(self)
        self.base_url.setPlaceholderText("http://localhost:11434/v1")
        form.addRow("Address", self.base_url)
        self.models = QPlainTextEdit(self)
        self.models.setPlaceholderText("One model per line, e.g.\nqwen2.5:7b\nllama3.1:8b")
        self.models.setFixedHeight(96)
        self.models.setToolTip(
            "Optional. A short name of your own may stand for the server's: "
            "llama3=llama3.1:8b lets you pick “llama3”."
        )
        form.addRow("Models", self.models)
        self.needs_key = QCheckBox("This server needs an API key", self)
        form.addRow("", self.needs_key)
        self.key = QLineEdit(self)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(
            "A key is saved — leave empty to keep it" if has_key else "Paste the key"
        )
        form.addRow("Key", self.key)
        self.needs_key.toggled.connect(self.key.setEnabled)
        layout.addLayout(form)
        self.error = MessageBar(self, closable=False)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        if existing is not None:
            self.name.setText(existing.name)
            self.base_url.setText(existing.base_url)
            self.models.setPlainText(format_model_map(existing.models))
            self.needs_key.setChecked(existing.needs_key)
        self.key.setEnabled(self.needs_key.isChecked())
        self.result_endpoint: CustomEndpoint | None = None

    def endpoint(self) -> CustomEndpoint:
        """The endpoint as typed (raises SettingsError for a bad model line).

        A key pasted into the address (``http://key@host``) is taken out of it: it goes to
        the keyring with the typed key, never into the settings file.
        """
        url, key_in_url = split_credentials(self.base_url.text())
        return CustomEndpoint(
            name=self.name.text().strip(),
            base_url=url,
            models=parse_model_map(self.models.toPlainText()),
            needs_key=self.needs_key.isChecked() or key_in_url is not None,
        )

    def typed_key(self) -> str:
        """The key to store: the key field, else a key that was pasted into the address."""
        typed = self.key.text().strip() if self.needs_key.isChecked() else ""
        return typed or (split_credentials(self.base_url.text())[1] or "")

    def accept(self) -> None:
        try:
            endpoint = self.endpoint()
            self._validate(endpoint)
        except SettingsError as exc:
            self.error.show_error(str(exc))
            self.adjustSize()
            return
        self.result_endpoint = endpoint
        super().accept()

    def _apply_preset(self, name: str, url: str) -> None:
        self.name.setText(name)
        self.base_url.setText(url)
        self.needs_key.setChecked(False)
        self.models.setFocus()
