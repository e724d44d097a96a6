"""Child process of the recording test: record a spoken sentence from a virtual microphone.

Why a separate process: Qt's audio backend connects to PulseAudio once per process, when it
is first used, so the private PulseAudio server the test starts (a null sink and a virtual
source fed by it) must be in the environment before Qt starts; the main test process has
long since touched QtMultimedia without it. Run as::

    python -m tests.ui.record_probe SPEECH.wav DATA_DIR SINK_NAME

It opens the Speech tab, presses Record, plays SPEECH.wav into the sink with ``paplay``
(so the virtual microphone hears it), presses Stop, waits for the take to become the tab's
audio file, and prints one JSON object describing what happened.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring
import qasync
from PySide6.QtWidgets import QApplication

from desktop.services import Services
from desktop.store.paths import AppPaths
from desktop.ui.speech import SpeechPage
from desktop.ui.speech import recorder as rec
from tests.memory_keyring import MemoryKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before the QApplication exists

TIMEOUT_S = 30.0


async def wait_for(condition: Callable[[], object], within_s: float = 10.0) -> None:
    async with asyncio.timeout(within_s):
        # Polling on purpose: widget states and a child process signal nothing here.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def scenario(speech: Path, data: Path, sink: str) -> dict[str, Any]:
    paths = AppPaths(data_dir=data / "data", config_dir=data / "config", cache_dir=data / "cache")
    services = await Services.open(paths=paths, env={})
    page = SpeechPage(services)
    report: dict[str, Any] = {}
    try:
        page.resize(900, 600)
        page.show()
        page.refresh_devices()
        button = page.source.record_button
        report["inputs"] = [d.description() for d in rec.audio_inputs()]
        report["record_enabled"] = button.isEnabled()
        if not button.isEnabled():
            return report
        button.click()
        await wait_for(lambda: page.source.recording)
        report["stop_text"] = button.text()
        # Popen returns at once; the player is polled below, never waited on.
        player = subprocess.Popen(["paplay", "-d", sink, str(speech)])  # noqa: ASYNC220
        peak = 0.0

        def played() -> bool:
            nonlocal peak
            peak = max(peak, page.source.meter.fraction)
            return player.poll() is not None

        await wait_for(played, 20)
        report["paplay_rc"] = player.returncode
        report["peak"] = peak
        report["meter_visible"] = page.source.meter.isVisible()
        button.click()
        await wait_for(lambda: page.audio_path is not None)
        path = page.audio_path
        assert path is not None
        with wave.open(str(path)) as w:
            report |= {
                "rate": w.getframerate(),
                "channels": w.getnchannels(),
                "seconds": w.getnframes() / w.getframerate(),
            }
        report["path"] = str(path)
        report["file_label"] = page.source.file_label.full_text()
        report["transcribe_enabled"] = page.run_button.isEnabled()
        report["record_text_after"] = button.text()
    finally:
        await page.aclose()
        await services.aclose()
    return report


def main(argv: list[str]) -> int:
    speech, data, sink = Path(argv[1]), Path(argv[2]), argv[3]
    keyring.set_keyring(MemoryKeyring())
    app = QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    report = loop.run_until_complete(asyncio.wait_for(scenario(speech, data, sink), TIMEOUT_S))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
