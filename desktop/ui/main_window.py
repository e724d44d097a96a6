"""The main window: the Chat and Providers tabs, keyboard shortcuts, and an orderly close.

Why the close is asynchronous: pages own running tasks (a streaming answer, a keyring call).
``closeEvent`` therefore ignores the first close, cancels every page's scope and waits for it
(with a timeout), saves the window state, and only then closes for real and tells the app to
quit (style.md §2.3). No ``asyncClose``, no nested event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget

from desktop.services import Services
from desktop.ui.chat.page import ChatPage
from desktop.ui.providers.page import ProvidersPage

log = logging.getLogger(__name__)

TAB_NAMES = ("chat", "providers")
CLOSE_TIMEOUT_S = 3.0


class MainWindow(QMainWindow):
    """Titled "Switchboard"; one tab per page that works.

    Attributes:
        chat, providers: the two pages.
    """

    def __init__(
        self,
        services: Services,
        on_closed: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self._on_closed = on_closed
        self._closing: asyncio.Task[None] | None = None
        self._may_close = False
        self.setWindowTitle("Switchboard")
        self.resize(1180, 760)
        self.setMinimumSize(720, 480)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.chat = ChatPage(services, self.tabs)
        self.providers = ProvidersPage(services, self.tabs)
        self.tabs.addTab(self.chat, "Chat")
        self.tabs.addTab(self.providers, "Providers")
        self.setCentralWidget(self.tabs)

        self.chat.providers_requested.connect(self.show_providers)
        self.providers.settings_changed.connect(self._on_settings_changed)
        self.providers.credentials_changed.connect(self.chat.refresh_first_launch)

        self._shortcut("Ctrl+N", self._on_new_chat)
        self._shortcut("Ctrl+F", self._on_search)
        self._shortcut("Ctrl+Return", self._on_send)
        self._shortcut("Ctrl+Enter", self._on_send)
        self._shortcut("Esc", self._on_stop)
        quit_keys = QKeySequence(QKeySequence.StandardKey.Quit).toString() or "Ctrl+Q"
        self._shortcut(quit_keys, self.close)
        self.restore_state()

    # --- Public API -----------------------------------------------------------------------

    def show_chat(self) -> None:
        self.tabs.setCurrentWidget(self.chat)

    def show_providers(self, focus: str = "") -> None:
        """Open the Providers tab; "token" focuses the HF token, "server" adds a server."""
        self.tabs.setCurrentWidget(self.providers)
        if focus == "token":
            self.providers.focus_token()
        elif focus == "server":
            self.providers.add_custom_endpoint()

    def restore_state(self) -> None:
        state = self.services.state
        geometry = state.get_bytes("window.geometry")
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        tab = state.get_str("window.tab")
        if tab in TAB_NAMES:
            self.tabs.setCurrentIndex(TAB_NAMES.index(tab))
        self.chat.restore_state()

    def save_state(self) -> None:
        state = self.services.state
        state.set_bytes("window.geometry", bytes(self.saveGeometry().data()))
        state.set("window.tab", TAB_NAMES[max(0, self.tabs.currentIndex())])
        self.chat.save_state()
        try:
            state.save()
        except OSError as exc:  # losing window geometry must never block quitting
            log.warning("Could not save the window state: %s", exc)

    async def shutdown(self) -> None:
        """Cancel every page's work, save the state, close, and tell the app."""
        self.save_state()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(self.chat.aclose(), self.providers.aclose()),
                timeout=CLOSE_TIMEOUT_S,
            )
        self._may_close = True
        self.close()
        if self._on_closed is not None:
            self._on_closed()

    # --- Qt -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (the app is already winding down): nothing left to cancel
            self.save_state()
            event.accept()
            return
        event.ignore()
        if self._closing is None:
            self._closing = loop.create_task(self.shutdown())

    # --- Shortcuts ------------------------------------------------------------------------

    def _shortcut(self, keys: str, slot: Callable[[], object]) -> QShortcut:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    def _on_new_chat(self) -> None:
        self.show_chat()
        self.chat.new_chat()

    def _on_search(self) -> None:
        self.show_chat()
        self.chat.focus_search()

    def _on_send(self) -> None:
        if self.tabs.currentWidget() is self.chat:
            self.chat.send()

    def _on_stop(self) -> None:
        if self.chat.busy:
            self.chat.stop()

    def _on_settings_changed(self) -> None:
        self.chat.refresh_providers()
        self.chat.refresh_first_launch()
