"""Text-to-video over real HTTP against the emulator: every job protocol, failover, cancel,
deadlines, downloads and the restart that resumes a job instead of submitting it again.

Jobs in the emulator advance per status poll, not per second, and the service polls every few
milliseconds here, so nothing waits on the clock: tests synchronise on the emulator's record
(``wait_for_polls``) and assert on what was sent, never on how long it took.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from desktop.core.media_types import JobProgress, VideoRequest
from desktop.core.table import provider_label
from desktop.core.vocab import JobStatus, Status
from desktop.services import Services
from tests.emulator import HF_TOKEN, Emulator, direct_key
from tests.emulator.jobs import HUNYUAN_VIDEO, WAN_T2V
from tests.emulator.media import mp4_bytes
from tests.emulator.record import RecordedRequest
from tests.fast_polls import FAST_VIDEO_POLL as FAST_POLL

BEARER_HF = f"Bearer {HF_TOKEN}"
RETRY_AFTER_MS = 300
"""A provider's Retry-After, 150 times the test's polling interval."""

VideoServices = Callable[..., Awaitable[Services]]


@pytest.fixture
def video_services(open_services: Callable[..., Awaitable[Services]]) -> VideoServices:
    """Services against the emulator, polling every couple of milliseconds."""

    async def factory(**kwargs: object) -> Services:
        services = await open_services(**kwargs)
        services.video.timing = FAST_POLL
        return services

    return factory


def request(provider: str = "fal-ai", model: str = WAN_T2V, **changes: object) -> VideoRequest:
    base = VideoRequest(
        model=model,
        prompt="a red fox running through fresh snow",
        negative_prompt="blurry",
        num_frames=81,
        steps=30,
        guidance=5.0,
        seed=7,
        provider=provider,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def posts(emulator: Emulator, provider: str) -> list[RecordedRequest]:
    """Job submissions to ``provider`` (everything else a job does is GET/PUT, or a cancel)."""
    return [
        r
        for r in emulator.requests_for(provider)
        if r.method == "POST" and not r.path.endswith("/cancel")
    ]


def assert_media_anonymous(emulator: Emulator) -> None:
    downloads = emulator.requests_for("media")
    assert downloads, "the video was never downloaded"
    for download in downloads:
        assert "authorization" not in download.headers
        assert "cookie" not in download.headers


def statuses(events: list[JobProgress]) -> list[str]:
    out: list[str] = []
    for event in events:
        if not out or out[-1] != event.status:
            out.append(event.status)
    return out


def assert_delivered(services: Services, result_status: str, path: str) -> None:
    assert result_status == Status.COMPLETE
    data = Path(path).read_bytes()
    assert data == mp4_bytes()
    assert data[4:8] == b"ftyp"


# --- every provider's flow -------------------------------------------------------------------


async def test_fal_queue_routed_flow_shapes_progress_and_library(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    emulator.jobs.plan("fal-ai", queue_polls=3, running_polls=2)
    events: list[JobProgress] = []
    result = await services.video.generate(request(), on_progress=events.append)
    assert result.status == Status.COMPLETE, result.error
    assert_delivered(services, result.status, result.files[0].path)

    (submit,) = posts(emulator, "fal-ai")
    assert submit.path == "/router/fal-ai/fal-ai/wan-t2v"
    assert submit.query == {"_subdomain": "queue"}
    assert submit.authorization == BEARER_HF
    assert submit.json == {
        "prompt": "a red fox running through fresh snow",
        "negative_prompt": "blurry",
        "num_frames": 81,
        "num_inference_steps": 30,
        "guidance_scale": 5.0,
        "seed": 7,
    }
    (job,) = emulator.jobs.jobs("fal-ai")
    root = f"/router/fal-ai/fal-ai/wan-t2v/requests/{job.id}"
    looks = [r for r in emulator.requests_for("fal-ai") if r.method == "GET"]
    assert {r.path for r in looks} == {root + "/status", root}
    assert all(r.query == {"_subdomain": "queue"} and r.authorization == BEARER_HF for r in looks)
    assert_media_anonymous(emulator)

    assert statuses(events) == ["submitting", "queued", "running", "downloading", "done"]
    assert [e.queue_position for e in events if e.status == "queued"] == [3, 2, 1, 0]
    assert all(e.provider == "fal-ai" and e.job_id == result.job_id for e in events[1:])

    assert result.provider == "fal-ai" and result.provider_model == "fal-ai/wan-t2v"
    assert result.files[0].mime == "video/mp4" and result.files[0].seed == 7
    assert result.trace.summary() == "fal ✓"
    stored = services.jobs.get(result.job_id or "")
    assert stored is not None and stored.status == JobStatus.DONE
    assert stored.result_path == result.files[0].path and stored.provider_job_id == job.id
    assert stored.credential == "huggingface"
    generation = services.history.get_generation(result.record_id or 0)
    assert generation is not None and generation.status == "complete"
    assert generation.task == "text-to-video" and generation.prompt == request().prompt
    assert generation.files[0]["path"] == result.files[0].path
    assert services.video.pending() == []


async def test_fal_direct_uses_key_and_builds_urls_from_response_url(
    video_services: VideoServices, emulator: Emulator
) -> None:
    # The providerId is longer than fal's app id: URLs built from it would 404 (pitfall #19).
    services = await video_services(hf=False, extra_env={"FAL_KEY": direct_key("fal-ai")})
    result = await services.video.generate(request(model=HUNYUAN_VIDEO))
    assert result.status == Status.COMPLETE, result.error
    (submit,) = posts(emulator, "fal-ai")
    assert submit.path == "/direct/fal-ai/fal-ai/hunyuan-video/v1.5/text-to-video"
    assert submit.query == {}
    assert submit.authorization == f"Key {direct_key('fal-ai')}"
    (job,) = emulator.jobs.jobs("fal-ai")
    looks = [r for r in emulator.requests_for("fal-ai") if r.method == "GET"]
    assert looks and all(
        r.path.startswith(f"/direct/fal-ai/fal-ai/hunyuan-video/requests/{job.id}")
        and r.status == 200
        and r.authorization == f"Key {direct_key('fal-ai')}"
        for r in looks
    )
    assert_media_anonymous(emulator)


async def test_novita_task_api(video_services: VideoServices, emulator: Emulator) -> None:
    services = await video_services()
    events: list[JobProgress] = []
    result = await services.video.generate(request("novita"), on_progress=events.append)
    assert result.status == Status.COMPLETE, result.error
    (submit,) = posts(emulator, "novita")
    assert submit.path == "/router/novita/v3/async/wan-t2v"
    assert submit.authorization == BEARER_HF
    assert submit.json == {
        "negative_prompt": "blurry",
        "num_frames": 81,
        "guidance_scale": 5.0,
        "seed": 7,
        "steps": 30,
        "prompt": "a red fox running through fresh snow",
    }
    assert list(submit.json)[-1] == "prompt"  # the JS client puts it last
    (job,) = emulator.jobs.jobs("novita")
    looks = [r for r in emulator.requests_for("novita") if r.method == "GET"]
    assert looks and all(
        r.path == "/router/novita/v3/async/task-result" and r.query == {"task_id": job.id}
        for r in looks
    )
    assert statuses(events) == ["submitting", "queued", "running", "downloading", "done"]
    assert_media_anonymous(emulator)


async def test_together_videos_with_missing_status_as_pending(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    emulator.jobs.plan("together", no_status=True)
    result = await services.video.generate(request("together"))
    assert result.status == Status.COMPLETE, result.error
    (submit,) = posts(emulator, "together")
    assert submit.path == "/router/together/v2/videos"
    assert submit.json == {
        "prompt": "a red fox running through fresh snow",
        "model": "Wan-AI/Wan2.1-T2V-14B",
        "negative_prompt": "blurry",
        "num_frames": 81,
        "guidance_scale": 5.0,
        "seed": 7,
        "steps": 30,
    }
    (job,) = emulator.jobs.jobs("together")
    looks = [r for r in emulator.requests_for("together") if r.method == "GET"]
    assert len(looks) == job.polls >= 4
    assert all(r.path == f"/router/together/v2/videos/job-{job.id}" for r in looks)
    assert_media_anonymous(emulator)


async def test_replicate_prediction_polled_on_the_submitting_base(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    emulator.fault("replicate", "job_pending", polls=2, times=1)
    result = await services.video.generate(request("replicate"))
    assert result.status == Status.COMPLETE, result.error
    (submit,) = posts(emulator, "replicate")
    assert submit.path == "/router/replicate/v1/models/wavespeedai/wan-2.1-t2v-480p/predictions"
    assert submit.headers["prefer"] == "wait=1"  # short: the job id must be stored quickly
    assert submit.json == {
        "input": {
            "prompt": "a red fox running through fresh snow",
            "negative_prompt": "blurry",
            "num_frames": 81,
            "num_inference_steps": 30,
            "guidance_scale": 5.0,
            "seed": 7,
        }
    }
    looks = [r for r in emulator.requests_for("replicate") if r.method == "GET"]
    assert len(looks) == 2
    assert all(
        r.path.startswith("/router/replicate/v1/predictions/") and r.authorization == BEARER_HF
        for r in looks
    )
    assert_media_anonymous(emulator)


async def test_replicate_finished_within_the_short_wait_is_not_polled(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    result = await services.video.generate(request("replicate"))
    assert result.status == Status.COMPLETE, result.error
    assert [r.method for r in emulator.requests_for("replicate")] == ["POST"]


# --- cancel ----------------------------------------------------------------------------------


async def test_cancel_by_job_id_reaches_fal_cancel(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    emulator.jobs.plan("fal-ai", outcome="hold")
    events: list[JobProgress] = []
    task = asyncio.create_task(services.video.generate(request(), on_progress=events.append))
    job = await asyncio.to_thread(emulator.jobs.wait_for_polls, 1, provider="fal-ai")
    (pending,) = services.video.pending()
    outcome = await services.video.cancel(pending.id)
    assert outcome.at_provider is True and outcome.message == "Cancelled at fal."
    result = await task
    assert result.status == Status.CANCELLED and result.job_id == pending.id
    (cancel,) = [r for r in emulator.requests_for("fal-ai") if r.method == "PUT"]
    assert cancel.path == f"/router/fal-ai/fal-ai/wan-t2v/requests/{job.id}/cancel"
    assert cancel.query == {"_subdomain": "queue"} and cancel.status == 202
    assert emulator.jobs.jobs("fal-ai")[0].cancelled
    stored = services.jobs.get(pending.id)
    assert stored is not None and stored.status == JobStatus.CANCELLED
    generation = services.history.get_generation(result.record_id or 0)
    assert generation is not None and generation.status == "cancelled"
    assert events[-1].status == "cancelled"


async def test_cancelling_the_task_cancels_at_the_provider_and_records_it(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    emulator.jobs.plan("fal-ai", outcome="hold")
    task = asyncio.create_task(services.video.generate(request()))
    await asyncio.to_thread(emulator.jobs.wait_for_polls, 1, provider="fal-ai")
    (pending,) = services.video.pending()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (job,) = emulator.jobs.jobs("fal-ai")
    assert job.cancel_calls == 1 and job.cancelled
    stored = services.jobs.get(pending.id)
    assert stored is not None and stored.status == JobStatus.CANCELLED
    assert stored.error is not None and "Cancelled at fal" in stored.error
    generation = services.history.get_generation(stored.generation_id or 0)
    assert generation is not None and generation.status == "cancelled"


async def test_cancelling_a_replicate_video_posts_urls_cancel(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    emulator.fault("replicate", "job_pending", polls=None, times=1)  # never finishes
    task = asyncio.create_task(services.video.generate(request("replicate")))
    await asyncio.to_thread(emulator.wait_for_requests, 2, "replicate")  # submit + one look
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    cancels = [r for r in emulator.requests_for("replicate") if r.path.endswith("/cancel")]
    assert len(cancels) == 1
    assert cancels[0].path.startswith("/router/replicate/v1/predictions/")
    assert cancels[0].authorization == BEARER_HF and cancels[0].status == 200


async def test_cancel_without_a_provider_endpoint_says_so(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    emulator.jobs.plan("novita", outcome="hold")
    task = asyncio.create_task(services.video.generate(request("novita")))
    await asyncio.to_thread(emulator.jobs.wait_for_polls, 1, provider="novita")
    (pending,) = services.video.pending()
    outcome = await services.video.cancel(pending.id)
    assert outcome.at_provider is None
    assert "Novita AI has no way to cancel a job" in outcome.message
    result = await task
    assert result.status == Status.CANCELLED and result.error == outcome.message


# --- failover and deadlines ------------------------------------------------------------------


async def test_failed_job_fails_over_to_the_next_provider(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    services.settings.set_order(["fal-ai", "novita"])
    emulator.jobs.plan("fal-ai", outcome="fail", error="CUDA error: an illegal memory access")
    events: list[JobProgress] = []
    result = await services.video.generate(request("auto"), on_progress=events.append)
    assert result.status == Status.COMPLETE, result.error
    assert result.provider == "novita"
    assert result.trace.summary() == "fal server error → Novita AI ✓"
    assert len(posts(emulator, "fal-ai")) == 1 and len(posts(emulator, "novita")) == 1
    assert [n.skipped for n in result.trace.candidates if n.provider == "fal-ai"] == [
        "its job failed: CUDA error: an illegal memory access"
    ]
    assert [e.provider for e in events if e.status == "submitting"] == [None, None]
    # One library row for the request, finished by the second provider.
    (generation,) = services.history.list_generations("text-to-video")
    assert generation.id == result.record_id and generation.status == "complete"
    assert generation.provider == "novita"
    failed = [j for j in services.jobs.recent() if j.provider == "fal-ai"]
    assert failed[0].status == JobStatus.FAILED
    assert failed[0].error == "fal could not make the video (CUDA error: an illegal memory access)."


async def test_content_policy_job_failure_is_not_shopped_around(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    services.settings.set_order(["fal-ai", "novita"])
    emulator.jobs.plan(
        "fal-ai", outcome="fail", error="The prompt was flagged by the safety checker."
    )
    result = await services.video.generate(request("auto"))
    assert result.status == Status.FAILED
    assert result.error == (
        "fal could not make the video (The prompt was flagged by the safety checker.)."
    )
    assert result.error_action == "other_provider"
    assert posts(emulator, "novita") == []


async def test_submission_5xx_fails_over_before_any_job_exists(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    services.settings.set_order(["fal-ai", "together"])
    emulator.fault("fal-ai", "status", status=503, times=1)
    result = await services.video.generate(request("auto"))
    assert result.status == Status.COMPLETE, result.error
    assert result.provider == "together"
    assert result.trace.summary() == "fal server error → Together AI ✓"
    assert emulator.jobs.submissions("fal-ai") == 0
    assert emulator.jobs.submissions("together") == 1


async def test_stuck_in_queue_past_the_deadline_fails_without_resubmitting(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    services.video.timing = replace(FAST_POLL, deadline_s=0.05)
    services.settings.set_order(["fal-ai", "novita", "together", "replicate"])
    emulator.jobs.plan("fal-ai", outcome="hold", queue_polls=4)
    events: list[JobProgress] = []
    result = await services.video.generate(request("auto"), on_progress=events.append)
    assert result.status == Status.FAILED
    assert result.error == (
        "fal did not finish the video within 0.05 s (it was still waiting in the queue); "
        "Switchboard cancelled it there and did not submit it again."
    )
    # Exactly one submission anywhere: no resubmission, no failover after acceptance.
    assert emulator.jobs.submissions() == 1
    assert len(posts(emulator, "fal-ai")) == 1 and posts(emulator, "replicate") == []
    (job,) = emulator.jobs.jobs("fal-ai")
    assert job.cancel_calls == 1
    assert {e.queue_position for e in events if e.status == "queued"} == {4}
    stored = services.jobs.get(result.job_id or "")
    assert stored is not None and stored.status == JobStatus.FAILED
    assert result.trace.summary() == "fal timed out"


async def test_transient_status_errors_keep_polling(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    emulator.jobs.poll_fault("fal-ai", 503, times=2)
    result = await services.video.generate(request())
    assert result.status == Status.COMPLETE, result.error
    statuses_seen = [
        r.status for r in emulator.requests_for("fal-ai") if r.path.endswith("/status")
    ]
    assert statuses_seen[:2] == [503, 503] and statuses_seen[-1] == 200
    assert emulator.jobs.submissions() == 1


@pytest.mark.parametrize("provider", ["fal-ai", "novita", "together"])
async def test_a_status_429_waits_its_retry_after_before_the_next_look(
    video_services: VideoServices, emulator: Emulator, provider: str
) -> None:
    services = await video_services()  # polls every 2 ms otherwise
    emulator.jobs.poll_fault(provider, 429, times=1, retry_after_ms=RETRY_AFTER_MS)
    result = await services.video.generate(request(provider))
    assert result.status == Status.COMPLETE, result.error
    looks = [r for r in emulator.requests_for(provider) if r.method == "GET"]
    refused = next(i for i, r in enumerate(looks) if r.status == 429)
    waited = looks[refused + 1].time - looks[refused].time  # arrival times at the provider
    assert waited >= RETRY_AFTER_MS / 1000
    assert emulator.jobs.submissions() == 1


# --- downloads -------------------------------------------------------------------------------


async def test_media_url_404_is_a_clear_error(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    emulator.fault("media", "status", status=404, times=1)
    result = await services.video.generate(request())
    assert result.status == Status.FAILED
    assert result.error == (
        "fal finished the video, but it could not be downloaded "
        "(the video link returned 404 (not found))."
    )
    assert result.error_action == "retry"
    stored = services.jobs.get(result.job_id or "")
    assert stored is not None and stored.status == JobStatus.FAILED
    assert emulator.jobs.submissions() == 1
    assert_media_anonymous(emulator)


async def test_a_page_instead_of_a_video_is_refused(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    emulator.fault("media", "wrong_type", times=1)
    result = await services.video.generate(request("together"))
    assert result.status == Status.FAILED
    assert result.error == (
        "Together AI finished the video, but it could not be downloaded "
        "(the video link returned text/html, not a video)."
    )
    assert services.history.get_generation(result.record_id or 0) is not None


# --- restart ---------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["fal-ai", "novita", "together"])
async def test_quit_mid_poll_then_restart_resumes_without_resubmitting(
    video_services: VideoServices, emulator: Emulator, provider: str
) -> None:
    first = await video_services(subdir="app")
    emulator.jobs.plan(provider, outcome="hold")
    task = asyncio.create_task(first.video.generate(request(provider)))
    await asyncio.to_thread(emulator.jobs.wait_for_polls, 2, provider=provider)
    await first.aclose()  # the app quits: the job keeps running at the provider
    assert task.cancelled()
    (job,) = emulator.jobs.jobs(provider)
    assert job.cancel_calls == 0 and not job.cancelled

    second = await video_services(subdir="app")
    (pending,) = second.video.pending()
    assert pending.provider_job_id.endswith(job.id) and pending.provider == provider
    generation = second.history.get_generation(pending.generation_id or 0)
    assert generation is not None and generation.status == "running"

    emulator.jobs.release(job.id)
    events: list[JobProgress] = []
    (result,) = await second.video.resume_pending(on_progress=events.append)
    assert result.status == Status.COMPLETE, result.error
    assert_delivered(second, result.status, result.files[0].path)
    assert emulator.jobs.submissions() == 1  # never submitted twice
    assert len(posts(emulator, provider)) == 1
    assert result.job_id == pending.id and result.record_id == pending.generation_id
    assert result.trace.summary() == f"{provider_label(provider)} ✓"  # the submission's trace
    finished = second.history.get_generation(pending.generation_id or 0)
    assert finished is not None and finished.status == "complete"
    assert finished.files[0]["path"] == result.files[0].path
    assert second.video.pending() == []
    assert events[-1].status == "done" and events[-1].job_id == pending.id
    assert await second.video.resume_pending() == []


async def test_a_job_resumed_after_a_restart_bills_the_organisation_it_was_submitted_for(
    video_services: VideoServices, emulator: Emulator
) -> None:
    from desktop.engine.billing import billing_to

    first = await video_services(subdir="app")
    emulator.jobs.plan("fal-ai", outcome="hold")
    with billing_to("acme-labs"):  # a tab billed to the organisation started it
        task = asyncio.create_task(first.video.generate(request("fal-ai")))
    await asyncio.to_thread(emulator.jobs.wait_for_polls, 2, provider="fal-ai")
    await first.aclose()
    assert task.cancelled()
    before = len(emulator.requests)

    second = await video_services(subdir="app")  # the global choice is the personal account
    assert second.engine.costs.cost_settings.bill_to == ""
    (pending,) = second.video.pending()
    assert pending.bill_to == "acme-labs"
    (job,) = emulator.jobs.jobs("fal-ai")
    emulator.jobs.release(job.id)
    (result,) = await second.video.resume_pending()
    assert result.status == Status.COMPLETE, result.error
    after = emulator.requests[before:]
    looks = [r for r in after if r.provider == "fal-ai"]
    assert looks and all(r.routed for r in looks)
    assert all(r.headers.get("x-hf-bill-to") == "acme-labs" for r in looks)
    downloads = [r for r in after if r.provider == "media"]
    assert downloads and all("x-hf-bill-to" not in r.headers for r in downloads)
    assert_media_anonymous(emulator)


async def test_a_job_sent_directly_never_keeps_a_bill_to(
    video_services: VideoServices, emulator: Emulator
) -> None:
    from desktop.engine.billing import billing_to

    services = await video_services(extra_env={"FAL_KEY": direct_key("fal-ai")})
    with billing_to("acme-labs"):
        result = await services.video.generate(request("fal-ai"))
    assert result.status == Status.COMPLETE, result.error
    (record,) = services.jobs.recent()
    assert record.via == "direct" and record.bill_to is None
    assert all("x-hf-bill-to" not in r.headers for r in emulator.requests_for("fal-ai"))


async def test_quit_mid_poll_then_restart_resumes_a_replicate_prediction(
    video_services: VideoServices, emulator: Emulator
) -> None:
    first = await video_services(subdir="app")
    emulator.fault("replicate", "job_pending", polls=None, times=1)  # held until released
    task = asyncio.create_task(first.video.generate(request("replicate")))
    await asyncio.to_thread(emulator.wait_for_requests, 3, "replicate")  # submit + two looks
    await first.aclose()  # the app quits: the prediction keeps running at Replicate
    assert task.cancelled()
    assert not [r for r in emulator.requests_for("replicate") if r.path.endswith("/cancel")]

    second = await video_services(subdir="app")
    (pending,) = second.video.pending()
    assert pending.provider == "replicate"
    generation = second.history.get_generation(pending.generation_id or 0)
    assert generation is not None and generation.status == "running"

    assert emulator.release_replicate() == 1
    events: list[JobProgress] = []
    (result,) = await second.video.resume_pending(on_progress=events.append)
    assert result.status == Status.COMPLETE, result.error
    assert_delivered(second, result.status, result.files[0].path)
    assert len(posts(emulator, "replicate")) == 1  # never submitted twice
    looks = {r.path for r in emulator.requests_for("replicate") if r.method == "GET"}
    assert len(looks) == 1  # before and after the restart: the one prediction
    assert looks.pop().startswith("/router/replicate/v1/predictions/")
    assert result.job_id == pending.id and result.record_id == pending.generation_id
    assert result.trace.summary() == "Replicate ✓"  # the submission's trace
    finished = second.history.get_generation(pending.generation_id or 0)
    assert finished is not None and finished.status == "complete"
    assert second.video.pending() == []
    assert events[-1].status == "done" and events[-1].job_id == pending.id
    assert await second.video.resume_pending() == []


async def test_resume_without_the_credential_keeps_the_job(
    video_services: VideoServices, emulator: Emulator
) -> None:
    first = await video_services(subdir="app")
    emulator.jobs.plan("fal-ai", outcome="hold")
    task = asyncio.create_task(first.video.generate(request()))
    await asyncio.to_thread(emulator.jobs.wait_for_polls, 1, provider="fal-ai")
    await first.aclose()
    assert task.cancelled()

    second = await video_services(subdir="app", hf=False)
    (result,) = await second.video.resume_pending()
    assert result.status == Status.FAILED
    assert result.error == (
        "The Hugging Face token that started this fal job is gone; add it "
        "again on the Providers page to fetch the video."
    )
    assert result.error_action == "open_providers"
    assert [j.id for j in second.video.pending()] == [result.job_id]
    assert emulator.jobs.submissions() == 1


async def test_a_job_that_finished_while_the_app_was_closed_is_fetched_at_once(
    video_services: VideoServices, emulator: Emulator
) -> None:
    first = await video_services(subdir="app")
    emulator.jobs.plan("fal-ai", outcome="hold", running_polls=0)
    task = asyncio.create_task(first.video.generate(request()))
    await asyncio.to_thread(emulator.jobs.wait_for_polls, 1, provider="fal-ai")
    await first.aclose()
    assert task.cancelled()
    (job,) = emulator.jobs.jobs("fal-ai")
    emulator.jobs.release(job.id)

    second = await video_services(subdir="app")
    second.video.timing = replace(FAST_POLL, first_s=30.0, max_s=30.0)  # only the first look
    (result,) = await second.video.resume_pending()
    assert result.status == Status.COMPLETE, result.error
    assert emulator.jobs.jobs("fal-ai")[0].polls == job.polls + 1


async def test_a_blank_prompt_is_refused_before_anything_is_sent(
    video_services: VideoServices, emulator: Emulator
) -> None:
    services = await video_services()
    result = await services.video.generate(request(prompt="   "))
    assert result.status == Status.FAILED
    assert result.error == "Describe the video first: the prompt is empty."
    assert emulator.requests == []
