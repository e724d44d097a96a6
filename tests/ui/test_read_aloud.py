"""The Speech tab's Read aloud mode and its long-recording progress, against the emulator.

Text typed into the form is read aloud through the engine (with failover shown in the
badge), the audio is loaded into the inline player and listed under "Earlier readings";
voices follow the model; empty and too-long text are refused in one sentence with nothing
sent; a long recording shows "Part N of M" while its parts are transcribed.
"""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtTest import QTest

from desktop.core.media_types import PartProgress, SpeakRequest
from desktop.engine.audio_split import AudioLimit
from desktop.services import Services
from desktop.ui.main_window import MainWindow
from desktop.ui.speech import SpeechPage
from desktop.ui.speech.read_aloud import DEFAULT_VOICE
from tests.emulator import HF_TOKEN, Emulator
from tests.emulator.media_models import KOKORO, MMS_TTS
from tests.fast_polls import FAST_POLL
from tests.ui.conftest import act, run, until
from tests.ui.media_helpers import FAST, act_until, drop_files
from tests.ui.page_helpers import build_page_fixture  # noqa: F401 (fixture)

pytestmark = pytest.mark.gui

PLAYABLE = (
    QMediaPlayer.MediaStatus.LoadedMedia,
    QMediaPlayer.MediaStatus.BufferingMedia,
    QMediaPlayer.MediaStatus.BufferedMedia,
    QMediaPlayer.MediaStatus.EndOfMedia,
)


@pytest.fixture
def services(emulator: Emulator, open_services: Callable[..., Services]) -> Services:
    services = open_services(emulator.env() | {"HF_TOKEN": HF_TOKEN})
    services.engine.deadlines = FAST
    services.speak.poll = FAST_POLL
    services.speech.poll = FAST_POLL
    services.settings.set_order(["fal-ai", "together", "hf-inference", "replicate"])
    return services


@pytest.fixture
def make_page(build_page: Callable[..., Any]) -> Callable[[Services], SpeechPage]:
    """``make_page(services)``: a shown Speech tab (its start-up work may still run), closed
    properly after the test."""
    return lambda services: build_page(SpeechPage, services, settle=False)


def read_mode(loop: qasync.QEventLoop, page: SpeechPage, model: str = KOKORO) -> None:
    act(loop, lambda: QTest.mouseClick(page.mode_buttons["read"], Qt.MouseButton.LeftButton))
    assert page.mode == "read" and page.read_aloud.isVisible()
    act(loop, lambda: page.read_aloud.model_picker.set_current_model(model))


def read(loop: qasync.QEventLoop, page: SpeechPage, text: str) -> None:
    form = page.read_aloud
    act(loop, lambda: form.text_edit.setPlainText(text))
    assert form.run_button.isEnabled()
    act_until(
        loop,
        lambda: QTest.mouseClick(form.run_button, Qt.MouseButton.LeftButton),
        lambda: not form.busy,
    )


def test_text_is_read_aloud_played_inline_and_listed(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], SpeechPage],
    emulator: Emulator,
) -> None:
    page = make_page(services)
    read_mode(loop, page)
    form = page.read_aloud
    voices = [form.voice_box.itemText(i) for i in range(form.voice_box.count())]
    assert voices[0] == DEFAULT_VOICE and "af_heart" in voices and "bm_george" in voices
    assert form.voice_box.currentText() == "af_heart"  # a model with voices starts on one
    act(loop, lambda: form.voice_box.setCurrentText("bm_george"))
    emulator.fault("fal-ai", "status", status=503, times=1)

    read(loop, page, "Good evening, and welcome to the show.")

    (fal,) = emulator.requests_for("fal-ai")
    assert fal.json == {"text": "Good evening, and welcome to the show.", "voice": "bm_george"}
    (together,) = emulator.requests_for("together")
    assert together.json["voice"] == "bm_george"
    assert "Together AI" in form.badge.text() and "fal" in form.badge.text()
    assert form.player.path is not None and form.player.path.endswith(".wav")
    player = form.player
    until(loop, lambda: player.player is not None and player.player.mediaStatus() in PLAYABLE)
    assert player.player is not None and player.player.duration() > 0
    assert player.play_button.isEnabled()
    assert form.save_button.isEnabled()
    until(loop, lambda: form.history_list.ids() == [form.record_id])
    shown = form.history_list.model_.index(0, 0).data()
    assert "Good evening" in shown


def test_voices_follow_the_model(
    loop: qasync.QEventLoop, services: Services, make_page: Callable[[Services], SpeechPage]
) -> None:
    page = make_page(services)
    read_mode(loop, page, MMS_TTS)
    form = page.read_aloud
    assert form.voice_box.count() == 1 and form.voice() is None  # no voices known: its own
    act(loop, lambda: form.model_picker.set_current_model(KOKORO))
    assert form.voice() == "af_heart"


@pytest.mark.parametrize(
    ("text", "counter", "tip"),
    [
        ("   ", "3 / 4,096 characters", "Type the text to read aloud first"),
        ("x" * 4100, "4,100 / 4,096 characters — too long for this model", "Shorten the text"),
    ],
)
def test_empty_or_too_long_text_is_refused_before_sending(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], SpeechPage],
    emulator: Emulator,
    text: str,
    counter: str,
    tip: str,
) -> None:
    page = make_page(services)
    read_mode(loop, page)
    form = page.read_aloud
    act(loop, lambda: form.text_edit.setPlainText(text))
    assert form.counter.text() == counter
    assert not form.run_button.isEnabled() and form.run_button.toolTip().startswith(tip)
    act(loop, page.run)  # Ctrl+Enter goes to the mode in front, and is refused in words
    assert form.message_bar.isVisible() and form.message_bar.text_label.text()
    assert not form.busy
    assert not [r for r in emulator.requests if r.path.startswith(("/router", "/direct"))]


def test_a_reading_reopens_from_the_library_with_its_voice(
    loop: qasync.QEventLoop, services: Services, make_page: Callable[[Services], SpeechPage]
) -> None:
    page = make_page(services)
    read_mode(loop, page)
    act(loop, lambda: page.read_aloud.voice_box.setCurrentText("af_bella"))
    read(loop, page, "Remember me.")
    record = page.read_aloud.record_id
    assert record is not None
    other = make_page(services)
    act(loop, lambda: other.open_reading(record))
    form = other.read_aloud
    until(loop, lambda: form.text_edit.toPlainText() == "Remember me.")
    assert other.mode == "read" and form.voice_box.currentText() == "af_bella"
    assert form.player.path == page.read_aloud.player.path


def long_wav(path: Path) -> Path:
    rate, samples = 8000, []
    for _ in range(3):
        samples += [int(9000 * math.sin(2 * math.pi * 300 * n / rate)) for n in range(12000)]
        samples += [0] * 4000
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


def test_a_long_recording_shows_each_part_and_one_transcript(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], SpeechPage],
    tmp_path: Path,
    emulator: Emulator,
) -> None:
    services.speech.audio_limits = {"fal-ai": AudioLimit(50 * 1024 * 1024, 2.5)}
    page = make_page(services)
    audio = long_wav(tmp_path / "lecture.wav")
    assert drop_files(loop, page, audio, done=lambda: page.audio_path == audio)
    seen: list[tuple[str, str]] = []
    show_part = page._on_part

    def spy(progress: PartProgress) -> None:  # what the person sees right after each part news
        show_part(progress)
        seen.append((page.elapsed.text(), page.badge.text()))

    page._on_part = spy  # type: ignore[method-assign]
    act_until(
        loop,
        lambda: QTest.mouseClick(page.run_button, Qt.MouseButton.LeftButton),
        lambda: not page.busy,
    )
    assert len(emulator.requests_for("fal-ai")) == 3
    assert [elapsed.split(":")[0] for elapsed, _ in seen[:3]] == [
        "Part 1 of 3",
        "Part 2 of 3",
        "Part 3 of 3",
    ]
    assert "part 2 of 3 (from 0:01)" in seen[1][1]  # the cut is in the 1.5-2.0 s pause
    assert page.editor.lines() == ["Hello from fal-ai.", "This is a test recording."] * 3
    assert "3 parts" in page.timing_note.text()


def test_the_library_plays_a_reading_and_reuses_it_in_the_speech_tab(
    loop: qasync.QEventLoop, emulator: Emulator, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(emulator.env() | {"HF_TOKEN": HF_TOKEN})
    services = window.services

    async def made() -> int | None:
        result = await services.speak.speak(
            SpeakRequest(model=KOKORO, text="From the library.", voice="am_adam")
        )
        return result.record_id

    record = run(loop, made())
    assert record is not None
    act(loop, lambda: window.tabs.setCurrentWidget(window.library))
    library = window.library
    until(loop, lambda: library.select_generation(record))
    details = library.details
    until(loop, lambda: details.player.path is not None)
    assert details.open_button.toolTip() == "Play the reading"
    assert "voice am_adam" in details.settings.text()
    act(loop, details.reuse_button.click)
    form = window.speech.read_aloud
    until(loop, lambda: form.text_edit.toPlainText() == "From the library.")
    assert window.tabs.currentWidget() is window.speech and window.speech.mode == "read"
    assert form.voice_box.currentText() == "am_adam"
