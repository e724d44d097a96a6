"""``switchboard self-check``: prove on this machine that the window paints, that audio and
video play through Qt Multimedia, and that the keyring can be reached.

Why in the app itself: a frozen bundle can only be tested by running it, and the things that
break when freezing are exactly these (a missing platform or multimedia plugin, FFmpeg
libraries left out, keyring backends not found). ``make dist-check`` runs this from the
installed tarball in a clean environment; a person can run it too when the app misbehaves.
It prints one JSON object and exits non-zero when anything failed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink

PLAY_DEADLINE_S = 20.0
"""How long one file may take to open and play (a cold FFmpeg start on a slow disk)."""
PLAYED_MS = 300
"""A file counts as playing once its position passed this (or it reached its end)."""
MIN_COLOURS = 8
"""A painted window has text, frames and buttons: far more distinct colours than this."""


async def check(media: Sequence[Path]) -> dict[str, Any]:
    """Run every check; the result's ``ok`` is True only when all passed."""
    from desktop.store import keyring_setup

    report = await asyncio.get_running_loop().run_in_executor(None, keyring_setup.self_test)
    result: dict[str, Any] = {
        "keyring": {"ok": report.ok, "backend": report.backend, "problem": report.problem},
        "window": await check_window(),
        "media": [await play(path) for path in media],
    }
    result["ok"] = (
        result["window"]["ok"] and all(m["ok"] for m in result["media"]) and result["keyring"]["ok"]
    )
    return result


async def check_window() -> dict[str, Any]:
    """Open the real main window on the person's data, grab it, count its colours."""
    from desktop.services import Services
    from desktop.ui.main_window import MainWindow

    services = await Services.open()
    try:
        window = MainWindow(services, on_closed=lambda: None)
        window.show()
        image = window.grab().toImage()
        colours = {
            image.pixel(x, y)
            for y in range(0, image.height(), 7)
            for x in range(0, image.width(), 7)
        }
        icon_sizes = sorted(s.width() for s in window.windowIcon().availableSizes())
        await window.shutdown()
        return {
            "ok": image.width() > 0 and len(colours) >= MIN_COLOURS and bool(icon_sizes),
            "size": [image.width(), image.height()],
            "colours": len(colours),
            "icon_sizes": icon_sizes,
        }
    finally:
        await services.aclose()


async def play(path: Path) -> dict[str, Any]:
    """Play ``path`` until it is past :data:`PLAYED_MS` or at its end; count video frames."""
    player = QMediaPlayer()
    audio = QAudioOutput()
    audio.setVolume(0.0)
    player.setAudioOutput(audio)
    sink = QVideoSink()
    player.setVideoSink(sink)
    frames = 0
    done: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    def on_frame(frame: QVideoFrame) -> None:
        nonlocal frames
        if frame.isValid():
            frames += 1

    def settle(error: str | None) -> None:
        if not done.done():
            done.set_result(error)

    def on_position(position: int) -> None:
        if position >= PLAYED_MS and (frames > 0 or not player.hasVideo()):
            settle(None)

    def on_status(status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            settle(None)
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            settle(player.errorString() or "the file could not be decoded")

    sink.videoFrameChanged.connect(on_frame)
    player.positionChanged.connect(on_position)
    player.mediaStatusChanged.connect(on_status)
    player.errorOccurred.connect(lambda _e, text: settle(text or "playback failed"))
    player.setSource(QUrl.fromLocalFile(str(path)))  # absolute: run_self_check resolved it
    player.play()
    try:
        error = await asyncio.wait_for(done, PLAY_DEADLINE_S)
    except TimeoutError:
        error = f"did not play within {PLAY_DEADLINE_S:.0f} s"
    position, duration, has_video = player.position(), player.duration(), player.hasVideo()
    with contextlib.suppress(RuntimeError):
        player.setSource(QUrl())  # stops it; stop() can block with FFmpeg (see VideoPlayer)
    ok = error is None and (frames > 0 if has_video else True)
    if error is None and has_video and frames == 0:
        error = "no video frame was decoded"
    return {
        "file": path.name,
        "ok": ok,
        "error": error,
        "duration_ms": duration,
        "position_ms": position,
        "has_video": has_video,
        "frames": frames,
    }
