"""Where the audio comes from: a file (opened or dropped) or the microphone.

Why one panel: "drop a file here, open one, or record" is one decision for the person, so
the three live together in a dashed drop area that lights up while a file is dragged over
the tab. The Recorder (and with it the multimedia backend) is created on the first
recording only, so opening the app stays quick. On a machine without any audio input the
Record button is disabled and says so in plain words; plugging a microphone in enables it
(``QMediaDevices.audioInputsChanged``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtMultimedia import QMediaDevices
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.speech import recorder as rec
from desktop.ui.speech.level_meter import LevelMeter
from desktop.ui.theme import mix
from desktop.ui.widgets.labels import ElidedLabel, MutedLabel
from desktop.ui.widgets.routing_words import clock

RECORD_TEXT = "● Record"
STOP_TEXT = "■ Stop recording"
RECORD_TIP = "Record from the microphone; press again to stop"


class SourcePanel(QFrame):
    """Open, drop or record audio; shows the chosen file.

    Signals:
        open_requested(): the Open button was pressed.
        recorded(str): a recording finished; the file's path.
        failed(str): recording failed; one sentence.
        recording_changed(bool): recording started (True) or ended (False).

    Attributes:
        record_button, record_hint, meter, file_label: public for tests.
    """

    open_requested = Signal()
    recorded = Signal(str)
    failed = Signal(str)
    recording_changed = Signal(bool)

    def __init__(
        self, recordings_folder: Callable[[], Path], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._folder = recordings_folder
        self._recorder: rec.Recorder | None = None
        self._devices: QMediaDevices | None = None
        self._drag_active = False
        self._recording = False
        self._clock = QTimer(self)
        self._clock.setInterval(250)
        self._clock.timeout.connect(self._on_clock)

        column = QVBoxLayout(self)
        column.setContentsMargins(16, 12, 16, 12)
        column.setSpacing(8)
        row = QHBoxLayout()
        row.setSpacing(10)
        self.prompt = QLabel("Drop an audio file here, or", self)
        row.addWidget(self.prompt)
        self.open_button = QPushButton("Open audio file…", self)
        self.open_button.setToolTip("WAV, MP3, FLAC, Ogg, M4A or WebM")
        self.open_button.clicked.connect(self.open_requested)
        row.addWidget(self.open_button)
        row.addWidget(MutedLabel("or", self))
        self.record_button = QPushButton(RECORD_TEXT, self)
        self.record_button.setToolTip(RECORD_TIP)
        self.record_button.clicked.connect(self._on_record_clicked)
        row.addWidget(self.record_button)
        self.meter = LevelMeter(self)
        self.meter.hide()
        row.addWidget(self.meter, 1)
        self.record_time = MutedLabel("", self)
        self.record_time.hide()
        row.addWidget(self.record_time)
        row.addStretch(0)
        column.addLayout(row)
        self.record_hint = MutedLabel("", self)
        self.record_hint.setWordWrap(True)
        self.record_hint.hide()
        column.addWidget(self.record_hint)
        self.file_label = ElidedLabel("", self)
        self.file_label.setAccessibleName("Audio file")
        self.file_label.hide()
        column.addWidget(self.file_label)

    # --- Public API -----------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return self._recording

    def refresh_devices(self) -> None:
        """Enable Record when there is an input; otherwise disable it and say why."""
        if self._devices is None:
            self._devices = QMediaDevices(self)
            self._devices.audioInputsChanged.connect(self.refresh_devices)
        if self._recording:
            return
        available = bool(rec.audio_inputs())
        self.record_button.setEnabled(available)
        self.record_button.setText(RECORD_TEXT if available else rec.NO_INPUT_BUTTON)
        self.record_button.setToolTip(RECORD_TIP if available else rec.NO_INPUT_TIP)
        self.record_hint.setText("" if available else rec.NO_INPUT_TIP)
        self.record_hint.setVisible(not available)

    def set_file(self, text: str) -> None:
        self.file_label.set_full_text(text)
        self.file_label.setVisible(bool(text))

    def set_drag_active(self, active: bool) -> None:
        self._drag_active = active
        self.update()

    def set_open_enabled(self, enabled: bool) -> None:
        self.open_button.setEnabled(enabled and not self._recording)

    def start_recording(self) -> None:
        device = rec.default_input()
        if device is None:
            self.refresh_devices()
            return
        if self._recorder is None:
            self._recorder = rec.Recorder(self)
            self._recorder.level_changed.connect(self.meter.set_level)
            self._recorder.recorded.connect(self._on_recorded)
            self._recorder.failed.connect(self._on_failed)
        stem = "Recording " + time.strftime("%Y-%m-%d %H.%M.%S")
        self._set_recording(True)
        self._recorder.start(device, self._folder(), stem)

    def stop_recording(self) -> None:
        if self._recorder is not None and self._recording:
            self._recorder.stop()

    def cancel_recording(self) -> None:
        """Stop and discard the take (the tab is closing)."""
        if self._recorder is not None and self._recording:
            self._recorder.cancel()
            self._set_recording(False)

    # --- Internals ------------------------------------------------------------------------

    def _on_record_clicked(self) -> None:
        if self._recording:
            self.stop_recording()
        else:
            self.start_recording()

    def _set_recording(self, recording: bool) -> None:
        if recording == self._recording:
            return
        self._recording = recording
        self.record_button.setText(STOP_TEXT if recording else RECORD_TEXT)
        self.open_button.setEnabled(not recording)
        self.meter.reset()
        self.meter.setVisible(recording)
        self.record_time.setVisible(recording)
        self.record_time.setText(clock(0))
        if recording:
            self._clock.start()
        else:
            self._clock.stop()
        self.recording_changed.emit(recording)

    def _on_clock(self) -> None:
        if self._recorder is not None:
            self.record_time.setText(clock(self._recorder.elapsed_s()))

    def _on_recorded(self, path: str) -> None:
        self._set_recording(False)
        self.recorded.emit(path)

    def _on_failed(self, message: str) -> None:
        self._set_recording(False)
        self.failed.emit(message)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        window = palette.color(QPalette.ColorRole.Window)
        text = palette.color(QPalette.ColorRole.WindowText)
        accent = palette.color(QPalette.ColorRole.Highlight)
        fill = mix(window, accent, 0.12) if self._drag_active else mix(window, base, 0.5)
        pen = QPen(
            accent if self._drag_active else mix(window, text, 0.3), 1.2, Qt.PenStyle.DashLine
        )
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 8, 8)
        painter.end()
