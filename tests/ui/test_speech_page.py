"""The Speech tab against the loopback emulator: real audio, real HTTP, real files.

A sentence spoken by espeak-ng is dropped on the tab and transcribed; the transcript shows
its timestamps, takes a correction, and exports as TXT, SRT and VTT with that correction; a
provider failing first shows in the routing trace; files the providers cannot take and
machines without a microphone get one plain sentence; earlier transcripts come back after a
restart. Recording is tested against a PulseAudio null sink and its virtual source, in a
child process (see ``record_probe.py``), where PulseAudio is installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from desktop.engine.transcripts import srt_time, vtt_time
from desktop.services import Services
from desktop.ui.speech import SpeechPage
from desktop.ui.speech import recorder as rec
from desktop.ui.speech.audio_files import mark
from desktop.ui.widgets.routing_words import ATTEMPT_HEADERS
from tests.emulator import HF_TOKEN, Emulator
from tests.emulator.media import spoken_wav, wav_seconds
from tests.fast_polls import FAST_POLL
from tests.ui.conftest import act, outside_tasks, run, until
from tests.ui.media_helpers import FAST, act_until, answer_dialog, drop_files
from tests.ui.page_helpers import build_page_fixture  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real spoken sentence (espeak-ng), or a tone when espeak-ng is not installed."""
    return spoken_wav(
        tmp_path_factory.mktemp("audio") / "fox.wav", "The quick brown fox. It jumps over the dog."
    )


@pytest.fixture
def services(emulator: Emulator, open_services: Callable[..., Services]) -> Services:
    return configure(open_services(emulator.env() | {"HF_TOKEN": HF_TOKEN}))


def configure(services: Services) -> Services:
    services.engine.deadlines = FAST
    services.speech.poll = FAST_POLL
    services.settings.set_order(["fal-ai", "hf-inference", "replicate"])
    return services


@pytest.fixture
def make_page(build_page: Callable[..., Any]) -> Callable[[Services], SpeechPage]:
    """``make_page(services)``: a shown Speech tab (its start-up work may still run), closed
    properly after the test."""
    return lambda services: build_page(SpeechPage, services, settle=False)


def transcribe(loop: qasync.QEventLoop, page: SpeechPage, audio: Path) -> None:
    assert drop_files(loop, page, audio, done=lambda: page.audio_path == audio)
    assert page.run_button.isEnabled()
    seen_cancel: list[str] = []

    def click() -> None:
        QTest.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
        seen_cancel.append(page.run_button.text())

    act_until(loop, click, lambda: not page.busy)
    assert seen_cancel == ["Cancel"]


def export(loop: qasync.QEventLoop, page: SpeechPage, key: str, target: Path) -> str:
    act(loop, lambda: page.export_buttons[key].click())
    answer_dialog(
        loop,
        page,
        target,
        done=lambda: page.message_bar.text_label.text() == f"Saved {target.name}.",
    )
    return target.read_text(encoding="utf-8")


def test_a_dropped_recording_gets_a_timed_transcript_that_exports_with_corrections(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], SpeechPage],
    spoken: Path,
    tmp_path: Path,
) -> None:
    page = make_page(services)
    transcribe(loop, page, spoken)

    duration = wav_seconds(spoken.read_bytes())
    assert duration is not None and duration > 1
    middle, end = round(duration / 2, 2), round(duration, 2)
    editor = page.editor
    assert editor.lines() == ["Hello from fal-ai.", "This is a test recording."]
    assert editor.has_timestamps
    assert editor.marks() == ["00:00.0", mark(middle)]
    assert editor.timed_text() == (
        f"[00:00.0] Hello from fal-ai.\n[{mark(middle)}] This is a test recording."
    )
    assert page.badge.label.text().startswith("via fal · ")
    assert not page.badge.failover.isVisible()
    assert not page.message_bar.isVisible()

    # The person fixes a word; copy and every export carry the fix.
    act(loop, lambda: editor.document().find("test").insertText("real"))
    act(loop, lambda: page.copy_button.click())
    assert QGuiApplication.clipboard().text() == "Hello from fal-ai.\nThis is a real recording."

    srt = export(loop, page, "srt", tmp_path / "fox.srt")
    assert srt == (
        f"1\n00:00:00,000 --> {srt_time(middle)}\nHello from fal-ai.\n\n"
        f"2\n{srt_time(middle)} --> {srt_time(end)}\nThis is a real recording.\n"
    )
    vtt = export(loop, page, "vtt", tmp_path / "fox.vtt")
    assert vtt == (
        "WEBVTT\n\n"
        f"00:00:00.000 --> {vtt_time(middle)}\nHello from fal-ai.\n\n"
        f"{vtt_time(middle)} --> {vtt_time(end)}\nThis is a real recording.\n"
    )
    txt = export(loop, page, "txt", tmp_path / "fox.txt")
    assert txt == "Hello from fal-ai.\nThis is a real recording.\n"
    assert page.message_bar.text_label.text() == "Saved fox.txt."

    # The correction reaches the library, so it is there after a restart.
    record_id = page.record_id
    assert record_id is not None

    def saved_text() -> str | None:
        row = services.history.get_generation(record_id)
        return row.text if row is not None else None

    until(loop, lambda: saved_text() == "Hello from fal-ai.\nThis is a real recording.")


def test_earlier_transcripts_come_back_after_a_restart(
    loop: qasync.QEventLoop,
    emulator: Emulator,
    open_services: Callable[..., Services],
    make_page: Callable[[Services], SpeechPage],
    spoken: Path,
) -> None:
    env = emulator.env() | {"HF_TOKEN": HF_TOKEN}
    first = make_page(configure(open_services(env)))
    transcribe(loop, first, spoken)
    record_id = first.record_id
    until(loop, lambda: first.history_list.ids() == [record_id])

    again = make_page(configure(open_services(env)))  # a new start on the same data folder
    until(loop, lambda: again.history_list.ids() == [record_id])
    assert again.editor.plain_text() == ""
    index = again.history_list.model_.index(0, 0)
    act_until(
        loop,
        lambda: QTest.mouseClick(
            again.history_list.viewport(),
            Qt.MouseButton.LeftButton,
            pos=again.history_list.visualRect(index).center(),
        ),
        lambda: again.record_id == record_id and bool(again.editor.plain_text()),
    )
    assert again.editor.lines() == ["Hello from fal-ai.", "This is a test recording."]
    assert again.editor.marks()[0] == "00:00.0"
    assert again.badge.label.text().startswith("via fal")
    assert again.source.file_label.full_text().startswith("fox.wav")
    assert again.run_button.isEnabled()  # the stored audio can be transcribed again


def test_a_failing_provider_is_shown_in_the_trace(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], SpeechPage],
    emulator: Emulator,
    spoken: Path,
) -> None:
    emulator.fault("fal-ai", "status", status=400, body={"detail": "Unsupported data URL"}, times=1)
    page = make_page(services)
    transcribe(loop, page, spoken)

    badge = page.badge
    assert badge.label.text().startswith("via HF Inference · ")
    assert badge.failover.isVisible()
    assert badge.failover.text() == "fal refused these settings, so HF Inference delivered"
    act(loop, lambda: badge.details_button.click())
    assert badge.table.isVisible() and badge.table.rowCount() == 2
    outcome = ATTEMPT_HEADERS.index("Outcome")
    message = ATTEMPT_HEADERS.index("Message")
    assert badge.table.cell_text(0, outcome) == "rejected"
    assert badge.table.cell_text(0, message) == "Unsupported data URL"
    assert badge.table.cell_text(1, outcome) == "delivered"
    # hf-inference gives no timestamps: plain text, no margin, and a note about subtitles.
    assert page.editor.plain_text() == "Hello from hf-inference. This is a test recording."
    assert not page.editor.has_timestamps and page.editor.marks() == [""]
    assert "spread over the audio" in page.timing_note.text()


def test_every_provider_failing_gives_one_sentence_and_a_button(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], SpeechPage],
    emulator: Emulator,
    spoken: Path,
) -> None:
    for provider in ("fal-ai", "hf-inference", "replicate"):
        emulator.fault(provider, "status", status=503)
    page = make_page(services)
    transcribe(loop, page, spoken)
    assert page.message_bar.isVisible()
    sentence = page.message_bar.text_label.text()
    assert sentence.startswith("fal had a server problem; try again or use another provider.")
    assert "\n" not in sentence
    assert page.message_bar.action_button.isVisible()
    assert page.message_bar.action_button.text() == "Try again"
    assert page.editor.plain_text() == ""
    assert page.badge.failover.text() == "fal, HF Inference and Replicate had server problems"


def test_cancel_stops_the_transcription(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], SpeechPage],
    emulator: Emulator,
    spoken: Path,
) -> None:
    emulator.fault("fal-ai", "silent")
    page = make_page(services)
    assert drop_files(loop, page, spoken, done=lambda: page.audio_path == spoken)

    async def start_then_cancel() -> None:
        # One loop run from start to end: the request is in flight the whole time.
        page.transcribe()
        while not (emulator.requests_for("fal-ai") and page.elapsed.text()):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        assert page.elapsed.text().startswith("Transcribing… 0:0")
        await outside_tasks(lambda: QTest.mouseClick(page.run_button, Qt.MouseButton.LeftButton))
        while page.busy:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    run(loop, start_then_cancel())
    assert page.run_button.text() == "Transcribe"
    assert page.message_bar.text_label.text() == "Stopped — nothing was transcribed."
    assert page.editor.plain_text() == ""


@pytest.mark.parametrize("name", ["notes.pdf", "song.aiff", "README"])
def test_a_file_of_another_kind_is_refused_in_one_sentence(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], SpeechPage],
    tmp_path: Path,
    name: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(b"not audio")
    page = make_page(services)
    assert drop_files(loop, page, path, done=page.message_bar.isVisible)
    assert page.message_bar.text_label.text() == (
        f"{name} is not a WAV, MP3, FLAC, Ogg, M4A or WebM file, so it cannot be transcribed."
    )
    assert page.audio_path is None


# --- the microphone ------------------------------------------------------------------------


def test_without_a_microphone_record_is_off_and_says_why(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], SpeechPage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rec, "audio_inputs", list)  # a machine with no audio input at all
    page = make_page(services)
    act(loop, page.refresh_devices)
    button, hint = page.source.record_button, page.source.record_hint
    assert not button.isEnabled()
    assert button.text() == "No microphone"
    assert (
        button.toolTip()
        == hint.text()
        == (
            "This computer has no microphone or other audio input, so recording is off; "
            "open or drop an audio file instead."
        )
    )
    assert hint.isVisible()


SINK = "switchboard_test_sink"
SOURCE = "switchboard_test_mic"


@pytest.fixture
def virtual_microphone(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private PulseAudio server with a null sink and a virtual source fed by its monitor;
    yields the environment that reaches it. Skips where PulseAudio cannot run."""
    pulseaudio, paplay = shutil.which("pulseaudio"), shutil.which("paplay")
    if pulseaudio is None or paplay is None:
        pytest.skip(
            "PulseAudio is not installed (Debian: pulseaudio pulseaudio-utils), so "
            "there is no virtual microphone to record from"
        )
    runtime = tmp_path / "pulse"
    runtime.mkdir(mode=0o700)
    (tmp_path / "home").mkdir()
    socket = runtime / "native"
    env = {name: value for name, value in os.environ.items() if not name.startswith("PULSE_")} | {
        "XDG_RUNTIME_DIR": str(runtime),
        "HOME": str(tmp_path / "home"),
        "PULSE_RUNTIME_PATH": str(runtime),
        "PULSE_SERVER": f"unix:{socket}",
    }
    log = tmp_path / "pulse.log"
    started = subprocess.run(
        [
            pulseaudio,
            "--daemonize=yes",
            "-n",
            "--exit-idle-time=-1",
            "--disallow-exit",
            f"--log-target=file:{log}",
            f"--load=module-native-protocol-unix socket={socket}",
            f"--load=module-null-sink sink_name={SINK}",
            f"--load=module-virtual-source source_name={SOURCE} master={SINK}.monitor",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if started.returncode != 0:
        detail = (log.read_text() if log.exists() else started.stderr).strip().splitlines()
        pytest.skip(f"PulseAudio would not start here: {detail[-1] if detail else 'no log'}")
    try:
        yield env
    finally:
        subprocess.run(
            [pulseaudio, "--kill"], env=env, capture_output=True, timeout=30, check=False
        )


@pytest.mark.timeout(150)  # the recording child process alone may take up to 90 s
def test_recording_from_a_virtual_microphone_becomes_the_audio_to_transcribe(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], SpeechPage],
    virtual_microphone: dict[str, str],
    spoken: Path,
    tmp_path: Path,
) -> None:
    probe = subprocess.run(
        [sys.executable, "-m", "tests.ui.record_probe", str(spoken), str(tmp_path / "child"), SINK],
        cwd=REPO,
        env=virtual_microphone | {"QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    assert report["record_enabled"], report
    assert any(SOURCE in name for name in report["inputs"])
    assert report["stop_text"] == "■ Stop recording" and report["meter_visible"]
    assert report["paplay_rc"] == 0
    assert report["peak"] > 0.5, report  # speech fills more than half of the -60..0 dB bar
    assert (report["rate"], report["channels"]) == (16000, 1)
    spoken_s = wav_seconds(spoken.read_bytes()) or 0
    assert report["seconds"] >= spoken_s * 0.9
    assert report["file_label"].startswith("Recording ")
    assert report["transcribe_enabled"] and report["record_text_after"] == "● Record"

    # The take is a normal audio file: the tab transcribes it.
    recording = Path(report["path"])
    page = make_page(services)
    transcribe(loop, page, recording)
    assert page.editor.lines() == ["Hello from fal-ai.", "This is a test recording."]


def test_transcribe_without_audio_says_what_to_do(
    loop: qasync.QEventLoop, services: Services, make_page: Callable[[Services], SpeechPage]
) -> None:
    page = make_page(services)
    assert page.run_button.isEnabled()  # a click explains itself; a greyed button does not
    page.run_button.click()
    until(loop, page.message_bar.isVisible)
    text = page.message_bar.text_label.text()
    assert "Open audio file" in text and "record" in text and "drop" in text
    assert not page.busy
    width = page.run_button.width()
    page.badge.set_live("HF Inference is working on a long line of words…")
    QGuiApplication.processEvents()
    assert page.run_button.width() == width  # no layout jump beside the badge
