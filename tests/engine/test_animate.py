"""Animating a picture (image-to-video) against the emulator: fal's queue and Together's
``/v2/videos`` in their real shapes, failover, cancel at the provider, resume after a restart
without resubmitting, styles on fal only, and bad start pictures refused before sending."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from PIL import Image

from desktop.core.media_types import LoraChoice, VideoRequest
from desktop.core.vocab import Status
from desktop.services import Services
from tests.emulator import Emulator
from tests.emulator.image_edit import STYLE_KONTEXT, STYLE_WAN, STYLE_WAN_T2V, WAN_I2V
from tests.emulator.jobs import WAN_T2V
from tests.emulator.record import RecordedRequest
from tests.engine.test_video import FAST_POLL

VideoServices = Callable[..., Awaitable[Services]]
ANIMATE = "the flag waves in the wind"


@pytest.fixture
def video_services(open_services: Callable[..., Awaitable[Services]]) -> VideoServices:
    async def factory(**kwargs: object) -> Services:
        services = await open_services(**kwargs)
        services.video.timing = FAST_POLL
        return services

    return factory


@pytest.fixture
def still(tmp_path: Path) -> Path:
    path = tmp_path / "flag.jpg"
    Image.new("RGB", (64, 40), (20, 90, 200)).save(path, "JPEG")
    return path


def animate(still: Path, provider: str = "auto", **changes: object) -> VideoRequest:
    request = VideoRequest(
        model=WAN_I2V, prompt=ANIMATE, seed=4, provider=provider, source_path=str(still)
    )
    for name, value in changes.items():
        setattr(request, name, value)
    return request


def posts(emulator: Emulator, provider: str) -> list[RecordedRequest]:
    return [
        r
        for r in emulator.requests_for(provider)
        if r.method == "POST" and not r.path.endswith("/cancel")
    ]


def same_bytes(a: Path | str, b: Path | str) -> bool:
    return Path(a).read_bytes() == Path(b).read_bytes()


def jpeg_url(path: Path) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode()


async def test_fal_gets_the_picture_as_image_url_on_its_queue(
    video_services: VideoServices, emulator: Emulator, still: Path
) -> None:
    services = await video_services()
    result = await services.video.generate(animate(still, "fal-ai", num_frames=33))
    assert result.status == Status.COMPLETE, result.error
    assert result.task == "image-to-video"
    (submit,) = posts(emulator, "fal-ai")
    assert submit.path == "/router/fal-ai/fal-ai/wan-i2v" and submit.query == {
        "_subdomain": "queue"
    }
    assert submit.json == {
        "image_url": jpeg_url(still),
        "prompt": ANIMATE,
        "num_frames": 33,
        "seed": 4,
    }
    gen = await services.db.run(services.history.get_generation, result.record_id or 0)
    assert gen is not None and gen.task == "image-to-video" and gen.status == "complete"
    assert same_bytes(gen.params["source_file"], still)


async def test_together_gets_the_picture_as_the_first_frame(
    video_services: VideoServices, emulator: Emulator, still: Path
) -> None:
    services = await video_services()
    result = await services.video.generate(animate(still, "together", steps=20))
    assert result.status == Status.COMPLETE, result.error
    (submit,) = posts(emulator, "together")
    assert submit.path == "/router/together/v2/videos"
    assert submit.json == {
        "model": "Wan-AI/Wan2.1-I2V-14B-720P",
        "frame_images": [{"input_image": jpeg_url(still), "frame": "first"}],
        "prompt": ANIMATE,
        "steps": 20,
        "seed": 4,
    }


async def test_a_failed_job_fails_over_to_the_next_provider_once(
    video_services: VideoServices, emulator: Emulator, still: Path
) -> None:
    services = await video_services()
    services.settings.provider_order = ["fal-ai", "together"] + [
        p for p in services.settings.provider_order if p not in ("fal-ai", "together")
    ]
    emulator.jobs.next_plan("fal-ai", queue_polls=0, running_polls=0, outcome="fail")
    result = await services.video.generate(animate(still))
    assert result.status == Status.COMPLETE, result.error
    assert emulator.jobs.submissions("fal-ai") == 1
    assert emulator.jobs.submissions("together") == 1
    assert result.provider == "together"


async def test_cancel_reaches_fal_and_a_restart_resumes_without_resubmitting(
    video_services: VideoServices, emulator: Emulator, still: Path
) -> None:
    first = await video_services(subdir="app")
    emulator.jobs.plan("fal-ai", outcome="hold")
    task = asyncio.create_task(first.video.generate(animate(still, "fal-ai")))
    await asyncio.to_thread(emulator.jobs.wait_for_polls, 1, provider="fal-ai")
    await first.aclose()
    assert task.cancelled()
    second = await video_services(subdir="app")
    (pending,) = await second.db.run(second.video.pending)
    assert pending.task == "image-to-video"
    (job,) = emulator.jobs.jobs("fal-ai")
    emulator.jobs.release(job.id)
    (result,) = await second.video.resume_pending()
    assert result.status == Status.COMPLETE, result.error
    assert result.task == "image-to-video"
    assert emulator.jobs.submissions() == 1

    emulator.jobs.plan("fal-ai", outcome="hold")
    task = asyncio.create_task(second.video.generate(animate(still, "fal-ai")))
    beyond_first = max(j.polls for j in emulator.jobs.jobs("fal-ai")) + 1
    await asyncio.to_thread(emulator.jobs.wait_for_polls, beyond_first, provider="fal-ai")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    cancelled = [j for j in emulator.jobs.jobs("fal-ai") if j.cancel_calls]
    assert len(cancelled) == 1 and cancelled[0].cancelled


async def test_styles_go_to_fal_and_other_providers_are_passed_over(
    video_services: VideoServices, emulator: Emulator, still: Path
) -> None:
    services = await video_services()
    services.settings.provider_order = ["together", "fal-ai"] + [
        p for p in services.settings.provider_order if p not in ("fal-ai", "together")
    ]
    result = await services.video.generate(animate(still, loras=[LoraChoice(STYLE_WAN, 0.9)]))
    assert result.status == Status.COMPLETE, result.error
    assert posts(emulator, "together") == []
    assert "styles" in (result.trace.attempts[0].message or "")
    (submit,) = posts(emulator, "fal-ai")
    assert submit.json["loras"] == [
        {
            "path": f"https://huggingface.co/{STYLE_WAN}/resolve/main/paper_cut.safetensors",
            "scale": 0.9,
        }
    ]


async def test_a_style_of_another_model_is_refused_before_anything_is_sent(
    video_services: VideoServices, emulator: Emulator, still: Path
) -> None:
    services = await video_services()
    result = await services.video.generate(animate(still, loras=[LoraChoice(STYLE_KONTEXT)]))
    assert result.status == Status.FAILED
    assert result.error == (
        f"{STYLE_KONTEXT} is not a style (LoRA adapter) for {WAN_I2V}; pick one made for it."
    )
    assert emulator.jobs.submissions() == 0


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"GIF89a-not-really", "not a picture"), (b"", "is empty")],
)
async def test_a_bad_start_picture_is_refused_before_anything_is_sent(
    video_services: VideoServices, emulator: Emulator, tmp_path: Path, content: bytes, words: str
) -> None:
    services = await video_services()
    path = tmp_path / "broken.png"
    path.write_bytes(content)
    result = await services.video.generate(animate(path))
    assert result.status == Status.FAILED and words in (result.error or "")
    assert emulator.jobs.submissions() == 0
    assert await services.db.run(services.video.pending) == []


async def test_a_video_from_a_description_takes_styles_on_fal_only(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    services.settings.provider_order = ["replicate", "fal-ai"] + [
        p for p in services.settings.provider_order if p not in ("fal-ai", "replicate")
    ]
    request = VideoRequest(
        model=WAN_T2V, prompt="a claymation fox", loras=[LoraChoice(STYLE_WAN_T2V, 1.2)]
    )
    result = await services.video.generate(request)
    assert result.status == Status.COMPLETE, result.error
    assert result.task == "text-to-video"
    assert posts(emulator, "replicate") == []
    (submit,) = posts(emulator, "fal-ai")
    assert submit.path == "/router/fal-ai/fal-ai/wan-t2v"
    assert submit.json == {
        "prompt": "a claymation fox",
        "loras": [
            {
                "path": f"https://huggingface.co/{STYLE_WAN_T2V}/resolve/main/lora/clay.safetensors",
                "scale": 1.2,
            }
        ],
    }
