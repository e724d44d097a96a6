"""Changing a picture (image-to-image) and styles (LoRA) over real HTTP against the emulator:
each provider's wire shape, failover, the start picture kept, and bad input refused before
anything is sent."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desktop.core.media_types import ImageRequest, LoraChoice, MediaResult
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.engine.source_picture import BadSourcePicture, check_source
from desktop.services import Services
from tests.emulator import HF_TOKEN, Emulator
from tests.emulator.image_edit import (
    KONTEXT,
    SDXL_REFINER,
    STYLE_FROSTING,
    STYLE_INK,
    STYLE_SDXL,
)
from tests.emulator.media_models import FLUX_SCHNELL
from tests.fast_polls import FAST_POLL

CHANGE = "make it snow"
PROVIDER_NAMES = ("fal-ai", "replicate", "together", "hf-inference", "nscale", "nebius")


@pytest.fixture
def start_picture(tmp_path: Path) -> Path:
    path = tmp_path / "start.png"
    Image.new("RGB", (80, 48), (200, 40, 40)).save(path, "PNG")
    return path


def raw(path: Path | str) -> bytes:
    return Path(path).read_bytes()


def outlives(original: Path, kept: Path) -> bool:
    """The library copy stays when the original is deleted."""
    original.unlink()
    return kept.is_file()


def data_url(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


async def change(services: Services, source: Path, provider: str = "auto", **changes: Any):
    services.images.poll = FAST_POLL
    fields: dict[str, Any] = {
        "model": KONTEXT,
        "prompt": CHANGE,
        "seed": 5,
        "provider": provider,
        "source_path": str(source),
    } | changes
    return await services.images.generate(ImageRequest(**fields))


def fal_first(services: Services) -> None:
    """fal, then Replicate, then the rest: the order a person can set on the Providers page."""
    rest = [p for p in services.settings.provider_order if p not in ("fal-ai", "replicate")]
    services.settings.provider_order = ["fal-ai", "replicate", *rest]


def posts(emulator: Emulator, provider: str) -> list[Any]:
    return [r for r in emulator.requests_for(provider) if r.method == "POST"]


def provider_calls(emulator: Emulator) -> int:
    return sum(len(emulator.requests_for(p)) for p in PROVIDER_NAMES)


def assert_changed(result: MediaResult, size: tuple[int, int] = (80, 48)) -> None:
    assert result.status == Status.COMPLETE, result.error
    (file,) = result.files
    with Image.open(file.path) as img:
        assert img.size == size


# --- every provider, its exact request -----------------------------------------------------------


async def test_hf_inference_gets_the_picture_as_base64_inputs(
    open_services, emulator: Emulator, start_picture: Path
) -> None:
    services = await open_services()
    result = await change(services, start_picture, "hf-inference", strength=0.6, steps=8)
    assert_changed(result)
    assert result.task == "image-to-image"
    (req,) = posts(emulator, "hf-inference")
    assert req.path == f"/router/hf-inference/models/{KONTEXT}"
    assert req.headers["accept"] == "image/png"
    assert req.json == {
        "inputs": base64.b64encode(raw(start_picture)).decode(),
        "parameters": {
            "prompt": CHANGE,
            "num_inference_steps": 8,
            "seed": 5,
            "strength": 0.6,
        },
    }


async def test_fal_runs_it_on_its_queue_with_image_url_and_image_urls(
    open_services, emulator: Emulator, start_picture: Path
) -> None:
    services = await open_services()
    result = await change(services, start_picture, "fal-ai")
    assert_changed(result)
    submit, *_ = posts(emulator, "fal-ai")
    assert submit.path == "/router/fal-ai/fal-ai/flux-kontext/dev"
    assert submit.query == {"_subdomain": "queue"}
    url = data_url(start_picture)
    assert submit.json == {"image_url": url, "image_urls": [url], "prompt": CHANGE, "seed": 5}
    polls = [r for r in emulator.requests_for("fal-ai") if r.method == "GET"]
    assert polls and all(r.query == {"_subdomain": "queue"} for r in polls)
    assert all(r.authorization is None for r in emulator.requests_for("media"))


async def test_replicate_gets_the_picture_under_all_four_names(
    open_services, emulator: Emulator, start_picture: Path
) -> None:
    services = await open_services()
    result = await change(services, start_picture, "replicate", strength=0.4)
    assert_changed(result)
    (req,) = posts(emulator, "replicate")
    assert req.path == "/router/replicate/v1/models/black-forest-labs/flux-kontext-dev/predictions"
    url = data_url(start_picture)
    assert req.json == {
        "input": {
            "image": url,
            "images": [url],
            "input_image": url,
            "input_images": [url],
            "prompt": CHANGE,
            "seed": 5,
            "strength": 0.4,
        }
    }


async def test_together_kontext_takes_image_url_and_others_reference_images(
    open_services, emulator: Emulator, start_picture: Path
) -> None:
    services = await open_services()
    assert_changed(await change(services, start_picture, "together", steps=6))
    assert_changed(await change(services, start_picture, "together", model=SDXL_REFINER))
    kontext, refiner = posts(emulator, "together")
    url = data_url(start_picture)
    assert kontext.path == "/router/together/v1/images/generations"
    assert kontext.json == {
        "prompt": CHANGE,
        "image_url": url,
        "response_format": "base64",
        "steps": 6,
        "seed": 5,
        "model": "black-forest-labs/FLUX.1-kontext-dev",
    }
    assert refiner.json["reference_images"] == [url]
    assert "image_url" not in refiner.json


# --- failover, the library -----------------------------------------------------------------------


async def test_a_provider_error_fails_over_to_the_next(
    open_services, emulator: Emulator, start_picture: Path
) -> None:
    services = await open_services()
    fal_first(services)
    emulator.fault("fal-ai", "status", status=503, times=1)
    result = await change(services, start_picture)
    assert_changed(result)
    outcomes = [(a.provider, a.outcome) for a in result.trace.attempts]
    assert outcomes == [("fal-ai", Outcome.SERVER_ERROR), ("replicate", Outcome.OK)]
    assert result.provider == "replicate"


async def test_a_failed_fal_job_fails_over_and_is_not_submitted_again(
    open_services, emulator: Emulator, start_picture: Path
) -> None:
    services = await open_services()
    fal_first(services)
    emulator.jobs.next_plan("fal-ai", queue_polls=0, running_polls=0, outcome="fail")
    result = await change(services, start_picture)
    assert_changed(result)
    assert emulator.jobs.submissions("fal-ai") == 1
    assert [a.provider for a in result.trace.attempts] == ["fal-ai", "replicate"]
    assert "job failed" in (result.trace.attempts[0].message or "")


async def test_a_corrupt_answer_is_not_a_result(
    open_services, emulator: Emulator, start_picture: Path
) -> None:
    services = await open_services()
    emulator.fault("together", "corrupt", times=1)
    result = await change(services, start_picture, "auto", model=SDXL_REFINER)
    assert result.status == Status.FAILED
    assert result.trace.attempts[0].outcome == Outcome.BAD_RESPONSE


async def test_the_library_keeps_the_change_with_its_start_picture(
    open_services, emulator: Emulator, start_picture: Path
) -> None:
    services = await open_services()
    result = await change(services, start_picture, "hf-inference", strength=0.5)
    assert result.record_id is not None
    gen = await services.db.run(services.history.get_generation, result.record_id)
    assert gen is not None and gen.task == "image-to-image"
    kept = Path(gen.params["source_file"])
    assert kept.is_relative_to(services.paths.media_dir)
    assert raw(kept) == raw(start_picture)
    assert gen.params["strength"] == 0.5 and gen.params["source_path"] == str(start_picture)
    assert outlives(start_picture, kept)


# --- bad input: one sentence, nothing sent --------------------------------------------------------


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"just some text, not a picture", "not a picture Switchboard can read"),
        (_png_header_only(30_000, 30_000), "too many pixels"),
        (_png_header_only(8_000, 6_000), "8000×6000 pixels"),
        (b"", "is empty"),
    ],
)
async def test_a_bad_start_picture_is_refused_before_anything_is_sent(
    open_services, emulator: Emulator, tmp_path: Path, content: bytes, words: str
) -> None:
    services = await open_services()
    path = tmp_path / "holiday.png"
    path.write_bytes(content)
    result = await change(services, path)
    assert result.status == Status.FAILED
    assert words in (result.error or "")
    assert result.error and result.error.count(".") <= 2
    assert provider_calls(emulator) == 0
    assert result.record_id is None


async def test_a_missing_start_picture_says_so(open_services, emulator: Emulator, tmp_path: Path):
    services = await open_services()
    result = await change(services, tmp_path / "gone.png")
    assert result.status == Status.FAILED and "gone.png" in (result.error or "")
    assert provider_calls(emulator) == 0


def test_a_truncated_picture_is_refused(start_picture: Path) -> None:
    data = start_picture.read_bytes()
    with pytest.raises(BadSourcePicture):
        check_source(data[: len(data) // 2])
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "TIFF")
    with pytest.raises(BadSourcePicture, match="TIFF"):
        check_source(out.getvalue())


# --- styles (LoRA) ----------------------------------------------------------------------------


async def test_fal_gets_each_style_as_a_weights_url_with_its_scale(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    services.images.poll = FAST_POLL
    request = ImageRequest(
        model=FLUX_SCHNELL,
        prompt="a cake shop",
        seed=3,
        provider="fal-ai",
        loras=[LoraChoice(STYLE_FROSTING, 0.8), LoraChoice(STYLE_INK)],
    )
    result = await services.images.generate(request)
    assert result.status == Status.COMPLETE, result.error
    (req,) = posts(emulator, "fal-ai")
    assert req.json["loras"] == [
        {
            "path": f"https://huggingface.co/{STYLE_FROSTING}/resolve/main/"
            "frosting_lane_flux.safetensors",
            "scale": 0.8,
        },
        {
            "path": f"https://huggingface.co/{STYLE_INK}/resolve/main/ink_wash.safetensors",
            "scale": 1.0,
        },
    ]
    assert result.params["loras"] == [
        {"repo": STYLE_FROSTING, "weight": 0.8},
        {"repo": STYLE_INK, "weight": 1.0},
    ]
    hub = emulator.requests_for("hub")
    assert any(r.path == f"/hub/api/models/{STYLE_FROSTING}" for r in hub)
    assert all(r.authorization in (None, f"Bearer {HF_TOKEN}") for r in hub)


async def test_replicate_takes_one_style_as_lora_weights(open_services, emulator: Emulator):
    services = await open_services()
    services.images.poll = FAST_POLL
    fal_first(services)
    emulator.fault("fal-ai", "status", status=503, times=1)
    request = ImageRequest(
        model=FLUX_SCHNELL, prompt="a cake", seed=3, loras=[LoraChoice(STYLE_FROSTING, 0.7)]
    )
    result = await services.images.generate(request)
    assert result.status == Status.COMPLETE, result.error
    (req,) = posts(emulator, "replicate")
    assert req.json["input"]["lora_weights"] == f"https://huggingface.co/{STYLE_FROSTING}"
    assert req.json["input"]["lora_scale"] == 0.7


async def test_providers_without_styles_are_passed_over_with_a_reason(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    services.images.poll = FAST_POLL
    fal_first(services)
    for provider in ("fal-ai", "replicate"):
        emulator.fault(provider, "status", status=503)
    request = ImageRequest(
        model=FLUX_SCHNELL, prompt="a cake", seed=3, loras=[LoraChoice(STYLE_FROSTING)]
    )
    result = await services.images.generate(request)
    assert result.status == Status.FAILED
    assert posts(emulator, "together") == [] and posts(emulator, "hf-inference") == []
    reasons = {a.provider: a.message for a in result.trace.attempts}
    assert "styles" in (reasons.get("together") or "")


async def test_a_repo_that_is_not_an_adapter_of_the_model_is_refused(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    for loras, words in (
        ([LoraChoice(STYLE_SDXL)], f"{STYLE_SDXL} is not a style (LoRA adapter) for"),
        ([LoraChoice("nobody/missing-style")], "There is no model nobody/missing-style"),
        ([LoraChoice("not-a-repo")], "is not a Hub repo name"),
        ([LoraChoice(STYLE_INK, 9.0)], "between -4 and 4"),
    ):
        request = ImageRequest(model=FLUX_SCHNELL, prompt="a cake", loras=loras)
        result = await services.images.generate(request)
        assert result.status == Status.FAILED
        assert words in (result.error or ""), result.error
    assert provider_calls(emulator) == 0


async def test_styles_of_a_base_are_listed_with_trigger_words_and_examples(
    open_services, emulator: Emulator
) -> None:
    from desktop.providers.hub_adapters import search_adapters

    services = await open_services()
    found = await search_adapters(
        services.engine.client, services.engine.endpoints.hub, FLUX_SCHNELL
    )
    by_repo = {a.repo: a for a in found}
    assert set(by_repo) == {STYLE_FROSTING, STYLE_INK}
    assert by_repo[STYLE_FROSTING].trigger == "frstingln illustration"
    assert by_repo[STYLE_FROSTING].examples == ("a frosted cake shop",)
    (listing,) = emulator.requests_for("hub")
    assert listing.query["filter"] == f"base_model:adapter:{FLUX_SCHNELL}"
    narrowed = await search_adapters(
        services.engine.client, services.engine.endpoints.hub, FLUX_SCHNELL, "ink"
    )
    assert [a.repo for a in narrowed] == [STYLE_INK]
