"""``switchboard image|transcribe|embed`` in a real subprocess against the emulator.

Until ``desktop/cli.py`` wires the commands in, they run through ``python -m
desktop.cli_media`` (same parser, same ``run``)."""

from __future__ import annotations

import array
import io
import json
import math
import re
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from PIL import Image

from desktop.store.history import HistoryStore
from tests.cli.conftest import ROOT
from tests.emulator import Emulator
from tests.emulator.media import wav_bytes
from tests.emulator.media_models import BGE_SMALL, FLUX_SCHNELL, WHISPER


def media_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=ROOT,
    )


def library(env: dict[str, str]) -> HistoryStore:
    return HistoryStore(Path(env["XDG_DATA_HOME"]) / "switchboard" / "history.db")


def test_image_to_a_file_with_its_settings_in_the_library(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "lighthouse.png"
    done = media_cli(
        cli_env,
        "image",
        "--model",
        FLUX_SCHNELL,
        "--provider",
        "fal-ai",
        "--out",
        str(out),
        "--seed",
        "11",
        "--width",
        "128",
        "--height",
        "96",
        "--negative",
        "fog",
        "a lighthouse",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out}\n"
    assert done.stderr.startswith("[via fal") and "seed 11" in done.stderr
    with Image.open(out) as img:  # fal sent a JPEG; the .png name asked for PNG
        assert img.format == "PNG" and img.size == (128, 96)
    with library(cli_env) as history:
        (row,) = history.list_generations("text-to-image")
    assert (row.prompt, row.negative_prompt, row.provider) == ("a lighthouse", "fog", "fal-ai")
    assert row.params["seed"] == 11 and row.files[0]["seed"] == 11


def test_several_images_go_to_a_folder(cli_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "shots"
    done = media_cli(
        cli_env,
        "image",
        "--model",
        FLUX_SCHNELL,
        "--provider",
        "hf-inference",
        "--count",
        "3",
        "--out",
        str(folder),
        "--json",
        "three boats",
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["status"] == "complete" and len(payload["files"]) == 3
    assert payload["saved"] == [str(folder / f"image-{i}.jpg") for i in (1, 2, 3)]
    assert all(Path(p).is_file() for p in payload["saved"])
    assert payload["trace"]["task"] == "text-to-image"
    assert payload["trace"]["attempts"][0]["provider"] == "hf-inference"
    assert payload["record_id"] is not None


def test_image_failure_is_one_line_and_exit_1(cli_env: dict[str, str], emulator: Emulator) -> None:
    emulator.fault("nscale", "status", status=500)
    done = media_cli(cli_env, "image", "--model", FLUX_SCHNELL, "--provider", "nscale", "x")
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("switchboard: Nscale had a server problem")
    assert all(line.startswith(("[", "switchboard:")) for line in lines)


@pytest.mark.parametrize(
    ("fmt", "first"),
    [
        ("txt", "Hello from fal-ai. This is a test recording.\n"),
        ("srt", "1\n00:00:00,000 --> 00:00:01,000\nHello from fal-ai.\n"),
        ("vtt", "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello from fal-ai.\n"),
    ],
)
def test_transcribe_prints_text_or_subtitles(
    cli_env: dict[str, str], tmp_path: Path, fmt: str, first: str
) -> None:
    audio = tmp_path / "memo.wav"
    audio.write_bytes(wav_bytes(2.0))
    done = media_cli(
        cli_env,
        "transcribe",
        "--model",
        WHISPER,
        "--provider",
        "fal-ai",
        "--format",
        fmt,
        str(audio),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(first)
    with library(cli_env) as history:
        (row,) = history.list_generations("automatic-speech-recognition")
    assert row.text == "Hello from fal-ai. This is a test recording."


def test_transcribe_json_and_a_missing_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    audio = tmp_path / "memo.wav"
    audio.write_bytes(wav_bytes(1.0))
    done = media_cli(cli_env, "transcribe", "--model", WHISPER, "--json", str(audio))
    payload = json.loads(done.stdout)
    assert payload["text"].startswith("Hello from") and payload["format"] == "txt"
    assert payload["trace"]["attempts"]
    missing = media_cli(cli_env, "transcribe", "--model", WHISPER, str(tmp_path / "no.wav"))
    assert missing.returncode == 1
    assert missing.stderr == "switchboard: Could not open no.wav: No such file or directory.\n"


def test_embed_prints_the_similarity_matrix(cli_env: dict[str, str]) -> None:
    done = media_cli(cli_env, "embed", "--model", BGE_SMALL, "a cat sat", "a dog sat", "stocks")
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["1", "2", "3"]
    assert rows[0].split()[:4] == ["1", "1.000", "0.667", "0.000"]
    assert rows[2].endswith("stocks")
    assert "3 vectors × 384 dimensions" in done.stderr


def test_embed_json_has_the_vectors_and_the_trace(cli_env: dict[str, str]) -> None:
    done = media_cli(
        cli_env, "embed", "--model", BGE_SMALL, "--provider", "hf-inference", "--json", "one", "two"
    )
    payload = json.loads(done.stdout)
    assert len(payload["vectors"]) == 2 and len(payload["vectors"][0]) == 384
    assert payload["provider"] == "hf-inference" and payload["trace"]["attempts"]


def test_embed_unknown_model(cli_env: dict[str, str]) -> None:
    done = media_cli(cli_env, "embed", "--model", "nobody/nothing", "x")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("switchboard: ")


def test_image_never_overwrites_the_users_own_files(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "image-1.jpg").write_bytes(b"my own picture")
    own = tmp_path / "fox.png"
    own.write_bytes(b"my fox")
    base = ("image", "--model", FLUX_SCHNELL, "--provider", "hf-inference")
    into_folder = media_cli(cli_env, *base, "--count", "2", "--out", str(folder), "--json", "x")
    assert into_folder.returncode == 0, into_folder.stderr
    saved = json.loads(into_folder.stdout)["saved"]
    assert str(folder / "image-1.jpg") not in saved and len(set(saved)) == 2
    assert (folder / "image-1.jpg").read_bytes() == b"my own picture"
    named = media_cli(cli_env, *base, "--out", str(own), "a fox")
    assert named.returncode == 0, named.stderr
    assert own.read_bytes() == b"my fox"
    assert named.stdout == f"{tmp_path / 'fox-2.png'}\n"
    assert "fox.png already exists; saved as fox-2.png" in named.stderr
    forced = media_cli(cli_env, *base, "--out", str(own), "--force", "a fox")
    assert forced.returncode == 0 and forced.stdout == f"{own}\n"
    with Image.open(own) as img:
        assert img.format == "PNG"


def test_free_names_are_claimed_once(tmp_path: Path) -> None:
    from desktop.store.free_names import claim, first_free

    target = tmp_path / "a" / "clip.mp4"
    first = claim(target)
    second = claim(target)
    assert (first, second) == (target, tmp_path / "a" / "clip-2.mp4")
    assert first_free(target) == tmp_path / "a" / "clip-3.mp4"
    assert claim(target, force=True) == target


def long_recording(path: Path, minutes: int = 11, rate: int = 8000) -> Path:
    """``minutes`` of 50 s tones with 10 s of silence after each: longer than HF Inference
    takes in one request (10 minutes), with quiet places to cut."""
    period = array.array("h", (int(8000 * math.sin(2 * math.pi * n / 20)) for n in range(20)))
    tone = period.tobytes() * (50 * rate // 20)
    quiet = b"\x00\x00" * (10 * rate)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((tone + quiet) * minutes)
    return path


def test_transcribe_cuts_a_long_recording_and_says_each_part(
    cli_env: dict[str, str], emulator: Emulator, tmp_path: Path
) -> None:
    audio = long_recording(tmp_path / "meeting.wav")
    done = media_cli(
        cli_env,
        "transcribe",
        "--model",
        WHISPER,
        "--provider",
        "hf-inference",
        "--format",
        "srt",
        str(audio),
    )
    assert done.returncode == 0, done.stderr
    assert "[part 1 of 2, from 0:00…]" in done.stderr
    assert "[part 2 of 2, from " in done.stderr and "[all 2 parts transcribed]" in done.stderr
    sent = emulator.requests_for("hf-inference")
    assert len(sent) == 2
    for req in sent:
        with wave.open(io.BytesIO(req.body)) as w:
            assert w.getnframes() / w.getframerate() <= 600
    times = re.findall(r"(\d\d:\d\d:\d\d,\d\d\d) --> (\d\d:\d\d:\d\d,\d\d\d)", done.stdout)
    flat = [t for pair in times for t in pair]
    assert len(times) == 4 and flat == sorted(flat)  # two sentences a part, in order
    assert flat[-1] == "00:11:00,000"
