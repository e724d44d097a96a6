"""``switchboard video``: progress on stderr, the path (or one JSON object) on stdout, resume.

The command module is driven in-process (its parser added to a bare ``switchboard`` parser, as
:mod:`desktop.cli` does) against the emulator, with the video service polling every few
milliseconds; jobs advance per poll, so nothing here waits on the clock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from desktop import cli_video
from desktop.cli_grammar import add_commands
from desktop.core.media_types import JobProgress, VideoRequest
from desktop.services import Services
from desktop.store.paths import AppPaths
from tests.emulator import HF_TOKEN, Emulator
from tests.emulator.jobs import WAN_T2V
from tests.emulator.media import mp4_bytes
from tests.fast_polls import FAST_VIDEO_POLL as FAST_POLL

OpenServices = Callable[..., Awaitable[Services]]


@pytest.fixture
async def open_services(tmp_path: Path, emulator: Emulator) -> AsyncIterator[OpenServices]:
    """Services on one data folder (a second call is the app started again); the in-memory
    keyring comes from the root conftest."""
    opened: list[Services] = []

    async def factory() -> Services:
        root = tmp_path / "app"
        paths = AppPaths(root / "data", root / "config", root / "cache")
        services = await Services.open(paths=paths, env=emulator.env() | {"HF_TOKEN": HF_TOKEN})
        services.video.timing = FAST_POLL
        opened.append(services)
        return services

    yield factory
    for services in opened:
        await services.aclose()


def file_bytes(path: str | Path) -> bytes | None:
    """The file's bytes, None when it does not exist (sync: the tests' loop can wait)."""
    target = Path(path)
    return target.read_bytes() if target.is_file() else None


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="switchboard")
    sub = parser.add_subparsers(dest="command", required=True)
    add_commands(sub, ["video"], bill_to=False)
    return parser.parse_args(["video", *argv])


async def test_video_prints_the_path_and_shows_progress_on_stderr(
    open_services: OpenServices,
    emulator: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    services = await open_services()
    out = tmp_path / "clips" / "fox.mp4"
    args = parse(
        "--model",
        WAN_T2V,
        "--provider",
        "fal-ai",
        "--out",
        str(out),
        "--seed",
        "5",
        "--steps",
        "20",
        "--frames",
        "33",
        "--negative",
        "blurry",
        "a fox in snow",
    )
    assert await cli_video.run(services, args) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{out}\n"
    assert file_bytes(out) == mp4_bytes()
    lines = captured.err.splitlines()
    assert lines[0].startswith("[submitting · ")
    assert any(line.startswith("[fal · in the queue (position 1) · ") for line in lines)
    assert any(line.startswith("[fal · making the video · ") for line in lines)
    assert lines[-1].startswith("[via fal · ")
    (submit,) = [r for r in emulator.requests_for("fal-ai") if r.method == "POST"]
    assert submit.json == {
        "prompt": "a fox in snow",
        "negative_prompt": "blurry",
        "num_frames": 33,
        "num_inference_steps": 20,
        "seed": 5,
    }


async def test_video_json_prints_one_object_with_the_trace(
    open_services: OpenServices, capsys: pytest.CaptureFixture[str]
) -> None:
    services = await open_services()
    args = parse("--model", WAN_T2V, "--provider", "novita", "--json", "waves at night")
    assert await cli_video.run(services, args) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["status"] == "complete" and payload["task"] == "text-to-video"
    assert payload["provider"] == "novita" and payload["out"] is None
    assert payload["trace"]["attempts"][0]["provider"] == "novita"
    assert payload["trace"]["attempts"][0]["outcome"] == "ok"
    assert file_bytes(payload["files"][0]["path"]) == mp4_bytes()
    assert payload["job_id"] and payload["record_id"]
    seconds = sum(f["duration_s"] or 0.0 for f in payload["files"]) or 5.0
    assert payload["cost"]["usd"] == pytest.approx(seconds * 0.06)  # novita's table price
    assert payload["cost"]["estimate"] is True and "second" in payload["cost"]["basis"]
    stored = services.history.get_generation(payload["record_id"])  # the Library item
    assert stored is not None and stored.trace is not None
    assert stored.trace["cost"] == payload["cost"]


async def test_a_failed_video_exits_non_zero_with_one_line(
    open_services: OpenServices, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    services = await open_services()
    emulator.jobs.plan("fal-ai", outcome="fail", error="out of GPUs")
    args = parse("--model", WAN_T2V, "--provider", "fal-ai", "a storm")
    assert await cli_video.run(services, args) == cli_video.EXIT_FAILED
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[-1] == (
        "switchboard: fal could not make the video (out of GPUs)."
    )


async def test_usage_errors(
    open_services: OpenServices, capsys: pytest.CaptureFixture[str]
) -> None:
    services = await open_services()
    assert await cli_video.run(services, parse("a prompt")) == cli_video.EXIT_USAGE
    assert "--model is required" in capsys.readouterr().err
    assert await cli_video.run(services, parse("--model", WAN_T2V)) == cli_video.EXIT_USAGE
    assert await cli_video.run(services, parse("--resume", "x")) == cli_video.EXIT_USAGE


async def test_resume_finishes_a_job_left_by_an_earlier_run(
    open_services: OpenServices,
    emulator: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = await open_services()
    emulator.jobs.plan("together", outcome="hold")
    events: list[JobProgress] = []
    task = asyncio.create_task(
        first.video.generate(
            VideoRequest(model=WAN_T2V, prompt="a quiet harbour", provider="together"),
            on_progress=events.append,
        )
    )
    job = await asyncio.to_thread(emulator.jobs.wait_for_polls, 1, provider="together")
    await first.aclose()  # the command was killed: the job stays at the provider
    assert task.cancelled()
    emulator.jobs.release(job.id)

    second = await open_services()
    folder = tmp_path / "videos"
    folder.mkdir()
    assert await cli_video.run(second, parse("--resume", "--out", str(folder))) == 0
    captured = capsys.readouterr()
    (printed,) = captured.out.splitlines()
    assert Path(printed).parent == folder and file_bytes(printed) == mp4_bytes()
    assert captured.err.splitlines()[-1].startswith("[via Together AI · ")
    assert emulator.jobs.submissions() == 1

    assert await cli_video.run(second, parse("--resume", "--json")) == 0
    assert json.loads(capsys.readouterr().out) == {"results": []}
