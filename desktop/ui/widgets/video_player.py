"""Inline video (and audio) playback: the picture, play/pause, a seek slider and the time.

With ``kind="audio"`` there is no picture, only the controls: the Speech tab's read-aloud
player uses that, so both players behave (and are tested) the same way.

Why the player is created on first use (style.md §3.4): building a ``QMediaPlayer`` loads the
FFmpeg multimedia backend, which costs start-up time nobody should pay for a tab they may not
open. The widget therefore shows its controls at once and makes the player when a file is
loaded. :meth:`release` drops the source and the player (a closing tab must not keep a
decoder thread alive).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QPalette
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QSlider, QToolButton, QVBoxLayout, QWidget

from desktop.ui.widgets.labels import MutedLabel
from desktop.ui.widgets.routing_words import clock

PLAY = "▶"
PAUSE = "❚❚"


class VideoPlayer(QWidget):
    """A ``QVideoWidget`` with play/pause, seek and "0:03 / 0:05".

    Attributes:
        player: the ``QMediaPlayer`` once a file was loaded, else None.
        video: the video surface.
    """

    def __init__(self, parent: QWidget | None = None, *, kind: str = "video") -> None:
        super().__init__(parent)
        self.kind = kind
        self.player: QMediaPlayer | None = None
        self._audio: QAudioOutput | None = None
        self._path: str | None = None
        self._seeking = False
        self._poster_pending = False
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.video: QVideoWidget | None = None
        if kind == "video":
            self.video = QVideoWidget(self)
            self.video.setMinimumSize(240, 160)
            self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            self.video.setBackgroundRole(QPalette.ColorRole.Dark)
            self.video.setAutoFillBackground(True)
            column.addWidget(self.video, 1)
        controls = QHBoxLayout()
        controls.setSpacing(8)
        self.play_button = QToolButton(self)
        self.play_button.setText(PLAY)
        self.play_button.setToolTip("Play (Space)")
        self.play_button.setAccessibleName("Play or pause")
        self.play_button.clicked.connect(self.toggle)
        controls.addWidget(self.play_button)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setAccessibleName("Position")
        self.slider.setRange(0, 0)
        self.slider.sliderPressed.connect(self._on_slider_pressed)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self.slider.sliderMoved.connect(self._on_slider_moved)
        controls.addWidget(self.slider, 1)
        self.time_label = MutedLabel("0:00 / 0:00", self)
        controls.addWidget(self.time_label)
        column.addLayout(controls)
        self.error_label = MutedLabel("", self)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        column.addWidget(self.error_label)
        self._set_enabled(False)

    # --- Public API -----------------------------------------------------------------------

    @property
    def path(self) -> str | None:
        return self._path

    def load(self, path: str, *, autoplay: bool = False) -> None:
        """Show ``path`` (paused at the start unless ``autoplay``)."""
        player = self._ensure_player()
        self._path = path
        self.error_label.hide()
        if not Path(path).is_file():
            self._show_error(f"The {self.kind} file is missing from the media folder.")
            player.setSource(QUrl())
            return
        self._poster_pending = not autoplay
        player.setSource(QUrl.fromLocalFile(path))
        self._set_enabled(True)
        if autoplay:
            player.play()

    def toggle(self) -> None:
        """Play or pause."""
        if self.player is None or self._path is None:
            return
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            if self.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia:
                self.player.setPosition(0)
            self.player.play()

    def clear(self) -> None:
        """Show nothing (keeps the player for the next file)."""
        self._path = None
        if self.player is not None:
            # No stop() first: with the FFmpeg backend, stop() while audio is playing blocks
            # the GUI thread for good now and then (1 in a few hundred tries here); an empty
            # source stops playback and drops the decoder just the same, and never hung.
            self.player.setSource(QUrl())
        self.slider.setRange(0, 0)
        self.time_label.setText("0:00 / 0:00")
        self.error_label.hide()
        self._set_enabled(False)

    def release(self) -> None:
        """Stop and drop the player and its decoder (the tab is closing)."""
        self.clear()
        if self.player is not None:
            if self.video is not None:
                self.player.setVideoOutput(None)  # type: ignore[arg-type]  # None detaches
            self.player.deleteLater()
            self.player = None
        if self._audio is not None:
            self._audio.deleteLater()
            self._audio = None

    # --- Internals ------------------------------------------------------------------------

    def _ensure_player(self) -> QMediaPlayer:
        if self.player is None:
            self._audio = QAudioOutput(self)
            self.player = QMediaPlayer(self)
            self.player.setAudioOutput(self._audio)
            if self.video is not None:
                self.player.setVideoOutput(self.video)
            self.player.durationChanged.connect(self._on_duration)
            self.player.positionChanged.connect(self._on_position)
            self.player.playbackStateChanged.connect(self._on_state)
            self.player.errorOccurred.connect(self._on_error)
            self.player.mediaStatusChanged.connect(self._on_media_status)
        return self.player

    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        """Once a file is loaded, pause on its first frame: a poster instead of a black box."""
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._poster_pending:
            self._poster_pending = False
            if self.player is not None and (
                self.player.playbackState() == QMediaPlayer.PlaybackState.StoppedState
            ):
                self.player.pause()

    def _set_enabled(self, enabled: bool) -> None:
        self.play_button.setEnabled(enabled)
        self.slider.setEnabled(enabled)

    def _on_duration(self, duration_ms: int) -> None:
        self.slider.setRange(0, max(0, duration_ms))
        self._show_time()

    def _on_position(self, position_ms: int) -> None:
        if not self._seeking:
            self.slider.setValue(position_ms)
        self._show_time()

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText(PAUSE if playing else PLAY)
        self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")

    def _on_error(self, _error: QMediaPlayer.Error, message: str) -> None:
        self._show_error(
            f"This {self.kind} cannot be played here ({message or 'unknown error'}); "
            "Save as… and open it in another player."
        )

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self._set_enabled(False)

    def _show_time(self) -> None:
        if self.player is None:
            return
        position = (self.slider.value() if self._seeking else self.player.position()) / 1000
        self.time_label.setText(f"{clock(position)} / {clock(self.player.duration() / 1000)}")

    def _on_slider_pressed(self) -> None:
        self._seeking = True

    def _on_slider_moved(self, value: int) -> None:
        self._show_time()
        if self.player is not None:
            self.player.setPosition(value)

    def _on_slider_released(self) -> None:
        self._seeking = False
        if self.player is not None:
            self.player.setPosition(self.slider.value())
