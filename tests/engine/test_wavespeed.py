"""WaveSpeed against the emulator: pictures and videos, from a description or a start picture,
with styles, in its real wire shape (``data.urls.get`` kept on our own base), failover, and the
video job safety (resume without resubmitting).

The WaveSpeed provider entry comes from the provider table; until it lists the tasks wired
here (the lead adds them at merge), this module gives it those tasks for its own tests.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desktop.core.media_types import ImageRequest, LoraChoice, VideoRequest
from desktop.core.table import PROVIDERS, ProviderSpec, Task
from desktop.core.vocab import Status
from desktop.services import Services
from tests.emulator import HF_TOKEN, Emulator, direct_key
from tests.emulator.image_edit import KONTEXT
from tests.emulator.media import mp4_bytes
from tests.engine.test_video import FAST_POLL as FAST_JOBS
from tests.fast_polls import FAST_POLL

WIRED = frozenset(
    {Task.TEXT_TO_IMAGE, Task.TEXT_TO_VIDEO, Task.IMAGE_TO_IMAGE, Task.IMAGE_TO_VIDEO}
)
WAN_WS = "Wan-AI/Wan2.1-I2V-14B-480P"


def wavespeed_spec() -> ProviderSpec:
    spec = PROVIDERS.get("wavespeed")
    if spec is None:
        return ProviderSpec(
            "wavespeed",
            "WaveSpeed",
            "https://api.wavespeed.ai",
            True,
            None,
            ("WAVESPEED_API_KEY",),
            tasks=WIRED,
        )
    return spec._replace(tasks=spec.tasks | WIRED)


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    monkeypatch.setitem(PROVIDERS, "wavespeed", wavespeed_spec())
    with Emulator() as emu:
        emu.add_model(
            "ws/flux-schnell",
            {"wavespeed": {"providerId": "wavespeed-ai/flux-schnell", "task": "text-to-image"}},
        )
        emu.add_model(
            KONTEXT + "-ws",
            {
                "wavespeed": {
                    "providerId": "wavespeed-ai/flux-kontext-dev",
                    "task": "image-to-image",
                },
                "fal-ai": {"providerId": "fal-ai/flux-kontext/dev", "task": "image-to-image"},
            },
        )
        emu.add_model(
            WAN_WS,
            {
                "wavespeed": {
                    "providerId": "wavespeed-ai/wan-2.1/i2v-480p",
                    "task": "image-to-video",
                }
            },
        )
        yield emu


@pytest.fixture
def start_picture(tmp_path: Path) -> Path:
    path = tmp_path / "start.png"
    Image.new("RGB", (64, 40), (90, 20, 120)).save(path, "PNG")
    return path


def file_bytes(path: str | Path) -> bytes:
    return Path(path).read_bytes()


def data_url(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def calls(emulator: Emulator, method: str) -> list[Any]:
    return [r for r in emulator.requests_for("wavespeed") if r.method == method]


async def open_fast(open_services: Any, **kwargs: Any) -> Services:
    services: Services = await open_services(**kwargs)
    services.images.poll = FAST_POLL
    services.video.timing = FAST_JOBS
    services.settings.set_order(["wavespeed"])
    return services


async def test_a_picture_from_a_description_is_polled_on_the_router(
    open_services, emulator: Emulator
) -> None:
    services = await open_fast(open_services)
    result = await services.images.generate(
        ImageRequest(model="ws/flux-schnell", prompt="a kite", width=64, height=64, seed=3)
    )
    assert result.status == Status.COMPLETE, result.error
    (submit,) = calls(emulator, "POST")
    assert submit.path == "/router/wavespeed/api/v3/wavespeed-ai/flux-schnell"
    assert submit.json == {"prompt": "a kite", "width": 64, "height": 64, "seed": 3}
    polls = calls(emulator, "GET")
    assert polls and all(r.routed for r in polls)  # never WaveSpeed's own host
    assert all(r.authorization == f"Bearer {HF_TOKEN}" for r in polls)
    assert all(r.authorization is None for r in emulator.requests_for("media"))


async def test_a_change_of_a_picture_sends_image_first_and_prompt_last_with_styles(
    open_services, emulator: Emulator, start_picture: Path
) -> None:
    emulator.add_model(
        "owner/kontext-ws-style",
        {},
        pipeline_tag="text-to-image",
        tags=["lora", f"base_model:adapter:{KONTEXT}-ws"],
        meta={"siblings": [{"rfilename": "style.safetensors"}]},
    )
    services = await open_fast(open_services)
    request = ImageRequest(
        model=KONTEXT + "-ws",
        prompt="make it dusk",
        seed=2,
        source_path=str(start_picture),
        loras=[LoraChoice("owner/kontext-ws-style", 0.7)],
    )
    result = await services.images.generate(request)
    assert result.status == Status.COMPLETE, result.error
    (submit,) = calls(emulator, "POST")
    assert list(submit.json) == ["image", "seed", "loras", "prompt"]
    assert submit.json["image"] == data_url(start_picture)
    assert submit.json["loras"] == [{"path": "owner/kontext-ws-style", "scale": 0.7}]


async def test_a_failed_prediction_fails_over_to_the_next_provider(
    open_services, emulator: Emulator, start_picture: Path
) -> None:
    services = await open_fast(open_services)
    services.settings.set_order(["wavespeed", "fal-ai"])
    emulator.jobs.next_plan("wavespeed", queue_polls=0, running_polls=0, outcome="fail")
    request = ImageRequest(
        model=KONTEXT + "-ws", prompt="make it dusk", source_path=str(start_picture)
    )
    result = await services.images.generate(request)
    assert result.status == Status.COMPLETE, result.error
    assert [a.provider for a in result.trace.attempts] == ["wavespeed", "fal-ai"]
    assert emulator.jobs.submissions("wavespeed") == 1


async def test_an_animation_is_a_job_that_resumes_without_resubmitting(
    open_services, emulator: Emulator, start_picture: Path
) -> None:
    first = await open_fast(open_services, subdir="app")
    emulator.jobs.plan("wavespeed", outcome="hold")
    request = VideoRequest(
        model=WAN_WS, prompt="it breathes", source_path=str(start_picture), num_frames=33
    )
    task = asyncio.create_task(first.video.generate(request))
    await asyncio.to_thread(emulator.jobs.wait_for_polls, 1, provider="wavespeed")
    await first.aclose()
    assert task.cancelled()
    (submit,) = calls(emulator, "POST")
    assert submit.json["image"] == data_url(start_picture)
    assert submit.json["num_frames"] == 33 and list(submit.json)[-1] == "prompt"

    second = await open_fast(open_services, subdir="app")
    (job,) = emulator.jobs.jobs("wavespeed")
    emulator.jobs.release(job.id)
    (result,) = await second.video.resume_pending()
    assert result.status == Status.COMPLETE, result.error
    assert result.task == "image-to-video"
    assert emulator.jobs.submissions() == 1
    assert file_bytes(result.files[0].path) == mp4_bytes()


async def test_direct_calls_use_the_wavespeed_key_on_its_own_host(
    open_services, emulator: Emulator
) -> None:
    services = await open_fast(
        open_services, hf=False, extra_env={"WAVESPEED_API_KEY": direct_key("wavespeed")}
    )
    result = await services.images.generate(
        ImageRequest(model="ws/flux-schnell", prompt="a kite", seed=1)
    )
    assert result.status == Status.COMPLETE, result.error
    everything = emulator.requests_for("wavespeed")
    assert everything and all(not r.routed for r in everything)
    assert all(r.authorization == f"Bearer {direct_key('wavespeed')}" for r in everything)
