"""``switchboard self-check``: the checks ``make dist-check`` runs inside the frozen app, here
run from the source tree so a broken check is caught without building the bundle."""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
import sys
import wave
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.gui


def tone(path: Path, seconds: float = 1.0) -> Path:
    rate = 8000
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(6000 * math.sin(2 * math.pi * 440 * i / rate)))
                for i in range(int(rate * seconds))
            )
        )
    return path


def self_check(tmp_path: Path, *files: Path) -> tuple[int, dict[str, object]]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XDG_", "DBUS_", "SWITCHBOARD_")) and k != "HF_TOKEN"
    } | {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "desktop", "self-check", *map(str, files)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    return proc.returncode, json.loads(proc.stdout)


def test_self_check_paints_the_window_plays_audio_and_reports_a_missing_keyring(
    tmp_path: Path,
) -> None:
    code, result = self_check(tmp_path, tone(tmp_path / "tone.wav"))
    window = result["window"]
    assert isinstance(window, dict) and window["ok"] is True
    assert window["colours"] >= 8 and window["icon_sizes"][-1] == 512
    (played,) = result["media"]  # type: ignore[misc]
    assert played["ok"] is True and played["error"] is None, played
    assert played["has_video"] is False and played["position_ms"] >= 300
    # No keyring: the whole check fails, and says why.
    assert result["keyring"] == {
        "ok": False,
        "backend": None,
        "problem": "none is installed or running",
    }
    assert result["ok"] is False and code == 1
    assert (tmp_path / "data" / "switchboard" / "history.db").exists()


def test_a_file_that_is_not_media_fails_with_a_reason(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.wav"
    bogus.write_bytes(b"RIFF not really a wave file" * 10)
    code, result = self_check(tmp_path, bogus)
    (played,) = result["media"]  # type: ignore[misc]
    assert played["ok"] is False and played["error"]
    assert code == 1


def test_self_check_plays_a_video_and_counts_its_frames(tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (make test installs it)")
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=size=160x120:rate=25:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         str(clip)],
        check=True, timeout=60,
    )  # fmt: skip
    _code, result = self_check(tmp_path, clip)
    (played,) = result["media"]  # type: ignore[misc]
    assert played["ok"] is True, played
    assert played["has_video"] is True and played["frames"] > 0
