"""The Speech tab: an audio file (opened, dropped or recorded) in, an editable transcript out;
or, in its "Read aloud" mode (:mod:`desktop.ui.speech.read_aloud`), text in and audio out.

The two modes share the tab: a pair of buttons at the top switches between them (the choice
is kept for the next start), Ctrl+Enter, Esc, "Try again" and the error funnel act on the
mode in front. A long recording is cut into parts by the engine; the page shows "Part 2 of
5" beside the elapsed time while they are transcribed.

This page turns clicks into one transcription at a time, in its :class:`TaskScope` slot
``"transcribe"``; the Transcribe button becomes Cancel while it runs (and the elapsed time
counts up beside it), and closing the window cancels whatever still runs. Reading files,
the library and writing exports happen in the thread pool, never on the loop. The
transcript is the star: one editable line per timed segment, its start time in the margin,
copied or exported as TXT, SRT or VTT with the person's corrections, which are also saved to
the library so the fixed version is there after a restart.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.media_types import MediaResult, PartProgress, TranscribeRequest, TranscriptChunk
from desktop.core.table import Task
from desktop.services import Services
from desktop.store.file_reads import FileReadError
from desktop.store.history import StoredGeneration
from desktop.ui.file_dialogs import ask_open_path
from desktop.ui.speech.audio_files import (
    OPEN_FILTER,
    describe_audio,
    file_summary,
    is_supported,
    unsupported_message,
)
from desktop.ui.speech.exports import EXPORT_KINDS, KINDS, render, suggested_name
from desktop.ui.speech.read_aloud import ReadAloudPage
from desktop.ui.speech.source_panel import SourcePanel
from desktop.ui.speech.transcript_view import TranscriptEditor
from desktop.ui.widgets import tab_order, task_page
from desktop.ui.widgets.labels import MutedLabel
from desktop.ui.widgets.message_bar import MessageBar
from desktop.ui.widgets.request_page import RequestPage

SPEECH = Task.SPEECH_TO_TEXT
MODES = ("transcribe", "read")
SAVE_EDITS_MS = 1000
"""Quiet time after the last keystroke before corrections are written to the library."""


NO_AUDIO_TEXT = (
    "There is no audio yet: click “Open audio file…”, drop a file on this page, or record "
    "with the microphone, then Transcribe."
)


def _embolden(button: QPushButton, on: bool) -> None:
    """The mode in front reads in bold: a checked button alone is faint in some themes."""
    font = button.font()
    font.setBold(on)
    button.setFont(font)


class SpeechPage(RequestPage):
    """Audio in, transcript out.

    Signals (from :class:`TaskPage`):
        providers_requested(str): open the Providers page ("token" focuses the HF token).

    Attributes:
        source, run_button, badge, message_bar, editor, history_list, copy_button,
        export_buttons: the parts, public for tests and the main window.
    """

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(
            services, SPEECH, "speech", run_text="Transcribe", verb="Transcribing", parent=parent
        )
        self._audio: Path | None = None
        self._audio_name: str | None = None
        self._duration_s: float | None = None
        self._params: dict[str, Any] = {}
        self._devices_checked = False
        self.setAcceptDrops(True)

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        modes = QHBoxLayout()
        modes.setContentsMargins(16, 10, 16, 0)
        modes.setSpacing(0)
        self.mode_buttons: dict[str, QPushButton] = {}
        self._mode_group = QButtonGroup(self)
        self._mode_group.setExclusive(True)
        for mode, text, tip in (
            ("transcribe", "Transcribe", "Speech to text: an audio file or a recording in"),
            ("read", "Read aloud", "Text to speech: text in, spoken audio out"),
        ):
            button = QPushButton(text, self)
            button.setCheckable(True)
            button.setToolTip(tip)
            button.setAccessibleName(f"{text} mode")
            button.clicked.connect(lambda _checked=False, m=mode: self.set_mode(m))
            button.toggled.connect(lambda on, b=button: _embolden(b, on))
            self._mode_group.addButton(button)
            self.mode_buttons[mode] = button
            modes.addWidget(button)
        modes.addStretch(1)
        root.addLayout(modes)
        self.stack = QStackedWidget(self)
        root.addWidget(self.stack, 1)
        self.transcribe_view = QWidget(self.stack)
        self.stack.addWidget(self.transcribe_view)

        outer, self.model_picker, self.policy_picker = task_page.top_bar(
            self.transcribe_view, "Speech to text", services, SPEECH, self.bill_to
        )
        outer.setContentsMargins(16, 4, 16, 12)

        self.source = SourcePanel(self._recordings_folder, self)
        self.source.open_requested.connect(self.choose_file)
        self.source.recorded.connect(self._on_recorded)
        self.source.recording_changed.connect(self._on_recording_changed)
        outer.addWidget(self.source)

        run_row = QHBoxLayout()
        run_row.setSpacing(12)
        self._make_run_parts(self)
        self.run_button.setFixedWidth(220)  # the badge beside it must never squeeze it
        self.run_button.setToolTip(NO_AUDIO_TEXT)
        top = Qt.AlignmentFlag.AlignTop
        run_row.addWidget(self.run_button, 0, top)
        self.elapsed.setMinimumHeight(self.run_button.minimumHeight())
        run_row.addWidget(self.elapsed, 0, top)
        run_row.addWidget(self.badge, 1, top)
        outer.addLayout(run_row)
        outer.addWidget(self._make_message_bar(self))
        self.source.failed.connect(self.message_bar.show_error)

        left = self._make_history_column("Earlier transcripts")
        right = QWidget(self)
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        right_column.setSpacing(6)
        self.editor = TranscriptEditor(right)
        self.editor.edited.connect(self._on_edited)
        right_column.addWidget(self.editor, 1)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.copy_button = QPushButton("Copy", right)
        self.copy_button.setToolTip("Copy the transcript, with your corrections")
        self.copy_button.clicked.connect(self.copy_transcript)
        actions.addWidget(self.copy_button)
        self.export_buttons = task_page.export_buttons(actions, right, EXPORT_KINDS, self.export)
        self.timing_note = MutedLabel("", right)
        actions.addWidget(self.timing_note, 1)
        right_column.addLayout(actions)
        self.splitter = task_page.side_by_side(self, left, right, [260, 800])
        outer.addWidget(self.splitter, 1)

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_EDITS_MS)
        self._save_timer.timeout.connect(self._on_save_timer)

        self.read_aloud = ReadAloudPage(services, self.stack)
        self.read_aloud.providers_requested.connect(self.providers_requested)
        self.stack.addWidget(self.read_aloud)
        tab_order.follow(
            *self.mode_buttons.values(),
            *task_page.picker_stops(self.model_picker, self.policy_picker),
            self.source,
            self.run_button,
            self.badge,
            self.message_bar,
            left,  # the earlier transcripts
            self.editor,
            self.copy_button,
            *self.export_buttons.values(),
            self.read_aloud,  # the other mode, shown instead of all of the above
        )
        self.mode_buttons["transcribe"].setChecked(True)
        self._update_actions()
        self.reload_history()

    # --- Public API -----------------------------------------------------------------------

    @property
    def audio_path(self) -> Path | None:
        return self._audio

    @property
    def mode(self) -> str:
        """``"transcribe"`` or ``"read"``: the mode in front."""
        return "read" if self.stack.currentWidget() is self.read_aloud else "transcribe"

    def set_mode(self, mode: str) -> None:
        """Show the Transcribe or the Read aloud mode."""
        if mode not in MODES:
            return
        self.mode_buttons[mode].setChecked(True)
        self.stack.setCurrentWidget(self.read_aloud if mode == "read" else self.transcribe_view)
        if mode == "read":
            self.read_aloud.text_edit.setFocus()

    def active_message_bar(self) -> MessageBar:
        """The message bar of the mode in front (where the error funnel speaks)."""
        return self.read_aloud.message_bar if self.mode == "read" else self.message_bar

    def open_reading(self, record_id: int) -> None:
        """Show an earlier reading from the library in the Read aloud mode."""
        self.set_mode("read")
        self.read_aloud.open_record(record_id)

    def cancel(self) -> bool:
        if self.mode == "read":
            return self.read_aloud.cancel()
        return super().cancel()

    def refresh_providers(self) -> None:
        super().refresh_providers()
        self.read_aloud.refresh_providers()

    def save_state(self) -> None:
        super().save_state()
        self.read_aloud.save_state()
        self.services.state.set("speech.mode", self.mode)

    def restore_state(self) -> None:
        super().restore_state()
        self.read_aloud.restore_state()
        mode = self.services.state.get_str("speech.mode")
        if mode:
            self.set_mode(mode)

    def refresh_devices(self) -> None:
        """Check for a microphone now (done when the tab is first shown)."""
        self._devices_checked = True
        self.source.refresh_devices()

    def open_audio(self, path: str | Path) -> None:
        """Use ``path`` as the audio to transcribe (one sentence when it cannot be)."""
        path = Path(path)
        if not is_supported(path):
            self.message_bar.show_error(unsupported_message(path))
            return
        self.scope.spawn(self._load_audio(path), slot="load")

    def run(self) -> None:
        """Transcribe, or read aloud in that mode (the Run button, Ctrl+Enter, "Try again")."""
        if self.mode == "read":
            self.read_aloud.run()
        else:
            self.transcribe()

    def transcribe(self) -> None:
        """Send the current audio to the chosen model and provider."""
        if self._audio is None and not self.busy and not self.source.recording:
            self.message_bar.show_info(NO_AUDIO_TEXT)
            self.source.open_button.setFocus()
            return
        if self._audio is None or self.busy or self.source.recording:
            return
        model = self.model_picker.current_model()
        if not model:
            self.message_bar.show_error(
                "Choose a speech model first, for example openai/whisper-large-v3."
            )
            return
        if self.model_picker.link is not None and not self.model_picker.link.allows(
            model, self.message_bar
        ):
            return
        request = TranscribeRequest(
            model=model, audio_path=str(self._audio), provider=self.policy_picker.current_policy()
        )
        task = self.scope.spawn(self._transcribe(request), slot="speech")
        self.run_button.track(task)  # first: the button is idle again when the next runs
        task.add_done_callback(lambda _task: self._update_actions())

    def copy_transcript(self) -> None:
        text = self.editor.plain_text()
        if not text:
            return
        QGuiApplication.clipboard().setText(text)
        self.copy_button.setText("Copied ✓")
        QTimer.singleShot(1500, self.copy_button, lambda: self.copy_button.setText("Copy"))

    async def aclose(self) -> None:
        """Stop recording, write pending corrections, cancel every task (both modes)."""
        await self.read_aloud.aclose()
        self.source.cancel_recording()
        if self._save_timer.isActive():
            self._save_timer.stop()
            with contextlib.suppress(Exception):  # closing must not fail on a full disk
                await self._save_edits()
        await super().aclose()

    # --- Work -----------------------------------------------------------------------------

    async def _choose_file(self) -> None:
        path = await ask_open_path(
            self, title="Open audio file", filters=OPEN_FILTER, purpose="speech-audio"
        )
        if path is not None:
            self.open_audio(path)

    async def _load_audio(self, path: Path) -> None:
        try:
            size, duration = await self.services.run_blocking(describe_audio, path)
        except FileReadError as exc:
            self.message_bar.show_error(str(exc))
            return
        except OSError as exc:
            self.message_bar.show_error(f"Could not open {path.name}: {exc.strerror or exc}.")
            return
        self.message_bar.clear()
        self._audio, self._audio_name, self._duration_s = path, path.name, duration
        self.record_id = None
        self._params = {}
        self.editor.clear_transcript()
        self.badge.clear()
        self.history_list.clearSelection()
        self.source.set_file(file_summary(path.name, size, duration))
        self._update_actions()
        self.run_button.setFocus()

    async def _transcribe(self, request: TranscribeRequest) -> None:
        self._update_actions()
        result = await self._send(
            self.services.speech.transcribe(
                request, on_attempt=self._on_attempt, on_part=self._on_part
            ),
            sending="Sending the audio…",
            stopped="Stopped — nothing was transcribed.",
            failed="The transcription failed.",
        )
        if result is not None:
            self._show_result(result)
            self.model_picker.remember()
        self.reload_history()

    def _on_part(self, progress: PartProgress) -> None:
        """A long recording's progress, beside the elapsed time ("Part 2 of 5")."""
        if progress.done >= progress.total:
            self._elapsed.verb = "Transcribing"
            return
        self._elapsed.verb = f"Part {progress.done + 1} of {progress.total}: transcribing"
        self._elapsed.tick()
        start = int(progress.offset_s)
        self.badge.set_live(
            f"Long recording: part {progress.done + 1} of {progress.total} "
            f"(from {start // 60}:{start % 60:02d})…"
        )

    def _show_result(self, result: MediaResult) -> None:
        self._elapsed.verb = "Transcribing"
        self.record_id = result.record_id
        self._params = dict(result.params)
        if result.files and result.files[0].duration_s:
            self._duration_s = result.files[0].duration_s
        self.editor.set_transcript(result.text, result.chunks)
        self._update_actions()

    async def _export(self, key: str) -> None:
        kind = KINDS[key]
        text = self.editor.plain_text()
        if not text:
            self.message_bar.show_error("There is no transcript to export yet.")
            return
        content = render(key, text, self.editor.cues(), self._duration_s)
        await task_page.export_file(
            self,
            self.services,
            self.message_bar,
            suggested_name(self._audio_name, kind.suffix),
            kind,
            content,
        )

    async def _open_record(self, record_id: int) -> None:
        await self._flush_edits()
        row = await self.services.db.run(self.services.history.get_generation, record_id)
        if row is None:
            self._record_gone("That transcript is no longer in the library.")
            return
        self._show_record(row)

    def _show_record(self, row: StoredGeneration) -> None:
        self.message_bar.clear()
        chunks = [
            TranscriptChunk(c.get("start"), c.get("end"), str(c.get("text", "")))
            for c in row.params.get("chunks", [])
            if isinstance(c, dict)
        ]
        audio = next((f for f in row.files if f.get("path")), None)
        self.record_id = row.id
        self._params = dict(row.params)
        self._audio_name = row.prompt or None
        self._audio = Path(audio["path"]) if audio is not None else None
        duration = row.params.get("duration_s") or (audio or {}).get("duration_s")
        self._duration_s = float(duration) if duration else None
        self.editor.set_transcript(row.text, chunks)
        self.source.set_file(
            file_summary(row.prompt or "Audio", None, self._duration_s) + " · from the library"
        )
        self.badge.set_stored(row)
        self.history_list.select_id(row.id)
        self._update_actions()

    # --- Corrections ----------------------------------------------------------------------

    def _on_edited(self) -> None:
        self._update_actions()
        if self.record_id is not None:
            self._save_timer.start()

    def _on_save_timer(self) -> None:
        self.scope.spawn(self._save_edits(), slot="save-edits")

    async def _flush_edits(self) -> None:
        if self._save_timer.isActive():
            self._save_timer.stop()
            await self._save_edits()

    async def _save_edits(self) -> None:
        """Write the corrected text (and the segment texts) to the library row."""
        record_id = self.record_id
        if record_id is None:
            return
        params = dict(self._params)
        if self.editor.has_timestamps:
            params["chunks"] = [asdict(c) for c in self.editor.cues()]
        self._params = params
        await self.services.db.run(
            lambda: self.services.history.update_generation(
                record_id, text=self.editor.plain_text(), params=params
            )
        )

    # --- Internals ------------------------------------------------------------------------

    def _recordings_folder(self) -> Path:
        return self.services.paths.data_dir / "recordings"

    def _on_recorded(self, path: str) -> None:
        self.open_audio(path)

    def _on_recording_changed(self, recording: bool) -> None:
        if recording:
            self.message_bar.clear()
        self._update_actions()

    def _update_actions(self) -> None:
        busy = self.busy
        recording = self.source.recording
        can_run = self._audio is not None and not recording
        # Clickable without audio too: the click then says what to do (a greyed button
        # does not explain itself).
        self.run_button.setEnabled(busy or not recording)
        self.run_button.setToolTip("" if can_run or busy else NO_AUDIO_TEXT)
        self.source.set_open_enabled(not busy)
        has_text = bool(self.editor.plain_text())
        self.copy_button.setEnabled(has_text)
        for button in self.export_buttons.values():
            button.setEnabled(has_text)
        if not has_text:
            self.timing_note.setText("")
        elif self._params.get("parts"):
            self.timing_note.setText(
                f"A long recording, transcribed in {self._params['parts']} parts cut at pauses; "
                "subtitle times run over the whole recording."
            )
        elif self.editor.has_timestamps:
            self.timing_note.setText("Subtitles keep each line's time.")
        else:
            self.timing_note.setText(
                "No timestamps from this provider: subtitle times are spread over the audio."
            )

    # --- Qt -------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._devices_checked:
            self.refresh_devices()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()) and not self.busy:
            event.acceptProposedAction()
            self.source.set_drag_active(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.source.set_drag_active(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.source.set_drag_active(False)
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_audio(paths[0])
