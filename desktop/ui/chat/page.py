"""The Chat tab: conversations on the left, the open conversation and the composer on the right.

This page turns clicks into chat turns and shows them. Each turn is one task in the page's
:class:`TaskScope` slot ``"turn"``: Stop cancels it (the engine keeps the partial answer), and
closing the window cancels whatever still runs. The page never blocks the loop: history reads,
image decoding and PNG encoding go to the thread pool.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QImage,
    QImageWriter,
    QPalette,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.core.chat_types import Attachment
from desktop.core.errors import SwitchboardError
from desktop.core.table import Task
from desktop.core.vocab import FixAction, Status
from desktop.services import Services
from desktop.store.faults import STORAGE_ERRORS, storage_fault
from desktop.ui.chat.attachments import load_thumbnail
from desktop.ui.chat.composer import Composer, local_image_paths
from desktop.ui.chat.conversation_list import ConversationList
from desktop.ui.chat.live_turn import LiveTurn
from desktop.ui.chat.markdown import warm_up
from desktop.ui.chat.message_data import STREAMING, MessageData
from desktop.ui.chat.message_view import MessageView
from desktop.ui.chat.message_widget import MessageWidget
from desktop.ui.chat.pickers import ModelPicker, ProviderPicker
from desktop.ui.chat.welcome import EmptyChat
from desktop.ui.costs.tab_billing import TabBillTo
from desktop.ui.errors import apply_fix, show_problem
from desktop.ui.models.link import ModelLink, link_allows
from desktop.ui.tasks import TaskScope, run_dialog
from desktop.ui.widgets import tab_order
from desktop.ui.widgets.labels import ElidedLabel, MutedLabel, heading_font
from desktop.ui.widgets.message_bar import MessageBar

if TYPE_CHECKING:
    from desktop.engine.conversations import Turn

log = logging.getLogger(__name__)

CHAT = Task.CHAT.value
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp *.tif *.tiff);;All files (*)"


def encode_png(image: QImage) -> bytes:
    """PNG bytes of ``image`` (blocking: run it off the loop)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    if not writer.write(image):
        raise SwitchboardError("The pasted image could not be read; try saving it as a file.")
    buffer.close()
    return bytes(data.data())


class ChatPage(QWidget):
    """Conversations, messages, composer.

    Signals:
        providers_requested(str): open the Providers page; "token" focuses the HF token,
            "server" starts adding a custom server, "" just opens it.
    """

    providers_requested = Signal(str)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.scope = TaskScope("chat")
        self._conversation_id: int | None = None
        self._live: LiveTurn | None = None
        self._getting_ready = False
        self._renderer: asyncio.Future[None] | None = None
        self.setAcceptDrops(True)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.sidebar = ConversationList(services, self.splitter)
        self.sidebar.setMinimumWidth(200)
        self.sidebar.conversation_chosen.connect(self.open_conversation)
        self.sidebar.new_requested.connect(self.new_chat)
        self.sidebar.deleted.connect(self._on_conversation_deleted)

        right = QWidget(self.splitter)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        bar = QHBoxLayout()
        bar.setContentsMargins(16, 10, 16, 6)
        bar.setSpacing(8)
        self.title = ElidedLabel("New chat", right)
        self.title.setFont(heading_font(self.title.font()))
        # Room for "New chat" and a few words at the smallest window: never "New c…".
        self.title.setMinimumWidth(self.title.fontMetrics().horizontalAdvance("New chat ") + 4)
        # It shares the room with the model box (itself expanding), not only what is left.
        self.title.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.title, 1)
        bar.addWidget(MutedLabel("Model", right))
        self.model_picker = ModelPicker(right)
        bar.addWidget(self.model_picker, 1)  # the title gets as much: "A weeke…" said little
        self.provider_picker = ProviderPicker(right)
        link = ModelLink(
            services, Task.CHAT, self.model_picker, self.provider_picker, again="Send again"
        )
        bar.addWidget(link.button)
        bar.addWidget(MutedLabel("Provider", right))
        self.provider_picker.activated.connect(self._on_policy_chosen)
        bar.addWidget(self.provider_picker)
        self.bill_to = TabBillTo(services, self.scope, right)
        bar.addWidget(self.bill_to)
        column.addLayout(bar)
        self.message_bar = MessageBar(right)
        self.message_bar.action_requested.connect(self._on_fix)
        bar_holder = QHBoxLayout()
        bar_holder.setContentsMargins(16, 0, 16, 6)
        bar_holder.addWidget(self.message_bar)
        column.addLayout(bar_holder)
        self.stack = QStackedWidget(right)
        # The conversation sits on the document colour, like a page; the frame around it
        # (sidebar, composer) keeps the window colour.
        self.stack.setBackgroundRole(QPalette.ColorRole.Base)
        self.stack.setAutoFillBackground(True)
        self.empty = EmptyChat(self.stack)
        self.empty.add_token_requested.connect(lambda: self.providers_requested.emit("token"))
        self.empty.add_server_requested.connect(lambda: self.providers_requested.emit("server"))
        self.view = MessageView(self.stack)
        self.view.message_added.connect(self._on_message_added)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        column.addWidget(self.stack, 1)
        self.composer = Composer(right)
        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.composer.attach_requested.connect(self._on_attach_requested)
        self.composer.image_pasted.connect(self._on_image_pasted)
        self.composer.files_dropped.connect(self._on_files_dropped)
        column.addWidget(self.composer)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 900])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.splitter)
        tab_order.follow(
            self.sidebar,  # search, "New chat", the chats
            self.model_picker,
            link.button,
            self.provider_picker,
            self.bill_to,  # the tab's own "Bill to" (shown once an organisation is listed)
            self.message_bar,
            self.stack,  # the welcome's buttons, or the messages
            self.composer,
        )

        self.refresh_models()
        self.provider_picker.refresh(services.settings, keep=services.settings.chat_policy)
        self.refresh_first_launch()
        self.sidebar.reload()
        # The first answer must not pay for the engine or the renderer mid-stream, nor an
        # idle window hold them: both are made once a question is being written (issue 8).
        self.composer.prompt.textChanged.connect(self.get_ready)

    # --- Public API -----------------------------------------------------------------------

    @property
    def conversation_id(self) -> int | None:
        return self._conversation_id

    @property
    def busy(self) -> bool:
        """True while an answer is arriving."""
        return self._live is not None

    def restore_state(self) -> None:
        state = self.services.state
        sizes = state.get_int_list("chat.splitter")
        if sizes and len(sizes) == 2:
            self.splitter.setSizes(sizes)
        model = state.get_str("chat.model")
        if model:
            self.model_picker.set_current_model(model)

    def save_state(self) -> None:
        state = self.services.state
        state.set("chat.splitter", list(self.splitter.sizes()))
        state.set("chat.model", self.model_picker.current_model())

    def refresh_models(self) -> None:
        """Offer the default, recent and cached models (keeps what is typed)."""
        settings = self.services.settings
        default = settings.default_models.get(CHAT, "")
        try:
            cached = self.services.cached_models(CHAT)
        except Exception:  # a damaged cache must not break the page; the engine rebuilds it
            log.exception("Could not read the cached model list")
            cached = []
        typed = self.model_picker.current_model()
        self.model_picker.set_models([default, *settings.recent_models, *cached])
        self.model_picker.set_current_model(typed or default)

    def refresh_providers(self) -> None:
        """The provider list changed (order, switches, custom servers)."""
        self.provider_picker.refresh(self.services.settings)

    def refresh_first_launch(self) -> None:
        """Show the how-to-start panel only when nothing at all can be called."""
        credentials = self.services.credentials
        # While the keyring is still opening, nothing says this is a first launch.
        first = (
            credentials.loaded
            and not credentials.any()
            and not self.services.settings.custom_endpoints
        )
        self.empty.set_first_launch(first, keyring_locked=credentials.keyring_locked)
        self._show_current_page()

    def new_chat(self) -> None:
        """Start an empty conversation (the old one stays in the list)."""
        if self._live is not None:
            self._live.detach()
        self._conversation_id = None
        self.view.clear()
        self.sidebar.set_current(None)
        self.title.set_full_text("New chat")
        self.message_bar.clear()
        self._show_current_page()
        self.composer.focus_prompt()

    def open_conversation(self, conversation_id: int, reveal: object = None) -> None:
        """Show a stored conversation; ``reveal`` is a message id to scroll to."""
        message_id = reveal if isinstance(reveal, int) else None
        if conversation_id == self._conversation_id and message_id is None:
            return
        self.scope.spawn(self._open(conversation_id, message_id), slot="open")

    def focus_search(self) -> None:
        self.sidebar.focus_search()

    def send(self) -> None:
        """Send what is in the composer (Ctrl+Enter or the Send button)."""
        if self._live is not None:
            return
        text = self.composer.text().strip()
        attachments = self.composer.attachments()
        if not text and not attachments:
            self.composer.focus_prompt()
            return
        chosen = self.model_picker.current_model()
        if chosen and not link_allows(self.model_picker, chosen, self.message_bar, attachments):
            return  # a model for another tab, one that can't read the pictures, or a typo
        started = self._new_turn("send")
        if started is None:
            return
        live, model, provider = started
        conversation_id = self._conversation_id
        self.composer.clear()
        live.user_text = text
        live.attachments = list(attachments)

        def call(listener: LiveTurn) -> Awaitable[Turn]:
            return self.services.chat.send(
                conversation_id,
                text,
                model=model,
                provider=provider,
                attachments=attachments,
                listener=listener,
            )

        self._start(live, call, restore=(text, attachments))

    def regenerate(self) -> None:
        """Answer the last question again (Regenerate, Retry, Try again)."""
        conversation_id = self._conversation_id
        started = self._new_turn("regenerate") if conversation_id is not None else None
        if conversation_id is None or started is None:
            return
        live, model, provider = started
        widgets = self.view.widgets()
        if widgets and widgets[-1].data.role == "assistant":
            live.replaces = widgets[-1].message_id

        def call(listener: LiveTurn) -> Awaitable[Turn]:
            return self.services.chat.regenerate(
                conversation_id, model=model, provider=provider, listener=listener
            )

        self._start(live, call)

    def edit_and_resend(self, message_id: int, text: str) -> None:
        """Replace user message ``message_id`` and everything after it, then ask again."""
        conversation_id = self._conversation_id
        started = self._new_turn("edit") if conversation_id is not None else None
        if conversation_id is None or started is None:
            return
        live, model, provider = started
        old = self.view.widget_for(message_id)
        live.replaces = message_id
        live.user_text = text
        live.attachments = list(old.data.attachments) if old is not None else []

        def call(listener: LiveTurn) -> Awaitable[Turn]:
            return self.services.chat.edit_and_resend(
                conversation_id,
                message_id,
                text,
                model=model,
                provider=provider,
                listener=listener,
            )

        self._start(live, call, restore=(text, list(live.attachments)))

    def show_version(self, message_id: int, step: int) -> None:
        """Show another version of a turn ("‹" / "›"): its answer and what followed it."""
        conversation_id = self._conversation_id
        if conversation_id is None or self._live is not None:
            return
        self.scope.spawn(self._show_version(conversation_id, message_id, step), slot="open")

    async def _show_version(self, conversation_id: int, message_id: int, step: int) -> None:
        history = self.services.history
        try:
            shown = await self.services.db.run(history.step_version, message_id, step)
        except STORAGE_ERRORS as exc:
            self.message_bar.show_error(
                str(storage_fault(exc, "The other version could not be shown", history.path))
            )
            return
        if shown is not None:
            await self._open(conversation_id, shown)

    def stop(self) -> None:
        """Stop the answer now; the partial text stays, marked as stopped."""
        live = self._live
        if live is None:
            return
        self.scope.cancel("turn")
        live.close()
        if live.widget is not None:
            live.widget.mark_stopped()
        self._live = None
        self._set_busy(False)

    async def aclose(self) -> None:
        """Cancel every task of the page (the window is closing)."""
        await self.scope.aclose()
        await self.sidebar.aclose()

    # --- Turns ----------------------------------------------------------------------------

    def _new_turn(self, kind: str) -> tuple[LiveTurn, str, str] | None:
        """A live turn of ``kind`` ("send", "regenerate", "edit"), its model and provider
        policy; None while an answer is arriving, or when no model is chosen (said so)."""
        if self._live is not None:
            return None
        model = self.model_picker.current_model()
        if not model:
            self.message_bar.show_error(
                "Type or pick a model first, for example meta-llama/Llama-3.1-8B-Instruct."
            )
            self.model_picker.setFocus()
            return None
        live = LiveTurn(kind, model, self._on_turn_started, self)
        return live, model, self.provider_picker.current_policy()

    def _start(
        self,
        live: LiveTurn,
        call: Callable[[LiveTurn], Awaitable[Turn]],
        restore: tuple[str, list[Attachment]] | None = None,
    ) -> None:
        self.message_bar.clear()
        live.origin = self._conversation_id
        self._live = live
        self._set_busy(True)
        self.scope.spawn(self._run(live, call, restore), slot="turn")

    async def _run(
        self,
        live: LiveTurn,
        call: Callable[[LiveTurn], Awaitable[Turn]],
        restore: tuple[str, list[Attachment]] | None,
    ) -> None:
        try:
            await self.services.prepare_engine()  # made in the pool if not yet (issue 8)
            turn = await call(live)
        except asyncio.CancelledError:
            live.close()
            self._show_stopped_cost(live)
            raise
        except SwitchboardError as exc:
            live.close()
            self._on_turn_error(live, str(exc), exc.action, restore)
        except Exception:
            live.close()
            self._on_turn_error(
                live, "Something went wrong; the error was reported.", FixAction.RETRY, None
            )
            raise
        else:
            live.close()
            self._on_turn_finished(live, turn)
        finally:
            if self._live is live:
                self._live = None
                self._set_busy(False)
            self.sidebar.reload()

    @staticmethod
    def _show_stopped_cost(live: LiveTurn) -> None:
        """Under a stopped answer, what it cost (recorded by the engine as the stop ended)."""
        turn, widget = live.turn, live.widget
        trace = turn.trace if turn is not None else None
        if trace is not None and trace.cost is not None and widget is not None and isValid(widget):
            widget.show_stopped_cost(trace)

    def _on_turn_started(self, live: LiveTurn) -> None:
        turn = live.turn
        if turn is None or self._live is not live or self._conversation_id != live.origin:
            return  # the user went elsewhere meanwhile; the answer is still saved
        if live.kind == "send" and self._conversation_id != turn.conversation_id:
            self._conversation_id = turn.conversation_id
            self.view.clear()
            self.sidebar.set_current(turn.conversation_id)
            self.title.set_full_text(" ".join(live.user_text.split()[:8]) or "New chat")
            live.origin = turn.conversation_id
        if live.replaces is not None:
            self.view.truncate_from(live.replaces)
        if turn.user_message_id is not None:
            self.view.append(
                MessageData(turn.user_message_id, "user", live.user_text, list(live.attachments))
            )
        widget = self.view.append(
            MessageData(
                turn.assistant_message_id, "assistant", "", model=live.model, status=STREAMING
            )
        )
        live.attach(widget)
        self._show_current_page()
        self.view.scroll_to_bottom()
        self.sidebar.reload()

    def _on_turn_finished(self, live: LiveTurn, turn: Turn) -> None:
        result = turn.result
        widget = live.widget
        if result is not None and widget is not None and isValid(widget):
            widget.finish(result)
        self.view.refresh_actions()
        if result is not None and result.status != Status.FAILED:
            self.services.settings.remember_model(live.model)
            self.services.save_settings()
            self.refresh_models()
        if result is not None and result.status == Status.COMPLETE:
            self.message_bar.clear()
        if turn.replaced is not None and self._conversation_id == turn.conversation_id:
            # Show the versions ("‹ 2/2 ›"), or the previous answer again if this one
            # brought nothing; then say why it brought nothing.
            failure = (result.error, result.error_action) if turn.withdrawn and result else None
            self.scope.spawn(self._open(turn.conversation_id, None, failure), slot="open")

    def _on_turn_error(
        self,
        live: LiveTurn,
        text: str,
        action: str | None,
        restore: tuple[str, list[Attachment]] | None,
    ) -> None:
        widget = live.widget
        if widget is not None and isValid(widget):
            widget.show_failure(text, action)
            return
        if restore is not None and live.turn is None and not self.composer.text():
            restored_text, attachments = restore
            self.composer.set_text(restored_text)
            for attachment in attachments:
                self._queue_attachment(attachment)
        self.message_bar.show_error(text, action)

    def _on_fix(self, action: str) -> None:
        """The fix button of an error, in the bar or under a failed answer."""
        apply_fix(
            action,
            retry=self.regenerate,
            providers_requested=self.providers_requested,
            provider_picker=self.provider_picker,
        )

    def _set_busy(self, busy: bool) -> None:
        self.composer.set_busy(busy)
        self.view.set_busy(busy)

    def get_ready(self) -> None:
        """A question is being written: load the markdown renderer its answer is shown
        with, then make the engine, both in the pool and once (issue 8: an idle window
        holds neither, and the first answer pays for neither on the GUI thread)."""
        if not self._getting_ready:
            self._getting_ready = True
            self.composer.prompt.textChanged.disconnect(self.get_ready)
            self.scope.spawn(self._get_ready(), slot="get-ready")

    async def _get_ready(self) -> None:
        try:
            await self._renderer_loaded()
            await self.services.prepare_engine()
        except Exception:  # the request itself meets the same problem and says it in words
            log.exception("Could not get the engine and the renderer ready")

    def _renderer_loaded(self) -> asyncio.Future[None]:
        """Markdown-it and Pygments imported and the renderer built, in the pool (once)."""
        if self._renderer is None:
            self._renderer = asyncio.ensure_future(self.services.run_blocking(warm_up))
        return asyncio.shield(self._renderer)

    # --- Conversations --------------------------------------------------------------------

    async def _open(
        self,
        conversation_id: int,
        reveal: int | None,
        failure: tuple[str | None, str | None] | None = None,
    ) -> None:
        renderer = self._renderer_loaded()  # loads while the history is read
        history = self.services.history
        try:
            conversation = await self.services.db.run(history.get_conversation, conversation_id)
        except STORAGE_ERRORS as exc:
            self.message_bar.show_error(
                str(storage_fault(exc, "This conversation could not be opened", history.path))
            )
            return
        try:
            await renderer  # its answers are rendered next: never an import on the loop
        except Exception:  # rendering meets the same problem and shows the text as it is
            log.exception("Could not load the markdown renderer")
        if conversation is None:
            self.sidebar.reload()
            self.new_chat()
            return
        live = self._live
        if live is not None:
            live.detach()
        self._conversation_id = conversation_id
        self.sidebar.set_current(conversation_id)
        self.title.set_full_text(conversation.title)
        self.message_bar.clear()
        messages = [MessageData.from_stored(m) for m in conversation.messages if m.role != "system"]
        streaming_id = None
        if (
            live is not None
            and live.turn is not None
            and live.turn.conversation_id == conversation_id
        ):
            streaming_id = live.turn.assistant_message_id
            live.origin = conversation_id
        self.view.set_messages(messages)
        if live is not None and streaming_id is not None:
            widget = self.view.widget_for(streaming_id)
            if widget is not None:
                live.attach(widget)
        if conversation.model:
            self.model_picker.set_current_model(conversation.model)
        if conversation.provider_policy:
            self.provider_picker.set_policy(conversation.provider_policy)
        self._show_current_page()
        if reveal is not None:
            self.view.reveal(reveal)
        if failure is not None and failure[0]:
            self.message_bar.show_error(failure[0], failure[1])

    def _on_conversation_deleted(self, conversation_id: int) -> None:
        if conversation_id == self._conversation_id:
            self.new_chat()

    def _on_policy_chosen(self, _index: int) -> None:
        """Remember the user's choice for the next chats (only on a user action)."""
        settings = self.services.settings
        settings.chat_policy = self.provider_picker.current_policy()
        self.services.save_settings()

    def _show_current_page(self) -> None:
        if self.view.is_empty() and self._live is None:
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.view)

    def _on_message_added(self, widget: MessageWidget) -> None:
        widget.regenerate_requested.connect(self.regenerate)
        widget.edit_submitted.connect(self.edit_and_resend)
        widget.version_requested.connect(self.show_version)
        widget.action_requested.connect(self._on_fix)
        for attachment in widget.data.attachments:
            self.scope.spawn(self._load_thumbnail(widget, attachment.path))

    async def _load_thumbnail(self, widget: MessageWidget, path: str) -> None:
        image = await self.services.run_blocking(load_thumbnail, path)
        if isValid(widget):
            widget.images.set_image(path, image)

    # --- Attachments ----------------------------------------------------------------------

    def _on_attach_requested(self) -> None:
        self.scope.spawn(self._pick_images(), slot="pick")

    async def _pick_images(self) -> None:
        dialog = QFileDialog(self, "Add images", str(Path.home()), IMAGE_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        code = await run_dialog(dialog)
        paths = dialog.selectedFiles() if code == QDialog.DialogCode.Accepted else []
        dialog.deleteLater()
        await self._import_files(paths)

    def _on_files_dropped(self, paths: list[str]) -> None:
        self.scope.spawn(self._import_files(paths))

    def _on_image_pasted(self, image: QImage) -> None:
        self.scope.spawn(self._import_pasted(image))

    async def _import_files(self, paths: list[str]) -> None:
        for path in paths:
            try:
                attachment = await self.services.chat.import_image(Path(path))
            except SwitchboardError as exc:
                show_problem(self.message_bar, exc)
                continue
            self._queue_attachment(attachment)

    async def _import_pasted(self, image: QImage) -> None:
        try:
            data = await self.services.run_blocking(encode_png, image)
            attachment = await self.services.chat.import_image_bytes(data, "pasted image")
        except SwitchboardError as exc:
            show_problem(self.message_bar, exc)
            return
        self._queue_attachment(attachment)

    def _queue_attachment(self, attachment: Attachment) -> None:
        if self.composer.add_attachment(attachment):
            self.scope.spawn(self._load_pending_thumbnail(attachment.path))

    async def _load_pending_thumbnail(self, path: str) -> None:
        image = await self.services.run_blocking(load_thumbnail, path)
        self.composer.set_thumbnail(path, image)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if local_image_paths(mime) or mime.hasImage():
            event.acceptProposedAction()
            self.composer.set_drop_highlight(True)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.composer.set_drop_highlight(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.composer.set_drop_highlight(False)
        mime = event.mimeData()
        paths = local_image_paths(mime)
        if paths:
            self._on_files_dropped(paths)
        elif mime.hasImage():
            self._on_image_pasted(QImage(mime.imageData()))
        else:
            return
        event.acceptProposedAction()
