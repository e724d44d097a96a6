"""One message in the conversation: text, images, who answered, what went wrong, actions.

Why one widget per message (style.md §3.2): a finished message is laid out once and never
touched again; only the live answer changes, so long conversations stay cheap. The widget only
shows and asks: every action is a signal the chat page turns into work.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.chat_types import ChatResult
from desktop.core.trace import Trace
from desktop.core.vocab import FixAction, Status
from desktop.ui.chat.attachments import AttachmentStrip
from desktop.ui.chat.message_data import (
    ATTEMPT_HEADERS,
    STREAMING,
    MessageData,
    attempt_rows,
    badge_text,
    badge_tooltip,
    cost_text,
    cost_tooltip,
    failover_summary,
    interruption_text,
    restart_text,
    version_text,
)
from desktop.ui.chat.text_view import MessageText
from desktop.ui.theme import bubble_colour, mix
from desktop.ui.widgets.labels import MutedLabel
from desktop.ui.widgets.message_bar import MessageBar
from desktop.ui.widgets.routing_words import routing_notes, skipped_notes

SHOWN_CHARS = 256 * 1024
"""The most text one message lays out. Answers can hold up to 8 MB (a provider's limit in
``answer_limits``); laying that out froze the window for minutes, so a longer answer shows
its beginning and says so, while Copy still takes all of it."""


def shown_part(text: str) -> tuple[str, str]:
    """The text to lay out, and the note saying it is cut (``""`` when it is not)."""
    if len(text) <= SHOWN_CHARS:
        return text, ""
    size = f"{len(text) / (1024 * 1024):.1f} MB"
    return text[:SHOWN_CHARS], (
        f"This answer is very long ({size}); only its first 256 KB are shown here. "
        "Copy takes all of it."
    )


def _tool(text: str, tooltip: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tooltip)
    button.setAutoRaise(True)
    return button


class MessageWidget(QFrame):
    """Shows one :class:`MessageData`.

    Signals:
        regenerate_requested(): answer the last question again.
        edit_submitted(int, str): resend user message ``id`` with new text.
        action_requested(str): the fix button of an error ("add_token", "retry", …).
        version_requested(int, int): show the version ``step`` (-1 or +1) away from
            message ``id``.
    """

    regenerate_requested = Signal()
    edit_submitted = Signal(int, str)
    action_requested = Signal(str)
    version_requested = Signal(int, int)

    def __init__(self, data: MessageData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = data
        self.tab_stops: list[QWidget] = []
        """Its controls in Tab order, once the view placed them (see ``MessageView``)."""
        self._can_regenerate = False
        self._busy = False
        is_user = data.role == "user"
        layout = QVBoxLayout(self)
        if is_user:
            layout.setContentsMargins(14, 10, 14, 8)
        else:
            layout.setContentsMargins(4, 6, 4, 6)
        layout.setSpacing(4)

        header = QHBoxLayout()
        header.setSpacing(8)
        self.author = QLabel(self._author_text(), self)
        bold = QFont(self.author.font())
        bold.setBold(True)
        self.author.setFont(bold)
        header.addWidget(self.author)
        self.badge = MutedLabel("", self)
        self.badge.setObjectName("badge")
        header.addWidget(self.badge)
        self.failover = MutedLabel("", self)
        self.failover.setObjectName("failover")
        self.failover.setToolTip("Providers tried before the one that answered")
        header.addWidget(self.failover)
        self.progress = MutedLabel("", self)
        header.addWidget(self.progress)
        header.addStretch(1)
        layout.addLayout(header)

        self.images = AttachmentStrip(self)
        for attachment in data.attachments:
            self.images.add(attachment.path, attachment.name or "image")
        layout.addWidget(self.images)

        self.body = MessageText(self, markdown=not is_user)
        layout.addWidget(self.body)
        self.cut_note = MutedLabel("", self)
        self.cut_note.setWordWrap(True)
        self.cut_note.hide()
        layout.addWidget(self.cut_note)
        self.editor: QPlainTextEdit | None = None
        self._editor_row: QWidget | None = None

        self.status_bar = MessageBar(self, closable=False)
        self.status_bar.action_requested.connect(self.action_requested)
        layout.addWidget(self.status_bar)

        self.details = QLabel(self)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.hide()

        actions = QHBoxLayout()
        actions.setSpacing(2)
        # "‹ 2/3 ›": the versions of this turn (regenerated answers, edited questions).
        self.previous_version = _tool("‹", "Show the previous version", self)
        self.previous_version.clicked.connect(lambda: self._ask_version(-1))
        actions.addWidget(self.previous_version)
        self.version_label = MutedLabel("", self)
        self.version_label.setObjectName("version")
        actions.addWidget(self.version_label)
        self.next_version = _tool("›", "Show the next version", self)
        self.next_version.clicked.connect(lambda: self._ask_version(1))
        actions.addWidget(self.next_version)
        self.copy_button = _tool("Copy", "Copy this message as text", self)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        actions.addWidget(self.copy_button)
        self.regenerate_button = _tool("Regenerate", "Answer the last question again", self)
        self.regenerate_button.clicked.connect(self.regenerate_requested)
        actions.addWidget(self.regenerate_button)
        self.edit_button = _tool("Edit && resend", "Change this message and ask again", self)
        self.edit_button.clicked.connect(self._on_edit_clicked)
        actions.addWidget(self.edit_button)
        self.details_button = _tool("Details", "Show every provider that was tried", self)
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._on_details_toggled)
        actions.addWidget(self.details_button)
        actions.addStretch(1)
        # The answer's estimated cost, quiet at the end of its row of actions.
        self.cost = MutedLabel("", self)
        self.cost.setObjectName("cost")
        self.cost.setAccessibleName("Estimated cost")
        actions.addWidget(self.cost)
        layout.addLayout(actions)
        # The routing table sits under the actions, opened by "Details".
        layout.addWidget(self.details)

        self.refresh()

    # --- Public API -----------------------------------------------------------------------

    @property
    def message_id(self) -> int | None:
        return self.data.id

    def refresh(self) -> None:
        """Re-show everything from :attr:`data` (after a turn ends)."""
        data = self.data
        shown, note = shown_part(data.text)
        if data.status == STREAMING:
            self.body.begin_stream(shown)
        else:
            self.body.set_text(shown)
        self.cut_note.setText(note)
        self.cut_note.setVisible(bool(note))
        self.body.setVisible(bool(data.text) or data.status == STREAMING)
        self.author.setText(self._author_text())
        self.badge.setText(badge_text(data))
        self.badge.setToolTip(badge_tooltip(data))
        if data.status != STREAMING:
            self.progress.setText("")
        self._show_cost()
        self._show_status()
        self._show_trace()
        self._update_actions()

    def begin_stream(self, text: str) -> None:
        """Become the live answer, starting from ``text`` already received."""
        self.data.status = STREAMING
        self.data.text = text
        self.body.setVisible(True)
        self.body.begin_stream(shown_part(text)[0])
        self._update_actions()

    def append_stream(self, chunk: str) -> None:
        """More answer text arrived (already coalesced by the caller)."""
        before = len(self.data.text)
        self.data.text += chunk
        if before < SHOWN_CHARS:
            self.body.append_stream(chunk[: SHOWN_CHARS - before])
        if self.data.text:
            self.progress.setText("")

    def replace_stream(self, note: str) -> None:
        """The answer so far broke off and another provider starts over: drop its text
        (the new answer replaces it, never follows it) and say so."""
        self.data.text = ""
        self.body.begin_stream("")
        self.status_bar.show_info(note + "; its complete answer replaces the partial one.")

    def set_progress(self, text: str) -> None:
        """A short live status ("Trying Groq…") shown until text arrives."""
        self.progress.setText(text)

    def set_live_provider(self, provider: str | None) -> None:
        """Show who is answering while the stream runs."""
        self.data.provider = provider
        self.badge.setText(badge_text(self.data))

    def finish(self, result: ChatResult) -> None:
        """The turn ended: show the final text, badge, markers and trace."""
        self.data.apply_result(result)
        self.body.end_stream()
        self.refresh()

    def show_stopped_cost(self, trace: Trace) -> None:
        """The stopped answer's estimate arrived (the engine records it after the stop)."""
        self.data.trace = trace
        self._show_cost()

    def mark_stopped(self) -> None:
        """The user pressed Stop: keep what arrived and say so."""
        self.data.status = Status.INTERRUPTED
        self.data.stopped_by_user = True
        self.body.end_stream()
        self.refresh()

    def show_failure(self, text: str, action: str | None) -> None:
        """The turn broke without a result (an error before or outside the engine)."""
        self.data.status = Status.FAILED
        self.data.error = text
        self.data.error_action = action
        self.body.end_stream()
        self.refresh()

    def set_can_regenerate(self, allowed: bool) -> None:
        self._can_regenerate = allowed
        self._update_actions()

    def set_busy(self, busy: bool) -> None:
        """While a turn runs, actions that would start another are disabled."""
        self._busy = busy
        self._update_actions()

    def flash(self) -> None:
        """Briefly highlight this message (a search hit that was jumped to)."""
        self.setProperty("flash", True)
        self.update()
        QTimer.singleShot(1500, self._end_flash)

    # --- Internals ------------------------------------------------------------------------

    def _author_text(self) -> str:
        if self.data.role == "user":
            return "You"
        if self.data.role == "system":
            return "Instructions"
        model = self.data.model or "Assistant"
        return model.rsplit("/", 1)[-1]

    def _show_status(self) -> None:
        data = self.data
        marker = interruption_text(data)
        if marker:
            detail = "" if data.stopped_by_user or not data.error else f" ({data.error})"
            self.status_bar.show_info(marker + detail, "retry", label="Retry")
        elif data.status == Status.FAILED:
            self.status_bar.show_error(data.error or "This answer failed.", data.error_action)
        elif restart_text(data):
            self.status_bar.show_info(restart_text(data))
        else:
            self.status_bar.clear()

    def _show_cost(self) -> None:
        text = cost_text(self.data)
        self.cost.setText(text)
        self.cost.setToolTip(cost_tooltip(self.data))
        self.cost.setVisible(bool(text))

    def _show_trace(self) -> None:
        summary = failover_summary(self.data)
        self.failover.setText(summary)
        self.failover.setVisible(bool(summary))
        has_trace = bool(self.data.trace and self.data.trace.attempts)
        live = self.data.status == STREAMING
        self.details_button.setVisible(has_trace and not live)
        if self.details_button.isChecked():
            self._fill_details()

    def _fill_details(self) -> None:
        trace = self.data.trace
        if trace is None:
            self.details.setText("")
            return
        palette = self.palette()
        border = mix(
            palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text), 0.3
        ).name()
        head = "".join(f"<th align='left'>{html.escape(h)}</th>" for h in ATTEMPT_HEADERS)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in attempt_rows(trace)
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in skipped_notes(trace))
        skipped = f"<p>Not tried:</p><ul>{notes}</ul>" if notes else ""
        skipped = "".join(f"<p>{html.escape(n)}</p>" for n in routing_notes(trace)) + skipped
        model = html.escape(trace.model)
        policy = html.escape(trace.policy)
        self.details.setText(
            f"<p>Model <b>{model}</b>, provider choice <b>{policy}</b>.</p>"
            f"<table border='1' cellspacing='0' cellpadding='4' "
            f"style='border-collapse:collapse; border-color:{border};'>"
            f"<tr>{head}</tr>{rows}</table>{skipped}"
        )

    def _update_actions(self) -> None:
        data = self.data
        live = data.status == STREAMING
        self.copy_button.setVisible(bool(data.text) and not live)
        # One action per intent: when the bar already offers Retry / Try again, that is the
        # way to answer again, so Regenerate steps aside.
        retry_offered = bool(interruption_text(data)) or (
            data.status == Status.FAILED and data.error_action == FixAction.RETRY
        )
        self.regenerate_button.setVisible(
            data.role == "assistant" and self._can_regenerate and not live and not retry_offered
        )
        self.regenerate_button.setEnabled(not self._busy)
        self.edit_button.setVisible(data.role == "user" and data.id is not None)
        self.edit_button.setEnabled(not self._busy and self.editor is None)
        self.status_bar.action_button.setEnabled(not self._busy)
        versions = version_text(data)
        self.version_label.setText(versions)
        for button in (self.previous_version, self.version_label, self.next_version):
            button.setVisible(bool(versions) and not live and data.id is not None)
        self.previous_version.setEnabled(not self._busy and data.version > 1)
        self.next_version.setEnabled(not self._busy and data.version < data.version_count)

    def _ask_version(self, step: int) -> None:
        if self.data.id is not None and not self._busy:
            self.version_requested.emit(self.data.id, step)

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.data.text)
        self.copy_button.setText("Copied")
        # The button as context: the timer is dropped if the widget goes first.
        QTimer.singleShot(1200, self.copy_button, lambda: self.copy_button.setText("Copy"))

    def _on_details_toggled(self, shown: bool) -> None:
        if shown:
            self._fill_details()
        self.details.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Details")

    def _on_edit_clicked(self) -> None:
        if self.editor is not None:
            return
        row = QWidget(self)
        row_layout = QVBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        editor = QPlainTextEdit(row)
        editor.setPlainText(self.data.text)
        editor.setMinimumHeight(80)
        row_layout.addWidget(editor)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        cancel = QPushButton("Cancel", row)
        send = QPushButton("Send", row)
        send.setDefault(True)
        buttons.addWidget(cancel)
        buttons.addWidget(send)
        row_layout.addLayout(buttons)
        cancel.clicked.connect(self._close_editor)
        send.clicked.connect(self._submit_edit)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.body) + 1, row)
        self.body.hide()
        self.editor = editor
        self._editor_row = row
        editor.setFocus()
        self._update_actions()

    def _submit_edit(self) -> None:
        if self.editor is None or self.data.id is None:
            return
        text = self.editor.toPlainText().strip()
        if not text or self._busy:
            return
        message_id = self.data.id
        self._close_editor()
        self.edit_submitted.emit(message_id, text)

    def _close_editor(self) -> None:
        if self._editor_row is not None:
            self._editor_row.hide()
            self._editor_row.deleteLater()  # may be inside its own button's click
        self.editor = None
        self._editor_row = None
        self.body.setVisible(bool(self.data.text))
        self._update_actions()

    def _end_flash(self) -> None:
        self.setProperty("flash", False)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        """User messages sit on a soft bubble; a jumped-to search hit glows briefly."""
        flash = bool(self.property("flash"))
        if self.data.role != "user" and not flash:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        colour = bubble_colour(palette)
        if flash:
            colour = mix(colour, palette.color(QPalette.ColorRole.Highlight), 0.35)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)
        painter.end()
