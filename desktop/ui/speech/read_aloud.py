"""The Speech tab's "Read aloud" mode: text in, spoken audio out, played inline.

One reading at a time, in this page's :class:`TaskScope` slot ``"speak"``; the Read aloud
button becomes Cancel while it runs. The text is checked as it is typed (the counter turns
into a warning past the model's limit) and again before sending, so empty or too-long text
gets one sentence and nothing is sent. The voice box lists the voices known for the chosen
model (:mod:`desktop.engine.voices`) and takes any typed name; empty means the model's own
voice. The audio is kept as the provider gave it (WAV, MP3, Ogg or FLAC): played here, saved
with "Save as…", and listed under "Earlier readings" from the library.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.media_types import MediaResult, SpeakRequest
from desktop.core.table import Task
from desktop.engine.voices import check_text, limit_note, text_limit, voice_note, voices_for
from desktop.services import Services
from desktop.store.history import StoredGeneration
from desktop.ui.widgets import tab_order, task_page
from desktop.ui.widgets.file_actions import DOCUMENTS
from desktop.ui.widgets.labels import MutedLabel
from desktop.ui.widgets.request_page import RequestPage
from desktop.ui.widgets.video_player import VideoPlayer

SPEAK = Task.TEXT_TO_SPEECH
DEFAULT_VOICE = "Model's own voice"
AUDIO_FILTER = "Audio (*.wav *.mp3 *.ogg *.flac)"


class ReadAloudPage(RequestPage):
    """Text in, audio out.

    Attributes:
        text_edit, voice_box, counter, run_button, badge, message_bar, player, save_button,
        history_list: the parts, public for tests.
    """

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(
            services, SPEAK, "speak", run_text="Read aloud", verb="Reading", parent=parent
        )
        self._audio_path: str | None = None
        self._voices: tuple[str, ...] = ()
        outer, self.model_picker, self.policy_picker = task_page.top_bar(
            self, "Read aloud", services, SPEAK, self.bill_to
        )
        outer.setContentsMargins(16, 4, 16, 12)

        left = self._make_history_column("Earlier readings")

        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.text_edit = QPlainTextEdit(right)
        self.text_edit.setPlaceholderText("Type or paste the text to read aloud…")
        self.text_edit.setAccessibleName("Text to read aloud")
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.textChanged.connect(self._update_actions)
        column.addWidget(self.text_edit, 1)

        options = QHBoxLayout()
        options.setSpacing(8)
        voice_label = QLabel("Voice", right)
        options.addWidget(voice_label)
        self.voice_box = QComboBox(right)
        self.voice_box.setEditable(True)
        self.voice_box.setMinimumWidth(200)
        self.voice_box.setAccessibleName("Voice")
        voice_label.setBuddy(self.voice_box)
        options.addWidget(self.voice_box)
        options.addStretch(1)
        self.counter = MutedLabel("", right)
        options.addWidget(self.counter)
        column.addLayout(options)
        self.voice_note = MutedLabel("", right)
        self.voice_note.setWordWrap(True)
        column.addWidget(self.voice_note)

        run_row = QHBoxLayout()
        run_row.setSpacing(12)
        self._make_run_parts(right)
        self.run_button.setMaximumWidth(220)
        top = Qt.AlignmentFlag.AlignTop
        run_row.addWidget(self.run_button, 0, top)
        self.elapsed.setMinimumHeight(self.run_button.minimumHeight())
        run_row.addWidget(self.elapsed, 0, top)
        run_row.addWidget(self.badge, 1, top)
        column.addLayout(run_row)
        column.addWidget(self._make_message_bar(right))

        self.player = VideoPlayer(right, kind="audio")
        column.addWidget(self.player)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.save_button = QPushButton("Save as…", right)
        self.save_button.setToolTip("Save the audio as the provider made it")
        self.save_button.clicked.connect(self.save_audio)
        actions.addWidget(self.save_button)
        self.audio_note = MutedLabel("", right)
        actions.addWidget(self.audio_note, 1)
        column.addLayout(actions)

        self.splitter = task_page.side_by_side(self, left, right, [260, 800])
        outer.addWidget(self.splitter, 1)
        tab_order.follow(
            *task_page.picker_stops(self.model_picker, self.policy_picker),
            left,  # the earlier readings
            self.text_edit,
            self.voice_box,
            self.run_button,
            self.badge,
            self.message_bar,
            self.player,
            self.save_button,
        )

        self.model_picker.currentTextChanged.connect(self._on_model_changed)
        self._on_model_changed(self.model_picker.current_model())
        self._update_actions()
        self.reload_history()

    # --- Public API -----------------------------------------------------------------------

    def voice(self) -> str | None:
        """The voice chosen, or None for the model's own."""
        text = self.voice_box.currentText().strip()
        return None if not text or text == DEFAULT_VOICE else text

    def run(self) -> None:
        """Read the text aloud (the Run button, Ctrl+Enter, "Try again")."""
        if self.busy:
            return
        model = self.model_picker.current_model()
        if not model:
            self.message_bar.show_error(
                "Choose a read-aloud model first, for example hexgrad/Kokoro-82M."
            )
            return
        text = self.text_edit.toPlainText()
        problem = check_text(model, text)
        if problem is not None:
            self.message_bar.show_error(problem)
            return
        if self.model_picker.link is not None and not self.model_picker.link.allows(
            model, self.message_bar
        ):
            return
        request = SpeakRequest(
            model=model,
            text=text.strip(),
            voice=self.voice(),
            provider=self.policy_picker.current_policy(),
        )
        task = self.scope.spawn(self._speak(request), slot="speak")
        self.run_button.track(task)
        task.add_done_callback(lambda _task: self._update_actions())

    def save_audio(self) -> None:
        self.scope.spawn(self._save_audio(), slot="save")

    async def aclose(self) -> None:
        """Stop playback and every task, the model browser link's included (the window
        closes only the link of the mode in front)."""
        self.player.release()
        if self.model_picker.link is not None:
            await self.model_picker.link.aclose()
        await super().aclose()

    # --- Work -----------------------------------------------------------------------------

    async def _speak(self, request: SpeakRequest) -> None:
        self._update_actions()
        result = await self._send(
            self.services.speak.speak(request, on_attempt=self._on_attempt),
            sending="Sending the text…",
            stopped="Stopped — nothing was read aloud.",
            failed="Reading aloud failed.",
        )
        if result is not None:
            self._show_result(result)
            self.model_picker.remember()
        self.reload_history()

    def _show_result(self, result: MediaResult) -> None:
        self.record_id = result.record_id
        if result.files:
            file = result.files[0]
            self._show_audio(file.path, file.mime)
            self.player.load(file.path, autoplay=True)

    def _show_audio(self, path: str | None, mime: str | None) -> None:
        self._audio_path = path
        kind = Path(path).suffix[1:].upper() if path else ""
        self.audio_note.setText(f"{kind} audio, as the provider made it." if path else "")
        self._update_actions()

    async def _save_audio(self) -> None:
        if self._audio_path is None:
            return
        suffix = Path(self._audio_path).suffix
        await task_page.save_result_copy(
            self,
            self.services,
            self.message_bar,
            self._audio_path,
            f"reading{suffix}",
            AUDIO_FILTER,
            DOCUMENTS,
            "The audio",
        )

    async def _open_record(self, record_id: int) -> None:
        row = await self.services.db.run(self.services.history.get_generation, record_id)
        if row is None:
            self._record_gone("That reading is no longer in the library.")
            return
        self._show_record(row)

    def _show_record(self, row: StoredGeneration) -> None:
        self.message_bar.clear()
        self.record_id = row.id
        self.text_edit.setPlainText(row.text or row.prompt or "")
        if row.model:
            self.model_picker.set_current_model(row.model)
        voice = row.params.get("voice")
        self.voice_box.setCurrentText(str(voice) if voice else DEFAULT_VOICE)
        audio = next((f for f in row.files if f.get("path")), None)
        if audio is not None:
            self._show_audio(str(audio["path"]), str(audio.get("mime") or ""))
            self.player.load(str(audio["path"]))
        else:
            self._show_audio(None, None)
            self.player.clear()
        self.badge.set_stored(row)
        self.history_list.select_id(row.id)

    # --- Internals ------------------------------------------------------------------------

    def _on_model_changed(self, model: str) -> None:
        typed = self.voice_box.currentText().strip()
        listed = typed in self._voices  # picked from the last model's list, not typed by hand
        voices = voices_for(model)
        self._voices = voices
        self.voice_box.blockSignals(True)
        self.voice_box.clear()
        self.voice_box.addItem(DEFAULT_VOICE)
        self.voice_box.addItems(list(voices))
        if typed and typed != DEFAULT_VOICE and (typed in voices or not (voices or listed)):
            keep = typed  # still a voice of this model (or one typed by hand)
        else:
            keep = voices[0] if voices else DEFAULT_VOICE  # some providers need a voice
        self.voice_box.setCurrentText(keep)
        self.voice_box.blockSignals(False)
        note = voice_note(model)
        self.voice_note.setText(note)
        self.voice_box.setToolTip(note)
        self.counter.setToolTip(limit_note(model))
        self._update_actions()

    def _update_actions(self) -> None:
        model = self.model_picker.current_model()
        length = len(self.text_edit.toPlainText())
        limit = text_limit(model)
        over = length > limit
        self.counter.setText(
            f"{length:,} / {limit:,} characters — too long for this model"
            if over
            else f"{length:,} / {limit:,} characters"
        )
        self.counter.setProperty("warning", over)
        has_text = bool(self.text_edit.toPlainText().strip())
        self.run_button.setEnabled(self.busy or (has_text and not over))
        self.run_button.setToolTip(
            ""
            if self.busy or (has_text and not over)
            else ("Shorten the text first" if over else "Type the text to read aloud first")
        )
        self.save_button.setEnabled(self._audio_path is not None)
