"""The Video tab against the emulator: queue positions, playback, cancel, and resume at start.

Emulated jobs advance per status poll and the service polls every couple of milliseconds
here, so nothing waits on the clock; ``outcome="hold"`` keeps a job in line until the test
releases it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import qasync
from PySide6.QtMultimedia import QMediaPlayer

from desktop.core.media_types import VideoRequest
from desktop.services import Services
from desktop.ui.video import VideoPage
from tests.emulator import Emulator
from tests.emulator.jobs import WAN_T2V
from tests.fast_polls import FAST_VIDEO_POLL as FAST_POLL
from tests.ui.page_helpers import (  # noqa: F401 (fixtures)
    build_page_fixture,
    drive,
    media_env_fixture,
    wait_until,
)

PROMPT = "a red fox running through fresh snow"
PLAYABLE = (
    QMediaPlayer.MediaStatus.LoadedMedia,
    QMediaPlayer.MediaStatus.BufferingMedia,
    QMediaPlayer.MediaStatus.BufferedMedia,
)


@pytest.fixture
def open_fast(
    open_services: Callable[..., Services], media_env: dict[str, str]
) -> Callable[[], Services]:
    def factory() -> Services:
        services = open_services(media_env)
        services.video.timing = FAST_POLL
        services.settings.set_order(["fal-ai", "replicate", "novita", "together"])
        return services

    return factory


@pytest.fixture
def page(build_page: Callable[..., Any], open_fast: Callable[[], Services]) -> VideoPage:
    page: VideoPage = build_page(VideoPage, open_fast())
    return page


def fill(page: VideoPage) -> None:
    page.model_picker.set_current_model(WAN_T2V)
    page.form.prompt.setPlainText(PROMPT)
    page.form.length.setValue(5.0)  # seconds; the provider gets 81 frames
    page.form.seed.set_value(7)


def test_queue_position_then_the_video_plays_inline(
    loop: qasync.QEventLoop,
    page: VideoPage,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    told: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "desktop.ui.video.page.notify_finished",
        lambda _w, title, text, _b: told.append((title, text)) or "tray",
    )
    emulator.jobs.plan("fal-ai", outcome="hold", queue_polls=3)
    fill(page)
    page.run_button.click()
    assert page.busy and page.run_button.text() == "Cancel"
    (card,) = page.jobs.cards()
    wait_until(loop, lambda: card.status_line() == "Waiting in line — position 3 · at fal")
    assert card.elapsed.text().startswith("0:0")
    wait_until(loop, lambda: page.model.rowCount() == 1)  # the accepted job is listed
    running = page.model.generation(0)
    assert running is not None and running.status == "running"

    (job,) = emulator.jobs.jobs("fal-ai")
    emulator.jobs.release(job.id)
    wait_until(loop, lambda: not page.busy)
    assert page.run_button.text() == "Make video"
    assert page.jobs.cards() == [] and not page.jobs.isVisibleTo(page)
    wait_until(loop, lambda: (g := page.model.generation(0)) is not None and g.status == "complete")
    shown = page.result.generation
    assert shown is not None and shown.status == "complete"
    assert page.result.badge.label.text().startswith("via fal")
    assert page.result.save_button.isEnabled()

    player = page.result.player
    assert player.path == shown.files[0]["path"]
    wait_until(loop, lambda: player.player is not None and player.player.mediaStatus() in PLAYABLE)
    assert player.player is not None and player.player.duration() > 0
    wait_until(loop, lambda: player.time_label.text().endswith("/ 0:01"))
    assert player.play_button.isEnabled()
    assert told == [("Your video is ready", f"“{PROMPT}” is ready to watch.")]


def test_cancel_reaches_the_provider(
    loop: qasync.QEventLoop, page: VideoPage, emulator: Emulator
) -> None:
    emulator.jobs.plan("fal-ai", outcome="hold")
    fill(page)
    page.run_button.click()
    (card,) = page.jobs.cards()
    wait_until(loop, lambda: card.job_id is not None and "Waiting in line" in card.status_line())
    page.run_button.click()  # "Cancel"
    wait_until(loop, lambda: not page.busy)
    (job,) = emulator.jobs.jobs("fal-ai")
    assert job.cancelled and job.cancel_calls == 1
    assert page.message_bar.text_label.text() == "Cancelled at fal."
    wait_until(
        loop, lambda: (g := page.model.generation(0)) is not None and g.status == "cancelled"
    )
    assert page.services.video.pending() == []
    assert emulator.jobs.submissions() == 1


def test_cancel_before_any_provider_took_it(
    loop: qasync.QEventLoop, page: VideoPage, emulator: Emulator
) -> None:
    emulator.fault("fal-ai", "silent", times=1)
    fill(page)
    page.run_button.click()
    wait_until(loop, lambda: bool(emulator.requests_for("fal-ai")))
    page.run_button.click()
    wait_until(loop, lambda: not page.busy)
    assert page.message_bar.text_label.text() == "Stopped before any provider took the video."
    assert emulator.jobs.submissions() == 0
    assert page.jobs.cards() == []


def test_a_job_left_by_the_last_run_resumes_when_the_page_starts(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    open_fast: Callable[[], Services],
    emulator: Emulator,
) -> None:
    first = open_fast()
    emulator.jobs.plan("fal-ai", outcome="hold")
    request = VideoRequest(model=WAN_T2V, prompt=PROMPT, seed=7, provider="auto")
    job_task = asyncio.ensure_future(first.video.generate(request), loop=loop)
    drive(loop, asyncio.to_thread(emulator.jobs.wait_for_polls, 2, provider="fal-ai"))
    drive(loop, first.aclose())  # the app quits mid-job: the job stays at the provider
    assert job_task.cancelled()
    (job,) = emulator.jobs.jobs("fal-ai")
    assert not job.cancelled

    second = open_fast()  # the next start, same data folder
    page: VideoPage = build_page(VideoPage, second, settle=False)  # the job is held
    wait_until(loop, lambda: len(page.jobs.cards()) == 1)
    (card,) = page.jobs.cards()
    wait_until(loop, lambda: "Waiting in line" in card.status_line())
    assert "still being made since last time" in page.message_bar.text_label.text()
    emulator.jobs.release(job.id)
    wait_until(loop, lambda: page.jobs.cards() == [])
    wait_until(loop, lambda: (g := page.model.generation(0)) is not None and g.status == "complete")
    assert emulator.jobs.submissions() == 1  # resumed, never submitted again
    assert second.video.pending() == []
    player = page.result.player
    wait_until(loop, lambda: player.player is not None and player.player.mediaStatus() in PLAYABLE)


def test_closing_the_page_leaves_the_job_at_the_provider(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    open_fast: Callable[[], Services],
    emulator: Emulator,
) -> None:
    services = open_fast()
    page: VideoPage = build_page(VideoPage, services)
    emulator.jobs.plan("fal-ai", outcome="hold")
    fill(page)
    page.run_button.click()
    (card,) = page.jobs.cards()
    wait_until(loop, lambda: card.job_id is not None)
    drive(loop, page.aclose())  # the window closes: the app is quitting
    drive(loop, services.aclose())
    (job,) = emulator.jobs.jobs("fal-ai")
    assert not job.cancelled and job.cancel_calls == 0
    assert [r.id for r in open_fast().video.pending()] == [card.job_id]


def test_reuse_settings_fills_the_form(loop: qasync.QEventLoop, page: VideoPage) -> None:
    fill(page)
    page.form.negative.setText("blurry")
    page.form.steps.setValue(30)
    page.form.guidance.setValue(5.0)
    page.run_button.click()
    wait_until(loop, lambda: not page.busy)
    wait_until(loop, lambda: page.result.generation is not None)
    page.form.prompt.setPlainText("")
    page.form.seed.set_value(None)
    page.result.reuse_button.click()
    form = page.form
    assert form.prompt.text() == PROMPT and form.negative.text() == "blurry"
    assert (form.length.value(), form.steps.value(), form.guidance.value()) == (5.0, 30, 5.0)
    assert form.num_frames() == 81 and form.frames_note.text() == "81 frames"
    assert form.seed.value() == 7
