"""The main window: the task tabs, the Library and Providers pages, shortcuts, an orderly close.

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

from PySide6.QtCore import QByteArray, QEvent, QSize, Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget

from desktop.core.media_types import tab_task
from desktop.core.table import Task
from desktop.engine.compare import COMPARE_TASK
from desktop.services import Services
from desktop.ui.app_icon import application_icon
from desktop.ui.chat.page import ChatPage
from desktop.ui.compare.opener import CompareOpener
from desktop.ui.embeddings import EmbeddingsPage
from desktop.ui.icons import tab_icon
from desktop.ui.images import ImagesPage
from desktop.ui.library import LibraryPage
from desktop.ui.models.link import ModelLink
from desktop.ui.providers.page import ProvidersPage
from desktop.ui.speech import SpeechPage
from desktop.ui.video import VideoPage
from desktop.ui.widgets.message_bar import MessageBar
from desktop.ui.widgets.task_page import TaskPage

log = logging.getLogger(__name__)

TAB_NAMES = ("chat", "images", "video", "speech", "embeddings", "library", "providers")
CLOSE_TIMEOUT_S = 3.0
PREFERRED_SIZE = QSize(1180, 760)
MINIMUM_SIZE = QSize(960, 600)
"""Every page fits without clipping from here up (the screenshots in docs/ check 1024×640)."""


class MainWindow(QMainWindow):
    """Titled "Switchboard"; one tab per page that works.

    Attributes:
        chat, images, video, speech, embeddings, library, providers: the pages, in tab order.
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
        self.setWindowIcon(application_icon())
        self.resize(PREFERRED_SIZE)
        self.setMinimumSize(MINIMUM_SIZE)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.chat = ChatPage(services, self.tabs)
        self.images = ImagesPage(services, self.tabs)
        self.video = VideoPage(services, self.tabs)
        self.speech = SpeechPage(services, self.tabs)
        self.embeddings = EmbeddingsPage(services, self.tabs)
        self.library = LibraryPage(services, self.tabs)
        self.providers = ProvidersPage(services, self.tabs)
        self.tabs.addTab(self.chat, "Chat")
        self.tabs.addTab(self.images, "Images")
        self.tabs.addTab(self.video, "Video")
        self.tabs.addTab(self.speech, "Speech")
        self.tabs.addTab(self.embeddings, "Embeddings")
        self.tabs.addTab(self.library, "Library")
        self.tabs.addTab(self.providers, "Providers")
        self.setCentralWidget(self.tabs)
        self.tabs.setIconSize(QSize(18, 18))
        self.colour_icons()

        self.chat.providers_requested.connect(self.show_providers)
        for page in (self.images, self.video):
            page.generation_added.connect(self.library.mark_stale)
        for task_page in (self.images, self.video, self.speech, self.embeddings):
            task_page.providers_requested.connect(self.show_providers)
        # Anything made in any tab shows up the next time the Library is opened.
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.library.reuse_requested.connect(self.reuse_in_tab)
        self.library.picture_chosen.connect(self.use_picture)
        self.images.animate_requested.connect(lambda path: self.use_picture("animate", path))
        self.library.generation_deleted.connect(self._on_generation_deleted)
        self.library.history_restored.connect(self.chat.new_chat)
        self.library.history_restored.connect(self.chat.sidebar.reload)
        self.providers.settings_changed.connect(self._on_settings_changed)
        self.compare = CompareOpener(services, self, self._kept_from_compare)
        self.compare.attach(
            Task.CHAT,
            self.chat.provider_picker,
            lambda: (self.chat.model_picker.current_model(), self.chat.composer.text()),
        )
        self.compare.attach(
            Task.TEXT_TO_IMAGE,
            self.images.policy_picker,
            lambda: (self.images.model_picker.current_model(), self.images.form.prompt.text()),
        )
        self.compare.attach(
            Task.SPEECH_TO_TEXT,
            self.speech.policy_picker,
            lambda: (self.speech.model_picker.current_model(), str(self.speech.audio_path or "")),
        )
        self.providers.credentials_changed.connect(self.chat.refresh_first_launch)
        self.chat.empty.retry_keyring_requested.connect(self.providers.retry_keyring)

        self._shortcut("Ctrl+N", self._on_new_chat)
        self._shortcut("Ctrl+F", self._on_search)
        self._shortcut("Ctrl+Return", self._on_send)
        self._shortcut("Ctrl+Enter", self._on_send)
        self._shortcut("Esc", self._on_stop)
        self._shortcut("Ctrl+K", self.browse_models)
        quit_keys = QKeySequence(QKeySequence.StandardKey.Quit).toString() or "Ctrl+Q"
        self._shortcut(quit_keys, self.close)
        self.restore_state()
        self.fit_to_screen()

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

    def browse_models(self) -> None:
        """Ctrl+K: the model browser for the current task tab (Chat's from other pages)."""
        links = self.model_links()
        if self.tabs.currentWidget() not in links:
            self.show_chat()
        link = links.get(self.tabs.currentWidget())
        if link is not None:
            link.browse()

    def model_links(self) -> dict[QWidget, ModelLink]:
        """Each task tab's link to the model directory (Browse button, type-ahead, checks)."""
        links: dict[QWidget, ModelLink] = {}
        for page in (self.chat, self.images, self.video, self.speech, self.embeddings):
            picker = page.model_picker
            if page is self.speech and self.speech.mode == "read":
                picker = self.speech.read_aloud.model_picker
            if picker.link is not None:
                links[page] = picker.link
        return links

    def use_picture(self, purpose: str, path: str) -> None:
        """ "Use this picture" (→ Images, to change it) or "Animate it" (→ Video)."""
        page = self.video if purpose == "animate" else self.images
        self.tabs.setCurrentWidget(page)
        page.use_picture(path)

    def reuse_in_tab(self, task: str, generation_id: int) -> None:
        """Library "Reuse in …": open the tab that made the item and fill its form."""
        if tab_task(task) == Task.TEXT_TO_IMAGE.value:
            self.tabs.setCurrentWidget(self.images)
            self.images.reuse_generation(generation_id)
        elif tab_task(task) == Task.TEXT_TO_VIDEO.value:
            self.tabs.setCurrentWidget(self.video)
            self.video.reuse_generation(generation_id)
        elif task == Task.SPEECH_TO_TEXT.value:
            self.tabs.setCurrentWidget(self.speech)
            self.speech.open_record(generation_id)
        elif task == Task.EMBEDDINGS.value:
            self.tabs.setCurrentWidget(self.embeddings)
            self.embeddings.open_record(generation_id)
        elif task == Task.TEXT_TO_SPEECH.value:
            self.tabs.setCurrentWidget(self.speech)
            self.speech.open_reading(generation_id)
        elif task == COMPARE_TASK:
            self.compare.open_saved(generation_id)

    def _kept_from_compare(self, task: str, item_id: int) -> None:
        """ "Keep this one" in a comparison: continue in the tab with that pair."""
        if task == Task.CHAT.value:
            self.tabs.setCurrentWidget(self.chat)
            self.chat.open_conversation(item_id)
        else:
            self.reuse_in_tab(task, item_id)

    def colour_icons(self) -> None:
        """One icon per tab, drawn in the palette's text colour (again when it changes)."""
        for index, name in enumerate(TAB_NAMES):
            self.tabs.setTabIcon(index, tab_icon(name, self.palette()))

    def fit_to_screen(self) -> None:
        """Never larger than the screen's free area (a saved size from a bigger monitor, or
        the preferred size on a small laptop), and never smaller than the page needs unless
        the screen itself is smaller."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        self.setMinimumSize(MINIMUM_SIZE.boundedTo(free.size()))
        frame = self.frameGeometry().size() - self.geometry().size()
        room = free.size() - frame
        size = self.size().boundedTo(room)
        if size != self.size():
            self.resize(size)
        geometry = self.frameGeometry()
        if not free.contains(geometry):
            x = min(
                max(geometry.x(), free.left()), max(free.left(), free.right() - geometry.width())
            )
            y = min(
                max(geometry.y(), free.top()), max(free.top(), free.bottom() - geometry.height())
            )
            self.move(x, y)

    def current_message_bar(self) -> MessageBar | None:
        """The message bar of the tab in front (where the error funnel speaks)."""
        if self.tabs.currentWidget() is self.speech:
            return self.speech.active_message_bar()
        bar = getattr(self.tabs.currentWidget(), "message_bar", None)
        return bar if isinstance(bar, MessageBar) else None

    def restore_state(self) -> None:
        state = self.services.state
        geometry = state.get_bytes("window.geometry")
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        tab = state.get_str("window.tab")
        if tab in TAB_NAMES:
            self.tabs.setCurrentIndex(TAB_NAMES.index(tab))
        self.chat.restore_state()
        for page in (self.images, self.video, self.speech, self.embeddings, self.library):
            page.restore_state()

    def save_state(self) -> None:
        state = self.services.state
        state.set_bytes("window.geometry", bytes(self.saveGeometry().data()))
        state.set("window.tab", TAB_NAMES[max(0, self.tabs.currentIndex())])
        self.chat.save_state()
        for page in (self.images, self.video, self.speech, self.embeddings, self.library):
            page.save_state()
        try:
            state.save()
        except OSError as exc:  # losing window geometry must never block quitting
            log.warning("Could not save the window state: %s", exc)

    async def shutdown(self) -> None:
        """Cancel every page's work, save the state, close, and tell the app."""
        self.save_state()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(
                    self.chat.aclose(),
                    self.images.aclose(),
                    self.video.aclose(),
                    self.speech.aclose(),
                    self.embeddings.aclose(),
                    self.library.aclose(),
                    self.providers.aclose(),
                    self.compare.aclose(),
                    *(link.aclose() for link in self.model_links().values()),
                ),
                timeout=CLOSE_TIMEOUT_S,
            )
        self._may_close = True
        self.close()
        if self._on_closed is not None:
            self._on_closed()

    # --- Qt -------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.colour_icons()
        super().changeEvent(event)

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
        if self.tabs.currentWidget() is self.library:
            self.library.focus_search()
            return
        self.show_chat()
        self.chat.focus_search()

    def _on_send(self) -> None:
        page = self.tabs.currentWidget()
        if page is self.chat:
            self.chat.send()
        elif isinstance(page, TaskPage):
            page.run()

    def _on_stop(self) -> None:
        page = self.tabs.currentWidget()
        if isinstance(page, TaskPage):
            page.cancel()
        elif self.chat.busy:
            self.chat.stop()

    def _on_generation_deleted(self, _generation_id: int) -> None:
        self.images.reload()
        self.video.reload()

    def _on_tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.library:
            self.library.mark_stale()

    def _on_settings_changed(self) -> None:
        self.chat.refresh_providers()
        for page in (self.images, self.video, self.speech, self.embeddings):
            page.refresh_providers()
        self.chat.refresh_first_launch()
