"""The shared widgets of the task tabs: pickers, routing badge, run button, message bar,
thumbnails, notifications, and the wording they use."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
import qasync
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop.core.media_types import JobProgress
from desktop.core.table import Task
from desktop.core.trace import AttemptRecord, CandidateNote, Outcome, Trace
from desktop.services import Services
from desktop.store.history import StoredGeneration
from desktop.store.settings import CustomEndpoint
from desktop.ui.tasks import TaskScope
from desktop.ui.video.status_words import status_text
from desktop.ui.widgets import routing_words as words
from desktop.ui.widgets.generation_text import params_summary, summary, when
from desktop.ui.widgets.message_bar import MessageBar
from desktop.ui.widgets.notify import BANNER, notify_finished
from desktop.ui.widgets.prompt_box import PromptBox
from desktop.ui.widgets.routing_badge import RoutingBadge
from desktop.ui.widgets.run_button import RunButton
from desktop.ui.widgets.task_pickers import PolicyPicker, TaskModelPicker, task_providers
from desktop.ui.widgets.thumbnails import ThumbnailCache
from tests.emulator import HF_TOKEN, Emulator
from tests.emulator.media_models import FLUX_SCHNELL
from tests.ui.page_helpers import drive, wait_until


def attempt(provider: str, outcome: str, **extra: object) -> AttemptRecord:
    record = AttemptRecord(
        provider=provider, via="router", provider_model="m", started_at=0.0, outcome=outcome
    )
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def failover_trace() -> Trace:
    trace = Trace(model=FLUX_SCHNELL, policy="auto", task="text-to-image")
    trace.attempts = [
        attempt(
            "together",
            Outcome.RATE_LIMITED,
            status_code=429,
            retry_after_s=3.0,
            message="slow down",
            duration_ms=120.0,
        ),
        attempt("fal-ai", Outcome.OK, status_code=200, ttft_ms=2100.0, duration_ms=2100.0),
    ]
    trace.candidates = [CandidateNote("nebius", "direct", "x", "needs its own key")]
    trace.billed_to = "huggingface"
    return trace


# --- wording --------------------------------------------------------------------------------


def test_badge_and_failover_words() -> None:
    trace = failover_trace()
    assert words.winners(trace) == ["fal-ai"]
    assert words.badge_text(["fal-ai"], 2100) == "via fal · 2.1 s"
    assert words.badge_text(["fal-ai", "together"]) == "via fal and Together AI"
    assert words.badge_text([]) == ""
    assert (
        words.failover_text(trace) == "Together AI was busy (too many requests), so fal delivered"
    )
    assert words.skipped_notes(trace) == ["Nebius AI Studio: needs its own key"]
    assert "Billed to your Hugging Face account" in words.badge_tooltip(trace, ["fal-ai"])
    row = words.attempt_row(trace.attempts[0])
    assert row == [
        "Together AI",
        "HF router",
        "429",
        "rate limited",
        "slow down",
        "",
        "0.1 s",
        "3 s",
    ]


def test_four_pictures_read_as_one_story_not_four() -> None:
    trace = Trace(model=FLUX_SCHNELL, policy="auto")
    trace.attempts = [
        attempt("fal-ai", Outcome.SERVER_ERROR),
        attempt("fal-ai", Outcome.OK),
        attempt("together", Outcome.OK),
        attempt("fal-ai", Outcome.OK),
        attempt("fal-ai", Outcome.SERVER_ERROR),
        attempt("fal-ai", Outcome.CANCELLED),
    ]
    assert (
        words.failover_text(trace) == "fal had a server problem, so fal and Together AI delivered"
    )
    assert words.winners(trace) == ["fal-ai", "together"]
    clean = Trace(model=FLUX_SCHNELL, policy="auto")
    clean.attempts = [attempt("fal-ai", Outcome.OK)] * 4
    assert words.failover_text(clean) == ""


def test_times_and_live_status() -> None:
    assert (words.seconds(420), words.seconds(12_600), words.seconds(95_000)) == (
        "0.4 s",
        "13 s",
        "1:35",
    )
    assert (words.clock(65), words.clock(3725)) == ("1:05", "1:02:05")
    assert words.live_text(attempt("fal-ai", "")) == "fal is working on it…"
    assert words.live_text(attempt("together", Outcome.RATE_LIMITED)) == (
        "Together AI was busy (too many requests) — trying the next provider…"
    )


def test_video_status_words() -> None:
    assert status_text(JobProgress("queued", queue_position=3)) == "Waiting in line — position 3"
    assert status_text(JobProgress("queued", queue_position=0)) == "Next in line"
    assert status_text(JobProgress("queued")) == "Waiting in line"
    assert status_text(JobProgress("running")) == "Making the video"
    assert status_text(JobProgress("downloading")) == "Downloading"


def _gen(task: str, **fields: object) -> StoredGeneration:
    base: dict[str, object] = dict(
        id=1,
        task=task,
        created_at=0.0,
        updated_at=0.0,
        prompt="p",
        negative_prompt=None,
        model="black-forest-labs/FLUX.1-schnell",
        provider="fal-ai",
        provider_model=None,
        status="complete",
        params={},
        files=[],
        text=None,
        vectors_path=None,
        trace=None,
        error=None,
        duration_ms=None,
    )
    base.update(fields)
    return StoredGeneration(**base)  # type: ignore[arg-type]


def test_generation_wording() -> None:
    pictures = _gen("text-to-image", files=[{"path": "a"}, {"path": "b"}])
    assert summary(pictures) == "2 pictures · FLUX.1-schnell · via fal"
    failed = _gen("text-to-video", status="failed", provider=None)
    assert summary(failed) == "Video · Failed · FLUX.1-schnell"
    texts = _gen("feature-extraction", params={"texts": ["a"]})
    assert summary(texts).startswith("Embeddings of 1 text ·")
    assert params_summary(
        "text-to-image", {"width": 1024, "height": 768, "steps": 4, "guidance": 3.5, "seed": 7}
    ) == ("1024 × 768 · 4 steps · guidance 3.5 · seed 7")
    assert when(1000.0, now=1030.0) == "just now"
    assert when(1000.0, now=1000.0 + 600) == "10 min ago"


# --- widgets --------------------------------------------------------------------------------


@pytest.mark.usefixtures("qtbot")
def test_routing_badge_shows_who_the_failover_and_the_trace_table(loop: qasync.QEventLoop) -> None:
    badge = RoutingBadge()
    assert badge.isHidden()
    badge.set_trace(failover_trace(), duration_ms=2100)
    badge.show()
    assert badge.label.text() == "via fal · 2.1 s"
    assert badge.failover.text() == "Together AI was busy (too many requests), so fal delivered"
    assert (
        badge.text()
        == "via fal · 2.1 s  Together AI was busy (too many requests), so fal delivered"
    )
    assert badge.details_button.isVisibleTo(badge) and not badge.table.isVisibleTo(badge)
    badge.details_button.click()
    assert badge.table.isVisibleTo(badge) and badge.table.rowCount() == 2
    assert badge.table.cell_text(0, 4) == "slow down"
    assert badge.table.cell_text(0, 7) == "3 s"
    assert badge.skipped.text() == "Not tried: Nebius AI Studio: needs its own key."
    badge.set_live("fal is working on it…")
    assert badge.label.text() == "fal is working on it…"
    badge.clear()
    assert badge.isHidden()
    badge.deleteLater()


def test_run_button_becomes_cancel_and_cancels_its_slot(loop: qasync.QEventLoop) -> None:
    async def scenario() -> None:
        scope = TaskScope("t")
        button = RunButton("Make image")
        button.bind(scope, "make")
        asked: list[str] = []
        button.run_requested.connect(lambda: asked.append("run"))
        button.cancel_requested.connect(lambda: asked.append("cancel"))
        button.click()
        assert asked == ["run"]
        task = scope.spawn(asyncio.sleep(3600), slot="make")
        button.track(task)
        assert button.running and button.text() == "Cancel"
        button.click()
        await asyncio.wait([task])
        await asyncio.sleep(0)
        assert task.cancelled() and asked == ["run", "cancel"]
        assert not button.running and button.text() == "Make image"
        assert button.cancel() is False
        button.deleteLater()

    drive(loop, scenario())


def test_run_button_uses_the_pages_canceller(loop: qasync.QEventLoop) -> None:
    async def scenario() -> None:
        button = RunButton("Make video")
        called: list[bool] = []
        button.set_canceller(lambda: called.append(True))
        task = asyncio.ensure_future(asyncio.sleep(3600))
        button.track(task)
        assert button.cancel() is True
        assert called == [True] and not task.cancelled()
        task.cancel()
        button.deleteLater()

    drive(loop, scenario())


@pytest.mark.usefixtures("qtbot")
def test_message_bar_names_the_fix_and_emits_its_action() -> None:
    banner = MessageBar()
    asked: list[str] = []
    banner.action_requested.connect(asked.append)
    banner.show_error("fal refused the key.", "open_providers")
    assert banner.text_label.text() == "fal refused the key."
    assert banner.action_button.text() == "Open Providers" and banner.action == "open_providers"
    banner.action_button.click()
    assert asked == ["open_providers"] and banner.isHidden()
    banner.show_error("Something odd.", "no_such_action")
    assert banner.action_button.isHidden() and banner.action is None
    banner.deleteLater()


@pytest.mark.usefixtures("qtbot")
def test_a_fixed_message_bar_keeps_saying_it_and_offers_its_button_again() -> None:
    bar = MessageBar(closable=False)  # the marker under a stopped chat answer
    asked: list[str] = []
    bar.action_requested.connect(asked.append)
    bar.show_info("Stopped by you.", "retry", label="Retry")
    assert bar.action_button.text() == "Retry" and bar.close_button.isHidden()
    bar.action_button.click()
    bar.action_button.click()
    assert asked == ["retry", "retry"] and not bar.isHidden()
    bar.deleteLater()


@pytest.mark.usefixtures("qtbot")
def test_prompt_box_ctrl_enter_submits_and_enter_makes_a_line() -> None:
    box = PromptBox("Describe it")
    submitted: list[bool] = []
    box.submitted.connect(lambda: submitted.append(True))
    QTest.keyClicks(box, "a fox")
    QTest.keyClick(box, Qt.Key.Key_Return)
    QTest.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert submitted == [True]
    assert box.toPlainText() == "a fox\n"
    box.deleteLater()


@pytest.mark.usefixtures("qtbot")
def test_notification_falls_back_to_the_banner() -> None:
    page = QWidget()
    banner = MessageBar(page)
    assert notify_finished(page, "Your video is ready", "“fox” is ready.", banner) == BANNER
    assert banner.text_label.text() == "“fox” is ready."
    page.deleteLater()


# --- pickers --------------------------------------------------------------------------------


@pytest.fixture
def services(open_services: Callable[..., Services], emulator: Emulator) -> Services:
    return open_services(emulator.env() | {"HF_TOKEN": HF_TOKEN})


def test_model_picker_offers_cached_and_well_known_models_and_remembers_per_task(
    loop: qasync.QEventLoop, services: Services
) -> None:
    drive(loop, services.catalog.mapping(FLUX_SCHNELL, HF_TOKEN))
    images = TaskModelPicker(services, Task.TEXT_TO_IMAGE)
    items = [images.itemText(i) for i in range(images.count())]
    assert items[0] == FLUX_SCHNELL and "stabilityai/stable-diffusion-xl-base-1.0" in items
    assert len(items) == len(set(items))
    assert images.current_model() == FLUX_SCHNELL
    images.set_current_model("stabilityai/stable-diffusion-xl-base-1.0")
    images.remember()
    assert services.settings.default_models["text-to-image"] == (
        "stabilityai/stable-diffusion-xl-base-1.0"
    )
    saved = services.settings_store.load()
    assert saved.default_models["text-to-image"] == "stabilityai/stable-diffusion-xl-base-1.0"

    again = TaskModelPicker(services, "text-to-image")
    assert again.current_model() == "stabilityai/stable-diffusion-xl-base-1.0"
    video = TaskModelPicker(services, Task.TEXT_TO_VIDEO)
    assert video.current_model() == "Wan-AI/Wan2.1-T2V-14B"
    for picker in (images, again, video):
        picker.deleteLater()


def test_policy_picker_lists_only_providers_that_serve_the_task(services: Services) -> None:
    settings = services.settings
    settings.add_custom(
        CustomEndpoint(
            "ollama", "http://localhost:11434/v1", {"nomic-embed-text": "nomic-embed-text"}
        )
    )
    settings.set_enabled("replicate", False)
    images = PolicyPicker(Task.TEXT_TO_IMAGE)
    images.refresh(settings)
    assert [images.itemText(i) for i in range(3)] == ["Auto — your order", "Fastest", "Cheapest"]
    assert set(images.providers()) == {
        "fal-ai",
        "hf-inference",
        "nebius",
        "nscale",
        "together",
        "wavespeed",
        "zai-org",
    }
    assert images.findText("Only fal") >= 0
    embeddings = PolicyPicker(Task.EMBEDDINGS)
    embeddings.refresh(settings)
    assert "ollama" in embeddings.providers()
    assert embeddings.itemText(embeddings.findData("ollama")) == "ollama (your server)"
    assert "ollama" not in task_providers(settings, Task.TEXT_TO_VIDEO)
    assert task_providers(settings, Task.TEXT_TO_VIDEO) == [
        p
        for p in settings.ordered_providers()
        if p in {"fal-ai", "novita", "together", "wavespeed"}
    ]
    assert images.set_policy("together") and images.current_policy() == "together"
    assert not images.set_policy("replicate") and images.current_policy() == "auto"
    images.deleteLater()
    embeddings.deleteLater()


# --- thumbnails -----------------------------------------------------------------------------


def test_thumbnails_decode_off_the_loop_and_mark_broken_files(
    loop: qasync.QEventLoop, services: Services, tmp_path: Path
) -> None:
    good = tmp_path / "wide.png"
    Image.new("RGB", (400, 200), "orange").save(good)
    broken = tmp_path / "broken.png"
    broken.write_bytes(good.read_bytes()[:60])
    scope = TaskScope("thumbs")
    cache = ThumbnailCache(services.run_blocking, scope, size=64)
    ready: list[str] = []
    cache.ready.connect(ready.append)

    async def ask() -> None:
        assert cache.get(str(good)) is None
        assert cache.get(str(broken)) is None

    drive(loop, ask())
    wait_until(loop, lambda: len(ready) == 2)
    pixmap = cache.get(str(good))
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (64, 32)
    assert cache.failed(str(broken)) and cache.get(str(broken)) is None
    drive(loop, scope.aclose())


@pytest.mark.usefixtures("qtbot")
def test_video_card_bar_moves_until_a_percentage_is_reported() -> None:
    from desktop.ui.video.jobs_panel import JobCard

    card = JobCard("a fox")
    card.update_progress(JobProgress("queued", queue_position=3, elapsed_s=4.0))
    assert (card.bar.minimum(), card.bar.maximum()) == (0, 0)  # indeterminate, never full
    assert "position 3" in card.status_line()
    card.update_progress(JobProgress("running", elapsed_s=9.0, percent=40.0))
    assert (card.bar.maximum(), card.bar.value()) == (100, 40)
    card.update_progress(JobProgress("running", elapsed_s=12.0))
    assert card.bar.maximum() == 0
    card.deleteLater()


def test_a_cancelled_video_has_no_play_symbol(qapp: QApplication) -> None:
    """The library and history show ✕, not ▶, for a video that was never made."""
    from desktop.ui.widgets.generation_list import GenerationListModel

    model = GenerationListModel(qapp.palette())
    done = _gen(Task.TEXT_TO_VIDEO.value, id=1, status="complete", files=[{"path": "/v/fox.mp4"}])
    cancelled = _gen(Task.TEXT_TO_VIDEO.value, id=2, status="cancelled", files=[])
    model.set_generations([done, cancelled])

    def pixels(row: int) -> bytes:
        icon = model.data(model.index(row), Qt.ItemDataRole.DecorationRole)
        image = icon.pixmap(44, 44).toImage()
        return bytes(image.constBits())

    assert pixels(0) != pixels(1)


@pytest.mark.usefixtures("qtbot")
def test_routing_badge_says_when_the_first_choice_was_skipped(loop: qasync.QEventLoop) -> None:
    trace = Trace(model=FLUX_SCHNELL, policy="auto", task="text-to-image")
    trace.first_choice = "together"
    trace.attempts = [attempt("fal-ai", Outcome.OK, status_code=200, duration_ms=900.0)]
    trace.candidates = [
        CandidateNote(
            "together",
            "router",
            "x",
            "resting for 25 s after it said \u2018too many requests\u2019",
        ),
        CandidateNote("fal-ai", "router", "y"),
        CandidateNote("replicate", "router", "z", "not needed (fal answered)"),
    ]
    badge = RoutingBadge()
    badge.set_trace(trace, duration_ms=900)
    badge.show()
    assert badge.failover.text() == (
        "Together AI, your first choice, was skipped: resting for 25 s after it said "
        "\u2018too many requests\u2019."
    )
    badge.details_button.click()
    assert badge.skipped.text().endswith(
        "Not tried: Together AI: resting for 25 s after it said \u2018too many requests\u2019; "
        "Replicate: not needed (fal answered)."
    )
    trace.first_choice = "fal-ai"  # the first choice answered: nothing to say
    badge.set_trace(trace, duration_ms=900)
    assert badge.failover.text() == ""
    badge.deleteLater()


def test_details_name_the_model_the_provider_says_answered() -> None:
    from desktop.ui.widgets.routing_words import routing_notes

    trace = Trace(model="m", policy="auto")
    trace.attempts = [
        attempt("groq", Outcome.OK, provider_model="llama-3.1-8b-instant"),
    ]
    trace.attempts[0].provider_model_reported = "llama-3.1-8b-instant-2025-06"
    assert routing_notes(trace) == [
        "Groq says the model that answered was llama-3.1-8b-instant-2025-06 "
        "(asked for llama-3.1-8b-instant)."
    ]
    trace.attempts[0].provider_model_reported = "llama-3.1-8b-instant"
    assert routing_notes(trace) == ["Groq says the model that answered was llama-3.1-8b-instant."]
