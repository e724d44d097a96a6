"""What an empty chat shows: first-launch help without credentials, otherwise a quiet hint.

Why: a first-time user with no token would otherwise type a question and meet an error. Two
sentences say exactly what to get and where, and the two buttons go straight to the fix.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.widgets.labels import MutedLabel, heading, wrapped

TOKEN_URL = "https://huggingface.co/settings/tokens"
WORD_JOINER = "\u2060"
TOKEN_LINK_TEXT = f"huggingface.co/{WORD_JOINER}settings/{WORD_JOINER}tokens"
"""The address as shown: word joiners after its slashes, so a line never breaks inside it."""

FIRST_LAUNCH_TEXT = (
    f"To chat with hosted models, create a Hugging Face access token at "
    f'<a href="{TOKEN_URL}">{TOKEN_LINK_TEXT}</a> with the '
    "“Make calls to Inference Providers” permission and add it here. "
    "Or add a server you run yourself, such as Ollama or LM Studio, and chat with your own "
    "models."
)

LOCKED_TEXT = (
    "Your system keyring is locked, so Switchboard can't read the tokens and keys you saved "
    "(they are still there). Unlock it, usually with your login password, then press Try again."
)

READY_TEXT = "Ask anything. Pick a model above; Ctrl+Enter sends, Esc stops."


class EmptyChat(QFrame):
    """The centre of an empty chat.

    Signals:
        add_token_requested(): open the Providers page at the HF token.
        add_server_requested(): open the Providers page and add a custom server.
    """

    add_token_requested = Signal()
    add_server_requested = Signal()
    retry_keyring_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(12)
        self.title = heading("Welcome to Switchboard", self, scale=1.4)
        self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.title)
        self.first_launch = wrapped(QLabel(FIRST_LAUNCH_TEXT, self))
        self.first_launch.setFixedWidth(520)
        self.first_launch.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.first_launch)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.add_token_button = QPushButton("Add a token", self)
        self.add_token_button.setDefault(True)
        self.add_token_button.clicked.connect(self.add_token_requested)
        buttons.addWidget(self.add_token_button)
        self.add_server_button = QPushButton("Add a local server", self)
        self.add_server_button.clicked.connect(self.add_server_requested)
        buttons.addWidget(self.add_server_button)
        self.retry_keyring_button = QPushButton("Try again", self)
        self.retry_keyring_button.clicked.connect(self.retry_keyring_requested)
        buttons.addWidget(self.retry_keyring_button)
        buttons.addStretch(1)
        self.first_launch_buttons = QWidget(self)
        self.first_launch_buttons.setLayout(buttons)
        column.addWidget(self.first_launch_buttons)
        self.ready = MutedLabel(READY_TEXT, self)
        self.ready.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.ready)
        row.addLayout(column)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.set_first_launch(False)

    def set_first_launch(self, first: bool, *, keyring_locked: bool = False) -> None:
        """Show the how-to-start panel (no credentials) or the quiet ready hint.

        With ``keyring_locked`` the panel says the saved keys can't be read yet and offers
        Try again, instead of asking for a token the person already saved.
        """
        self.title.setText("Your keyring is locked" if keyring_locked else "Welcome to Switchboard")
        self.first_launch.setText(LOCKED_TEXT if keyring_locked else FIRST_LAUNCH_TEXT)
        self.add_token_button.setVisible(not keyring_locked)
        self.retry_keyring_button.setVisible(keyring_locked)
        self.add_token_button.setDefault(not keyring_locked)
        self.retry_keyring_button.setDefault(keyring_locked)
        self.title.setVisible(first)
        self.first_launch.setVisible(first)
        self.first_launch_buttons.setVisible(first)
        self.ready.setVisible(not first)

    @property
    def showing_first_launch(self) -> bool:
        return not self.first_launch.isHidden()
