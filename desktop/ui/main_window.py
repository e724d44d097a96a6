"""The main window: the task tabs, the Library and Providers pages, shortcuts, an orderly close.

Why the window comes before its services (issue 8): the window must appear at once. It is
built and painted first (frame, tab bar, the saved size and tab) with an empty placeholder in
every tab; the app then opens the services (history, engine, HTTP client, keyring) and hands
them over with :meth:`MainWindow.attach`, which builds the page in front. Nothing here imports
the engine, the HTTP stack or the keyring at module level, so the first paint pays for none
of them (tests/ui/test_first_paint_imports.py checks it).

Why pages are built when first shown: only the page in front is built when the services
arrive; every other tab keeps its placeholder until it is first shown (or a page is asked
for, e.g. by a shortcut or "Reuse in …"), so start-up pays for one page and one history
query, not seven.

Why the close is asynchronous: pages own running tasks (a streaming answer, a keyring call).
``closeEvent`` therefore ignores the first close, cancels every page's scope and waits for it
(with a timeout), saves the window state, and only then closes for real and tells the app to
quit (style.md §2.3). No ``asyncClose``, no nested event loop.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QByteArray, QEvent, QSize, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QPaintEvent,
    QPalette,
    QShortcut,
)
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QTabWidget, QWidget

from desktop.core.media_types import tab_task
from desktop.core.table import Task
from desktop.store.state import StateStore
from desktop.ui.app_icon import application_icon
from desktop.ui.icons import tab_icon
from desktop.ui.widgets.message_bar import MessageBar

if TYPE_CHECKING:  # the pages and the services are imported once the window has painted
    import asyncio

    from desktop.services import Services
    from desktop.ui.chat.page import ChatPage
    from desktop.ui.compare.opener import CompareOpener
    from desktop.ui.embeddings import EmbeddingsPage
    from desktop.ui.images import ImagesPage
    from desktop.ui.library import LibraryPage
    from desktop.ui.models.link import ModelLink
    from desktop.ui.providers.page import ProvidersPage
    from desktop.ui.speech import SpeechPage
    from desktop.ui.tasks import TaskScope
    from desktop.ui.video import VideoPage

log = logging.getLogger(__name__)

TAB_NAMES = ("chat", "images", "video", "speech", "embeddings", "library", "providers")
TAB_LABELS = ("Chat", "Images", "Video", "Speech", "Embeddings", "Library", "Providers")
TASK_PAGES = ("images", "video", "speech", "embeddings")
STATEFUL_PAGES = ("images", "video", "speech", "embeddings", "library")
CLOSE_TIMEOUT_S = 3.0
PREFERRED_SIZE = QSize(1180, 760)
MINIMUM_SIZE = QSize(960, 600)
"""Every page fits without clipping from here up (the screenshots in docs/ check 1024×640)."""

P = TypeVar("P", bound=QWidget)
SIDEBAR_WIDTH = 260
"""The Chat page's conversation list, as wide as the page starts it (ChatPage's splitter)."""


def chat_skeleton(parent: QWidget) -> QWidget:
    """What the Chat tab shows until its page is built: the sidebar's place beside the
    conversation's page colour, so the page then fills in rather than appears."""
    skeleton = QWidget(parent)
    row = QHBoxLayout(skeleton)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(0)
    sidebar = QWidget(skeleton)
    sidebar.setFixedWidth(SIDEBAR_WIDTH)
    page = QWidget(skeleton)
    page.setBackgroundRole(QPalette.ColorRole.Base)
    page.setAutoFillBackground(True)
    row.addWidget(sidebar)
    row.addWidget(page, 1)
    return skeleton


COMPARE_TASK_NAME = "compare"
"""``desktop.engine.compare.COMPARE_TASK``, spelt out so the window imports no engine."""


def _make_page(name: str, services: Services, parent: QWidget) -> QWidget:
    """Import and build page ``name`` (its module is imported only now)."""
    if name == "chat":
        from desktop.ui.chat.page import ChatPage

        return ChatPage(services, parent)
    if name == "images":
        from desktop.ui.images import ImagesPage

        return ImagesPage(services, parent)
    if name == "video":
        from desktop.ui.video import VideoPage

        return VideoPage(services, parent)
    if name == "speech":
        from desktop.ui.speech import SpeechPage

        return SpeechPage(services, parent)
    if name == "embeddings":
        from desktop.ui.embeddings import EmbeddingsPage

        return EmbeddingsPage(services, parent)
    if name == "library":
        from desktop.ui.library import LibraryPage

        return LibraryPage(services, parent)
    from desktop.ui.providers.page import ProvidersPage

    return ProvidersPage(services, parent)


class MainWindow(QMainWindow):
    """Titled "Switchboard"; one tab per page that works.

    Built with ``services`` (tests, tools) it is ready at once; built without, it shows its
    frame and tabs and waits for :meth:`attach` (the app paints it first, issue 8).

    Signals:
        first_painted(): the window has painted once (the app then opens the services).

    Attributes:
        chat, images, video, speech, embeddings, library, providers: the pages, in tab order
            (built on first use, once the services are attached).
    """

    first_painted = Signal()
    services: Services
    compare: CompareOpener
    _pending: TaskScope

    def __init__(
        self,
        services: Services | None = None,
        on_closed: Callable[[], None] | None = None,
        parent: QWidget | None = None,
        *,
        state: StateStore | None = None,
    ) -> None:
        super().__init__(parent)
        self._on_closed = on_closed
        self._closing: asyncio.Task[None] | None = None
        self._may_close = False
        self._painted = False
        self._state = services.state if services is not None else state
        self.setWindowTitle("Switchboard")
        self.setWindowIcon(application_icon())
        self.resize(PREFERRED_SIZE)
        self.setMinimumSize(MINIMUM_SIZE)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self._pages: dict[str, QWidget] = {}
        self.tabs.addTab(chat_skeleton(self.tabs), TAB_LABELS[0])
        for label in TAB_LABELS[1:]:
            self.tabs.addTab(QWidget(self.tabs), label)  # the page is built when first shown
        self.setCentralWidget(self.tabs)
        self.tabs.setIconSize(QSize(18, 18))
        self.colour_icons()
        self.tabs.currentChanged.connect(self._on_tab_changed)
        quit_keys = QKeySequence(QKeySequence.StandardKey.Quit).toString() or "Ctrl+Q"
        self._shortcut(quit_keys, self.close)
        self.restore_geometry()
        self.fit_to_screen()
        if services is not None:
            self.attach(services)

    @property
    def state_store(self) -> StateStore | None:
        """Where the window's size and tab are kept (the services use the same store)."""
        return self._state

    def set_on_closed(self, on_closed: Callable[[], None]) -> None:
        """Who is told once the window has closed for good (the app, to quit)."""
        self._on_closed = on_closed

    @property
    def painted(self) -> bool:
        """True once the window has painted (:attr:`first_painted` was emitted)."""
        return self._painted

    @property
    def ready(self) -> bool:
        """True once the services are attached and the page in front is built."""
        return "chat" in self._pages

    def attach(self, services: Services) -> None:
        """The services are open: build the Chat page and the page in front, wire them,
        restore what was saved, and turn on the shortcuts that act on pages."""
        from desktop.ui.compare.opener import CompareOpener
        from desktop.ui.tasks import TaskScope

        self.services = services
        self._state = services.state
        self._pending = TaskScope("window-pages")
        self.compare = CompareOpener(services, self, self._kept_from_compare)
        self._page("chat")
        self._shortcut("Ctrl+N", self._on_new_chat)
        self._shortcut("Ctrl+F", self._on_search)
        self._shortcut("Ctrl+Return", self._on_send)
        self._shortcut("Ctrl+Enter", self._on_send)
        self._shortcut("Esc", self._on_stop)
        self._shortcut("Ctrl+K", self.browse_models)
        self.restore_state()

    # --- Pages, built on first use ---------------------------------------------------------

    @property
    def chat(self) -> ChatPage:
        from desktop.ui.chat.page import ChatPage

        return self._typed("chat", ChatPage)

    @property
    def images(self) -> ImagesPage:
        from desktop.ui.images import ImagesPage

        return self._typed("images", ImagesPage)

    @property
    def video(self) -> VideoPage:
        from desktop.ui.video import VideoPage

        return self._typed("video", VideoPage)

    @property
    def speech(self) -> SpeechPage:
        from desktop.ui.speech import SpeechPage

        return self._typed("speech", SpeechPage)

    @property
    def embeddings(self) -> EmbeddingsPage:
        from desktop.ui.embeddings import EmbeddingsPage

        return self._typed("embeddings", EmbeddingsPage)

    @property
    def library(self) -> LibraryPage:
        from desktop.ui.library import LibraryPage

        return self._typed("library", LibraryPage)

    @property
    def providers(self) -> ProvidersPage:
        from desktop.ui.providers.page import ProvidersPage

        return self._typed("providers", ProvidersPage)

    def built(self, name: str) -> QWidget | None:
        """Page ``name`` if it has been built, without building it."""
        return self._pages.get(name)

    def _typed(self, name: str, kind: type[P]) -> P:
        page = self._page(name)
        assert isinstance(page, kind)
        return page

    def _page(self, name: str) -> QWidget:
        """Page ``name``, built (and put in its tab) on first use."""
        page = self._pages.get(name)
        if page is not None:
            return page
        index = TAB_NAMES.index(name)
        page = _make_page(name, self.services, self.tabs)
        self._pages[name] = page
        self._wire(name)
        current = self.tabs.currentIndex()
        placeholder = self.tabs.widget(index)
        blocked = self.tabs.blockSignals(True)
        try:
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, page, tab_icon(name, self.palette()), TAB_LABELS[index])
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(blocked)
        if placeholder is not None:
            placeholder.deleteLater()
        if name in STATEFUL_PAGES:
            restore: Any = getattr(page, "restore_state")  # noqa: B009 (every stateful page)
            restore()
        return page

    def _show_page(self, name: str) -> None:
        """Build page ``name`` as it comes to the front (a tab chosen, or the tab saved at the
        last quit): Chat at once; the other pages send requests, so their engine is made in
        the pool first and the page built when it is there (never waited for on the loop)."""
        if name in self._pages:
            return
        if name == "chat" or self.services.engine_ready:
            self._page(name)
        else:
            self._pending.spawn(self._build_when_ready(name), slot=name)

    async def _build_when_ready(self, name: str) -> None:
        """Build page ``name`` once the engine is made, without holding up the loop (the
        placeholder shows meanwhile, a fraction of a second, once per run)."""
        await self.services.prepare_engine()
        if name not in self._pages:
            self._page(name)

    def _wire(self, name: str) -> None:
        """Connect a freshly built page to the window (pages built later connect themselves)."""
        if name == "chat":
            self.chat.providers_requested.connect(self.show_providers)
            self.chat.empty.retry_keyring_requested.connect(lambda: self.providers.retry_keyring())
            self.compare.attach(
                Task.CHAT,
                self.chat.provider_picker,
                lambda: (self.chat.model_picker.current_model(), self.chat.composer.text()),
            )
        elif name == "images":
            self.images.providers_requested.connect(self.show_providers)
            self.images.generation_added.connect(self._on_generation_added)
            self.images.animate_requested.connect(lambda path: self.use_picture("animate", path))
            self.compare.attach(
                Task.TEXT_TO_IMAGE,
                self.images.policy_picker,
                lambda: (self.images.model_picker.current_model(), self.images.form.prompt.text()),
            )
        elif name == "video":
            self.video.providers_requested.connect(self.show_providers)
            self.video.generation_added.connect(self._on_generation_added)
        elif name == "speech":
            self.speech.providers_requested.connect(self.show_providers)
            self.compare.attach(
                Task.SPEECH_TO_TEXT,
                self.speech.policy_picker,
                lambda: (
                    self.speech.model_picker.current_model(),
                    str(self.speech.audio_path or ""),
                ),
            )
        elif name == "embeddings":
            self.embeddings.providers_requested.connect(self.show_providers)
        elif name == "library":
            self.library.reuse_requested.connect(self.reuse_in_tab)
            self.library.picture_chosen.connect(self.use_picture)
            self.library.generation_deleted.connect(self._on_generation_deleted)
            self.library.history_restored.connect(self.chat.new_chat)
            self.library.history_restored.connect(self.chat.sidebar.reload)
        elif name == "providers":
            self.providers.settings_changed.connect(self._on_settings_changed)
            self.providers.credentials_changed.connect(self.chat.refresh_first_launch)

    # --- Public API -----------------------------------------------------------------------

    def credentials_loaded(self) -> None:
        """The keyring was read in the background: show what it holds."""
        self.chat.refresh_first_launch()
        providers = self._pages.get("providers")
        if providers is not None:
            self.providers.refresh_credentials()

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
        """Each built task tab's link to the model directory (Browse button, type-ahead,
        checks); a tab not built yet has none."""
        links: dict[QWidget, ModelLink] = {}
        for name in ("chat", *TASK_PAGES):
            page: Any = self._pages.get(name)
            if page is None:
                continue
            picker = page.model_picker
            if name == "speech" and page.mode == "read":
                picker = page.read_aloud.model_picker
            if picker.link is not None:
                links[page] = picker.link
        return links

    def use_picture(self, purpose: str, path: str) -> None:
        """ "Use this picture" (→ Images, to change it) or "Animate it" (→ Video)."""
        page = self.video if purpose == "animate" else self.images
        self.tabs.setCurrentWidget(page)
        page.use_picture(path)

    def reuse_in_tab(self, task: str, generation_id: int) -> None:
        """Library "Reuse in …": open the tab that made the item and fill its form; a chat
        (``generation_id`` is then the conversation's) opens in the Chat tab."""
        if task == Task.CHAT.value:
            self.tabs.setCurrentWidget(self.chat)
            self.chat.open_conversation(generation_id)
        elif tab_task(task) == Task.TEXT_TO_IMAGE.value:
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
        elif task == COMPARE_TASK_NAME:
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
        if self._current_name() == "speech" and "speech" in self._pages:
            return self.speech.active_message_bar()
        bar = getattr(self.tabs.currentWidget(), "message_bar", None)
        return bar if isinstance(bar, MessageBar) else None

    def restore_geometry(self) -> None:
        """The saved size and place, and the saved tab in front (its page comes later)."""
        if self._state is None:
            return
        geometry = self._state.get_bytes("window.geometry")
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        tab = self._state.get_str("window.tab")
        if tab in TAB_NAMES:
            self.tabs.setCurrentIndex(TAB_NAMES.index(tab))  # not built yet: no services

    def restore_state(self) -> None:
        """Once attached: Chat's saved state, and the page in front built (and restored)."""
        self.chat.restore_state()
        self._show_page(self._current_name())

    def save_state(self) -> None:
        state = self.services.state
        state.set_bytes("window.geometry", bytes(self.saveGeometry().data()))
        state.set("window.tab", TAB_NAMES[max(0, self.tabs.currentIndex())])
        self.chat.save_state()
        for name in STATEFUL_PAGES:
            page: Any = self._pages.get(name)
            if page is not None:
                page.save_state()
        try:
            state.save()
        except OSError as exc:  # losing window geometry must never block quitting
            log.warning("Could not save the window state: %s", exc)

    async def shutdown(self) -> None:
        """Cancel every page's work, save the state, close, and tell the app."""
        self.save_state()
        import asyncio

        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(
                    *(page.aclose() for page in self._pages.values()),  # type: ignore[attr-defined]
                    self._pending.aclose(),
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

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
            return
        if not self.ready:  # closed before the services arrived: nothing runs, nothing to save
            event.accept()
            if self._on_closed is not None:
                self._on_closed()
            return
        try:
            import asyncio

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

    def _current_name(self) -> str:
        return TAB_NAMES[max(0, self.tabs.currentIndex())]

    def _on_search(self) -> None:
        if self._current_name() == "library":
            self.library.focus_search()
            return
        self.show_chat()
        self.chat.focus_search()

    def _on_send(self) -> None:
        from desktop.ui.widgets.task_page import TaskPage

        page = self.tabs.currentWidget()
        if page is self.chat:
            self.chat.send()
        elif isinstance(page, TaskPage):
            page.run()

    def _on_stop(self) -> None:
        from desktop.ui.widgets.task_page import TaskPage

        page = self.tabs.currentWidget()
        if isinstance(page, TaskPage):
            page.cancel()
        elif self.chat.busy:
            self.chat.stop()

    def _on_generation_added(self, *_: object) -> None:
        if "library" in self._pages:  # a library built later reads everything anyway
            self.library.mark_stale()

    def _on_generation_deleted(self, _generation_id: int) -> None:
        for name in ("images", "video"):
            page: Any = self._pages.get(name)
            if page is not None:
                page.reload()

    def _on_tab_changed(self, index: int) -> None:
        name = TAB_NAMES[index] if 0 <= index < len(TAB_NAMES) else ""
        if not name or not self.ready:
            return  # before the services arrive, attach() builds the page in front
        if name not in self._pages:
            self._show_page(name)
        elif name == "library":
            # Anything made in any tab shows up the next time the Library is opened.
            self.library.mark_stale()

    def _on_settings_changed(self) -> None:
        self.chat.refresh_providers()
        for name in TASK_PAGES:
            page: Any = self._pages.get(name)
            if page is not None:
                page.refresh_providers()
        self.chat.refresh_first_launch()
