"""``switchboard speak`` in a real subprocess against the emulator: the audio saved where
asked (never over an existing file unless --force), the JSON result, bad text refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from desktop.store.history import HistoryStore
from tests.cli.conftest import ROOT
from tests.emulator import Emulator
from tests.emulator.media_models import KOKORO


def speak(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", "speak", "--model", KOKORO, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=ROOT,
    )


def test_speak_saves_the_audio_and_the_library_keeps_text_and_voice(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "hello.wav"
    done = speak(cli_env, "--voice", "af_bella", "--out", str(out), "Hello there, listener.")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out}\n"
    assert done.stderr.startswith("[via Together AI") and "voice af_bella" in done.stderr
    assert out.read_bytes()[:4] == b"RIFF"
    with HistoryStore(Path(cli_env["XDG_DATA_HOME"]) / "switchboard" / "history.db") as history:
        (row,) = history.list_generations("text-to-speech")
    assert (row.prompt, row.params["voice"], row.provider) == (
        "Hello there, listener.",
        "af_bella",
        "together",
    )


def test_out_never_overwrites_without_force(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "mine.wav"
    out.write_bytes(b"my own recording")
    done = speak(cli_env, "--out", str(out), "Keep my file.")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == b"my own recording"
    kept = tmp_path / "mine-2.wav"
    assert done.stdout == f"{kept}\n" and kept.read_bytes()[:4] == b"RIFF"
    assert "already exists" in done.stderr
    forced = speak(cli_env, "--out", str(out), "--force", "Replace it.")
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes()[:4] == b"RIFF"


def test_the_provider_format_is_kept_whatever_the_name_says(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    done = speak(cli_env, "--out", str(tmp_path / "talk.mp3"), "Hello.")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{tmp_path / 'talk.wav'}\n"
    assert "gave WAV" in done.stderr


def test_json_carries_the_trace_and_failover(
    cli_env: dict[str, str], emulator: Emulator, tmp_path: Path
) -> None:
    emulator.fault("together", "status", status=503, times=1)
    done = speak(cli_env, "--json", "--provider", "auto", "Failover please.")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["task"] == "text-to-speech" and data["provider"] == "fal-ai"
    assert [a["provider"] for a in data["trace"]["attempts"]] == ["together", "fal-ai"]
    assert Path(data["files"][0]["path"]).is_file()
    # Priced by its characters at the provider that read it; the failed attempt is free.
    cost = data["cost"]
    assert cost["estimate"] is True and cost["usd"] > 0
    assert "16 characters at fal's" in cost["basis"]
    assert [a.get("billed", False) for a in data["trace"]["attempts"]] == [False, True]


def test_empty_text_is_one_line_and_nothing_is_sent(
    cli_env: dict[str, str], emulator: Emulator
) -> None:
    emulator.clear_requests()
    done = speak(cli_env, "   ")
    assert done.returncode == 1
    assert done.stderr == "switchboard: Type the text to read aloud first: it is empty.\n"
    assert not [r for r in emulator.requests if r.path.startswith(("/router", "/direct"))]
