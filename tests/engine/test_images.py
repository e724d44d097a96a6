"""Text-to-image over real HTTP against the emulator: every provider's wire shape, failover,
the commit point (a decodable picture), media downloads without credentials, the library."""

from __future__ import annotations

import asyncio
import base64
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desktop.core.media_types import ImageRequest, MediaResult
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.engine.image_decode import decode_image
from desktop.providers.exchange import AttemptFailed
from desktop.services import Services
from tests.emulator import HF_TOKEN, Emulator, direct_key
from tests.emulator.media_models import FLUX_SCHNELL
from tests.fast_polls import FAST_POLL

PROMPT = "a lighthouse at dusk"


async def make(services: Services, provider: str = "auto", **changes: Any) -> MediaResult:
    services.images.poll = FAST_POLL
    fields: dict[str, Any] = {
        "model": FLUX_SCHNELL,
        "prompt": PROMPT,
        "width": 96,
        "height": 64,
        "seed": 7,
        "provider": provider,
    } | changes
    return await services.images.generate(ImageRequest(**fields))


def calls(emulator: Emulator, provider: str, method: str = "POST") -> list[Any]:
    return [r for r in emulator.requests_for(provider) if r.method == method]


def in_media(path: Path, services: Services) -> bool:
    return path.is_file() and path.is_relative_to(services.paths.media_dir)


def assert_picture(result: MediaResult, mime: str, width: int = 96, height: int = 64) -> None:
    assert result.status == Status.COMPLETE, result.error
    (file,) = result.files
    assert (file.mime, file.width, file.height) == (mime, width, height)
    with Image.open(file.path) as img:
        assert img.size == (width, height)


# --- every provider, its exact request ---------------------------------------------------------


async def test_hf_inference_gets_inputs_and_parameters_and_answers_raw_bytes(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    result = await make(services, "hf-inference", negative_prompt="fog", steps=4, guidance=3.5)
    assert_picture(result, "image/jpeg")
    (req,) = calls(emulator, "hf-inference")
    assert req.routed and req.path == f"/router/hf-inference/models/{FLUX_SCHNELL}"
    assert req.authorization == f"Bearer {HF_TOKEN}"
    assert req.headers["accept"] == "image/png"
    assert req.headers["content-type"] == "application/json"
    assert req.json == {
        "inputs": PROMPT,
        "parameters": {
            "negative_prompt": "fog",
            "width": 96,
            "height": 64,
            "num_inference_steps": 4,
            "guidance_scale": 3.5,
            "seed": 7,
        },
    }
    assert result.provider == "hf-inference" and result.trace.billed_to == "huggingface"


@pytest.mark.parametrize("direct", [False, True])
async def test_fal_sync_sends_image_size_and_the_picture_is_fetched_without_a_key(
    open_services, emulator: Emulator, direct: bool
) -> None:
    env = {"FAL_KEY": direct_key("fal-ai")} if direct else {}
    services = await open_services(extra_env=env)
    result = await make(services, "fal-ai", steps=4)
    assert_picture(result, "image/jpeg")
    (req,) = calls(emulator, "fal-ai")
    if direct:
        assert req.path == "/direct/fal-ai/fal-ai/flux/schnell"
        assert req.authorization == f"Key {direct_key('fal-ai')}"
    else:
        assert req.path == "/router/fal-ai/fal-ai/flux/schnell"
        assert req.authorization == f"Bearer {HF_TOKEN}"
    assert req.headers["accept"] == "image/png"
    assert req.json == {
        "prompt": PROMPT,
        "num_inference_steps": 4,
        "seed": 7,
        "image_size": {"width": 96, "height": 64},
    }
    (download,) = emulator.requests_for("media")
    assert download.method == "GET" and download.authorization is None
    assert "cookie" not in download.headers


@pytest.mark.parametrize("direct", [False, True])
async def test_replicate_model_route_with_prefer_wait(
    open_services, emulator: Emulator, direct: bool
) -> None:
    env = {"REPLICATE_API_TOKEN": direct_key("replicate")} if direct else {}
    services = await open_services(extra_env=env)
    result = await make(services, "replicate", negative_prompt="rain")
    assert_picture(result, "image/png")
    (req,) = calls(emulator, "replicate")
    top = "direct" if direct else "router"
    assert req.path == f"/{top}/replicate/v1/models/black-forest-labs/flux-schnell/predictions"
    assert req.headers["prefer"] == "wait"
    key = direct_key("replicate") if direct else HF_TOKEN
    assert req.authorization == f"Bearer {key}"
    assert req.json == {
        "input": {"prompt": PROMPT, "negative_prompt": "rain", "width": 96, "height": 64, "seed": 7}
    }
    assert "version" not in req.json
    assert [r.authorization for r in emulator.requests_for("media")] == [None]


@pytest.mark.parametrize("direct", [False, True])
async def test_together_base64_with_its_own_parameter_names(
    open_services, emulator: Emulator, direct: bool
) -> None:
    env = {"TOGETHER_API_KEY": direct_key("together")} if direct else {}
    services = await open_services(extra_env=env)
    result = await make(services, "together", steps=4, guidance=3.5, negative_prompt="fog")
    assert_picture(result, "image/jpeg")
    (req,) = calls(emulator, "together")
    assert req.path.endswith("/together/v1/images/generations") and req.routed is not direct
    assert req.json == {
        "prompt": PROMPT,
        "response_format": "base64",
        "negative_prompt": "fog",
        "width": 96,
        "height": 64,
        "steps": 4,
        "guidance": 3.5,
        "seed": 7,
        "model": "black-forest-labs/FLUX.1-schnell",
    }
    assert req.headers["accept"] == "image/png"
    assert emulator.requests_for("media") == []


async def test_nscale_sends_size_and_drops_steps(open_services, emulator: Emulator) -> None:
    services = await open_services()
    result = await make(services, "nscale", steps=4, guidance=2.0)
    assert_picture(result, "image/png")
    (req,) = calls(emulator, "nscale")
    assert req.routed and req.path == "/router/nscale/v1/images/generations"
    assert req.json == {
        "response_format": "b64_json",
        "prompt": PROMPT,
        "model": "black-forest-labs/FLUX.1-schnell",
        "guidance_scale": 2.0,
        "seed": 7,
        "size": "96x64",
    }


async def test_nebius_direct_keeps_width_and_height_and_drops_guidance(
    open_services, emulator: Emulator
) -> None:
    services = await open_services(extra_env={"NEBIUS_API_KEY": direct_key("nebius")})
    result = await make(services, "nebius", steps=4, guidance=2.0)
    assert_picture(result, "image/png")
    (req,) = calls(emulator, "nebius")
    assert not req.routed and req.path == "/direct/nebius/v1/images/generations"
    assert req.authorization == f"Bearer {direct_key('nebius')}"
    assert req.json == {
        "prompt": PROMPT,
        "width": 96,
        "height": 64,
        "num_inference_steps": 4,
        "seed": 7,
        "response_format": "b64_json",
        "model": "black-forest-labs/flux-schnell",
    }


async def test_nebius_without_its_own_key_is_not_a_candidate(open_services) -> None:
    services = await open_services()
    result = await make(services, "nebius")
    assert result.status == Status.FAILED and "own key" in (result.error or "")


# --- Replicate's slow path ------------------------------------------------------------------------


async def test_replicate_prediction_not_finished_is_polled_on_the_candidates_base(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.fault("replicate", "job_pending", polls=3, times=1)
    result = await make(services, "replicate")
    assert_picture(result, "image/png")
    create, *polls = emulator.requests_for("replicate")
    assert create.status == 202 and len(polls) == 3
    assert all(p.method == "GET" and p.routed for p in polls)
    assert all(p.path.startswith("/router/replicate/v1/predictions/") for p in polls)
    assert all(p.authorization == f"Bearer {HF_TOKEN}" for p in polls)
    assert len(result.trace.attempts) == 1  # polled, never submitted again


@pytest.mark.parametrize("kind", ["job_failed", "job_canceled"])
async def test_replicate_job_ending_badly_fails_over(
    open_services, emulator: Emulator, kind: str
) -> None:
    services = await open_services()
    services.settings.set_order(["replicate", "together"])
    emulator.fault("replicate", kind, polls=1, times=1)
    result = await make(services)
    assert result.status == Status.COMPLETE and result.provider == "together"
    first = result.trace.attempts[0]
    assert (first.provider, first.outcome) == ("replicate", Outcome.SERVER_ERROR)


async def test_replicate_422_problem_json_fails_over(open_services, emulator: Emulator) -> None:
    services = await open_services()
    services.settings.set_order(["replicate", "hf-inference"])
    emulator.fault("replicate", "status", status=422, times=1)
    result = await make(services)
    assert result.status == Status.COMPLETE and result.provider == "hf-inference"
    first = result.trace.attempts[0]
    assert (first.outcome, first.status_code) == (Outcome.REJECTED, 422)
    assert "prompt is not valid" in first.message
    (create,) = calls(emulator, "replicate")
    assert create.status == 422


async def test_cancelling_while_replicate_works_cancels_the_prediction(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.fault("replicate", "job_pending", polls=None, times=1)
    services.images.poll = FAST_POLL
    task = asyncio.create_task(make(services, "replicate"))
    await asyncio.to_thread(emulator.wait_for_requests, 3, "replicate")  # create + polls
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The cancel request went out before the task finished cancelling (it is shielded).
    cancels = [r for r in emulator.requests_for("replicate") if r.path.endswith("/cancel")]
    assert len(cancels) == 1 and cancels[0].status == 200
    assert cancels[0].authorization == f"Bearer {HF_TOKEN}"
    assert services.history.list_generations() == []  # nothing made, nothing saved


async def test_a_stuck_prediction_is_cancelled_at_the_deadline(
    open_services, emulator: Emulator
) -> None:
    from tests.engine.conftest import FAST

    deadlines = type(FAST)(**{**FAST.__dict__, "total_s": 1.0})
    services = await open_services(deadlines=deadlines)
    emulator.fault("replicate", "job_pending", polls=None)
    result = await make(services, "replicate")
    assert result.status == Status.FAILED
    assert result.trace.attempts[0].outcome == Outcome.TIMEOUT
    cancel = [r for r in emulator.requests_for("replicate") if r.path.endswith("/cancel")]
    assert len(cancel) == 1 and cancel[0].method == "POST" and cancel[0].status == 200
    creates = [r for r in emulator.requests_for("replicate") if r.path.endswith("predictions")]
    assert len(creates) == 1  # accepted once, never resubmitted


# --- failover before the commit point --------------------------------------------------------


async def test_server_error_fails_over_to_the_next_provider(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    services.settings.set_order(["fal-ai", "together"])
    emulator.fault("fal-ai", "status", status=503, times=1)
    result = await make(services)
    assert result.status == Status.COMPLETE and result.provider == "together"
    assert result.trace.summary() == "fal server error → Together AI ✓"


async def test_a_corrupt_picture_is_not_a_result(open_services, emulator: Emulator) -> None:
    services = await open_services()
    services.settings.set_order(["hf-inference", "nscale"])
    emulator.fault("hf-inference", "corrupt", times=1)
    result = await make(services)
    assert result.status == Status.COMPLETE and result.provider == "nscale"
    first = result.trace.attempts[0]
    assert first.outcome == Outcome.BAD_RESPONSE and "corrupt or truncated" in first.message


async def test_a_corrupt_base64_picture_fails_over_too(open_services, emulator: Emulator) -> None:
    services = await open_services()
    services.settings.set_order(["together", "hf-inference"])
    emulator.fault("together", "corrupt", times=1)
    result = await make(services)
    assert result.provider == "hf-inference"
    assert result.trace.attempts[0].outcome == Outcome.BAD_RESPONSE


@pytest.mark.parametrize(
    ("fault", "params", "words"),
    [
        ("status", {"status": 404}, "404 (not found)"),
        ("corrupt", {}, "corrupt or truncated"),
        ("wrong_type", {}, "text/html, not an image"),
    ],
)
async def test_media_link_problems_fail_over(
    open_services, emulator: Emulator, fault: str, params: dict[str, Any], words: str
) -> None:
    services = await open_services()
    services.settings.set_order(["fal-ai", "together"])
    emulator.fault("media", fault, times=1, **params)
    result = await make(services)
    assert result.status == Status.COMPLETE and result.provider == "together"
    first = result.trace.attempts[0]
    assert first.provider == "fal-ai" and first.outcome == Outcome.BAD_RESPONSE
    assert words in first.message


@pytest.mark.parametrize("chunked", [False, True])
async def test_an_oversized_download_is_refused(
    open_services, emulator: Emulator, chunked: bool
) -> None:
    services = await open_services()
    services.images.limits = services.images.limits.with_cap(200_000)
    emulator.fault("media", "oversize", size=1_000_000, chunked=chunked)
    result = await make(services, "fal-ai")
    assert result.status == Status.FAILED
    assert "larger than the 195 KB limit" in (result.trace.attempts[0].message or "")


async def test_no_media_download_carries_credentials(open_services, emulator: Emulator) -> None:
    services = await open_services(
        extra_env={"FAL_KEY": direct_key("fal-ai"), "REPLICATE_API_TOKEN": direct_key("replicate")}
    )
    for provider in ("fal-ai", "replicate"):
        assert (await make(services, provider)).status == Status.COMPLETE
    services2 = await open_services(subdir="routed")
    for provider in ("fal-ai", "replicate"):
        assert (await make(services2, provider)).status == Status.COMPLETE
    downloads = emulator.requests_for("media")
    assert len(downloads) == 4
    for download in downloads:
        assert "authorization" not in download.headers
        assert not any(HF_TOKEN in v or "key-" in v for v in download.headers.values())


# --- seeds, count, validation, the library ---------------------------------------------------


async def test_a_random_seed_is_drawn_and_each_picture_gets_its_own(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    result = await make(services, "hf-inference", seed=None, count=3)
    assert result.status == Status.COMPLETE and len(result.files) == 3
    seed = result.params["seed"]
    assert isinstance(seed, int)
    assert sorted(f.seed for f in result.files) == [seed, seed + 1, seed + 2]
    sent = sorted(r.json["parameters"]["seed"] for r in calls(emulator, "hf-inference"))
    assert sent == [seed, seed + 1, seed + 2]
    assert len({f.path for f in result.files}) == 3  # three different pictures


async def test_one_of_several_pictures_failing_keeps_the_others(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.fault("nscale", "status", status=400, times=1)
    result = await make(services, "nscale", count=2)
    assert result.status == Status.COMPLETE and len(result.files) == 1
    assert result.error is not None and result.error.startswith("1 of 2 pictures")


async def test_the_picture_is_kept_in_the_library(open_services, emulator: Emulator) -> None:
    services = await open_services()
    result = await make(services, "fal-ai", negative_prompt="fog", steps=4, guidance=3.5)
    assert result.record_id is not None
    row = services.history.get_generation(result.record_id)
    assert row is not None
    assert (row.task, row.prompt, row.negative_prompt) == ("text-to-image", PROMPT, "fog")
    assert (row.model, row.provider, row.provider_model) == (
        FLUX_SCHNELL,
        "fal-ai",
        "fal-ai/flux/schnell",
    )
    assert row.status == "complete"
    assert row.params | {} == {
        "prompt": PROMPT,
        "negative_prompt": "fog",
        "width": 96,
        "height": 64,
        "steps": 4,
        "guidance": 3.5,
        "seed": 7,
        "count": 1,
        "provider": "fal-ai",
    }
    (file,) = row.files
    assert file["seed"] == 7 and file["mime"] == "image/jpeg"
    assert (file["width"], file["height"]) == (96, 64) and file["provider"] == "fal-ai"
    assert in_media(Path(file["path"]), services)
    assert row.trace is not None and row.trace["attempts"][0]["outcome"] == Outcome.OK
    assert services.history.search("lighthouse")[0].generation_id == result.record_id


async def test_a_failed_request_is_kept_with_its_reason(open_services, emulator: Emulator) -> None:
    services = await open_services()
    emulator.fault("hf-inference", "content_policy")
    result = await make(services, "hf-inference")
    assert result.status == Status.FAILED and "content filter" in (result.error or "")
    row = services.history.get_generation(result.record_id or 0)
    assert row is not None and row.status == "failed" and row.files == []


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"prompt": "  "}, "prompt is empty"),
        ({"count": 9}, "between 1 and 8"),
        ({"width": 10}, "between 64 and"),
    ],
)
async def test_impossible_requests_fail_before_any_call(
    open_services, emulator: Emulator, changes: dict[str, Any], words: str
) -> None:
    services = await open_services()
    emulator.clear_requests()
    result = await make(services, **changes)
    assert result.status == Status.FAILED and words in (result.error or "")
    assert [r for r in emulator.requests if r.provider not in ("hub", "models")] == []


async def test_an_unknown_provider_is_a_clear_failure(open_services) -> None:
    services = await open_services()
    result = await make(services, "nobody")
    assert result.status == Status.FAILED and "nobody" in (result.error or "")
    assert result.error_action == "open_providers"


# --- the commit check itself ---------------------------------------------------------------------


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_decompression_bombs_are_refused() -> None:
    with pytest.raises(AttemptFailed) as caught:
        decode_image(_png_header_only(30_000, 30_000))
    assert caught.value.failure.outcome == Outcome.BAD_RESPONSE
    assert "too many pixels" in caught.value.failure.detail


def test_empty_and_non_images_are_refused() -> None:
    for data in (b"", b"<html></html>", base64.b64decode("R0lGODlh")):
        with pytest.raises(AttemptFailed):
            decode_image(data)


async def test_an_image_request_stops_after_three_attempts(open_services, emulator: Emulator):
    # Pictures cost money: routing.md §5.12 gives text-to-image three attempts, not four.
    services = await open_services()
    for provider in ("fal-ai", "replicate", "together", "hf-inference", "nscale"):
        emulator.fault(provider, "status", status=503)
    result = await make(services)
    assert result.status == Status.FAILED
    assert len(result.trace.attempts) == 3
