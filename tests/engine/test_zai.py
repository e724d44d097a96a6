"""Z.ai against the emulator: pictures through its asynchronous API (routed and with its own
key), polled on our own base and never submitted twice, failover when a job fails, stalls or is
refused, the headers Z.ai asks for, and its chat."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from desktop.core.chat_types import ChatMessage, ChatRequest
from desktop.core.media_types import ImageRequest, MediaResult
from desktop.core.table import PROVIDERS, Task
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.providers import zai_images
from desktop.providers.job_wire import FAILED, RUNNING, SUCCEEDED
from desktop.services import Services
from tests.emulator import HF_TOKEN, Emulator, direct_key
from tests.fast_polls import FAST_POLL

GLM_IMAGE = "zai-org/GLM-Image"
ZAI_HEADERS = {"accept-language": "en-US,en", "x-source-channel": "hugging_face"}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        emu.add_model(
            GLM_IMAGE,
            {
                "zai-org": {"providerId": "glm-image", "task": "text-to-image"},
                "fal-ai": {"providerId": "fal-ai/glm-image", "task": "text-to-image"},
            },
            pipeline_tag="text-to-image",
        )
        yield emu


async def make(services: Services, **changes: Any) -> MediaResult:
    services.images.poll = FAST_POLL
    services.settings.set_order(["zai-org", "fal-ai"])
    fields: dict[str, Any] = {
        "model": GLM_IMAGE,
        "prompt": "a paper lantern",
        "width": 96,
        "height": 64,
        "seed": 5,
    } | changes
    return await services.images.generate(ImageRequest(**fields))


def calls(emulator: Emulator, method: str) -> list[Any]:
    return [r for r in emulator.requests_for("zai-org") if r.method == method]


def test_the_table_lists_zai_pictures_and_its_headers() -> None:
    spec = PROVIDERS["zai-org"]
    assert {Task.CHAT, Task.TEXT_TO_IMAGE} <= spec.tasks
    assert dict(spec.extra_headers) == ZAI_HEADERS


def test_size_is_sent_only_with_both_sides() -> None:
    both = zai_images.build_body("glm-image", "a cat", {"width": 64, "height": 32, "seed": None})
    assert both == {"model": "glm-image", "prompt": "a cat", "size": "64x32"}
    one = zai_images.build_body("glm-image", "a cat", {"width": 64, "guidance_scale": 3.0})
    assert one == {"model": "glm-image", "prompt": "a cat", "guidance_scale": 3.0}


def test_answers_read_as_job_states() -> None:
    done = {"id": "1", "task_status": "SUCCESS", "image_result": [{"url": "https://x/a.png"}]}
    assert zai_images.parse_state(done).media_url == "https://x/a.png"
    assert zai_images.parse_state({"task_status": "FAIL"}).status == FAILED
    assert zai_images.parse_state({"task_status": "PROCESSING"}).status == RUNNING
    ticket = zai_images.parse_submit("https://b/zai/submit", "https://b/zai", done)
    assert ticket.status == SUCCEEDED and ticket.media_url == "https://x/a.png"
    assert ticket.status_url == "https://b/zai/api/paas/v4/async-result/1"


async def test_a_picture_through_the_router_is_polled_on_the_router(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    result = await make(services)
    assert result.status == Status.COMPLETE, result.error
    assert result.provider == "zai-org"
    (file,) = result.files
    assert (file.width, file.height) == (96, 64)
    (submit,) = calls(emulator, "POST")
    assert submit.path == "/router/zai-org/api/paas/v4/async/images/generations"
    assert submit.json == {
        "model": "glm-image",
        "prompt": "a paper lantern",
        "size": "96x64",
        "seed": 5,
    }
    polls = calls(emulator, "GET")
    (job,) = emulator.jobs.jobs("zai-org")
    assert polls and all(
        r.path == f"/router/zai-org/api/paas/v4/async-result/{job.id}" for r in polls
    )
    for request in [submit, *polls]:
        assert request.authorization == f"Bearer {HF_TOKEN}"
        assert {k: request.headers.get(k) for k in ZAI_HEADERS} == ZAI_HEADERS
    assert all(r.authorization is None for r in emulator.requests_for("media"))
    assert emulator.jobs.submissions("zai-org") == 1


async def test_a_picture_direct_with_the_zai_key(open_services, emulator: Emulator) -> None:
    services = await open_services(hf=False, extra_env={"ZAI_ORG_API_KEY": direct_key("zai-org")})
    result = await make(services)
    assert result.status == Status.COMPLETE, result.error
    assert result.trace.billed_to == "zai-org"
    everything = emulator.requests_for("zai-org")
    assert everything and all(not r.routed for r in everything)
    assert everything[0].path == "/direct/zai-org/api/paas/v4/async/images/generations"
    assert all(r.authorization == f"Bearer {direct_key('zai-org')}" for r in everything)


async def test_a_failed_job_fails_over_to_fal(open_services, emulator: Emulator) -> None:
    services = await open_services()
    emulator.jobs.next_plan("zai-org", queue_polls=0, running_polls=1, outcome="fail")
    result = await make(services)
    assert result.status == Status.COMPLETE, result.error
    assert [(a.provider, a.outcome) for a in result.trace.attempts] == [
        ("zai-org", Outcome.SERVER_ERROR),
        ("fal-ai", Outcome.OK),
    ]
    assert emulator.jobs.submissions("zai-org") == 1


async def test_a_refused_submission_fails_over(open_services, emulator: Emulator) -> None:
    services = await open_services()
    emulator.fault("zai-org", "status", status=503, times=1)
    result = await make(services)
    assert result.status == Status.COMPLETE, result.error
    assert [a.provider for a in result.trace.attempts] == ["zai-org", "fal-ai"]
    assert emulator.jobs.submissions("zai-org") == 0


async def test_a_job_still_running_after_sixty_looks_is_given_up(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.jobs.plan("zai-org", outcome="hold")
    result = await make(services)
    assert result.status == Status.COMPLETE, result.error
    first = result.trace.attempts[0]
    assert (first.provider, first.outcome) == ("zai-org", Outcome.TIMEOUT)
    assert len(calls(emulator, "GET")) == zai_images.MAX_POLLS
    assert emulator.jobs.submissions("zai-org") == 1


async def test_zai_chat_carries_its_headers(open_services, emulator: Emulator) -> None:
    emulator.add_model(
        "zai-org/GLM-4.5",
        {"zai-org": {"providerId": "glm-4.5"}},
        pipeline_tag="text-generation",
    )
    services = await open_services()
    request = ChatRequest(
        model="zai-org/GLM-4.5", messages=[ChatMessage("user", "Hi")], provider="zai-org"
    )
    result = await services.engine.chat(request)
    assert result.status == Status.COMPLETE, result.error
    (req,) = emulator.requests_for("zai-org")
    assert req.path == "/router/zai-org/api/paas/v4/chat/completions"
    assert {k: req.headers.get(k) for k in ZAI_HEADERS} == ZAI_HEADERS
