"""The emulator's media-task routes answer as providers.md says (the engine tests trust them)."""

from __future__ import annotations

import base64

import httpx2
import pytest

from tests.emulator import HF_TOKEN, Emulator, direct_key
from tests.emulator.media_models import BGE_SMALL, FLUX_SCHNELL, WHISPER, WHISPER_VERSION

AUTH = {"Authorization": f"Bearer {HF_TOKEN}"}


async def test_hub_maps_the_media_models(emu: Emulator, client: httpx2.AsyncClient) -> None:
    url = f"{emu.hub_url}/api/models/{WHISPER}"
    r = await client.get(url, params={"expand": "inferenceProviderMapping"})
    mapping = r.json()["inferenceProviderMapping"]
    assert list(mapping) == ["hf-inference", "fal-ai", "replicate", "deepinfra"]
    assert mapping["replicate"] == {
        "status": "live",
        "task": "automatic-speech-recognition",
        "providerId": f"openai/whisper:{WHISPER_VERSION}",
    }


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("audio/wav", 400),
        ("audio/webm", 400),
        ("audio/mp3", 400),
        ("audio/x-wav", 200),
        ("video/webm", 200),
        ("audio/mpeg", 200),
    ],
)
async def test_fal_refuses_labels_it_cannot_map(
    emu: Emulator, client: httpx2.AsyncClient, label: str, status: int
) -> None:
    audio = base64.b64encode(b"RIFF....WAVE").decode()
    r = await client.post(
        emu.router_url + "/fal-ai/fal-ai/whisper",
        json={"audio_url": f"data:{label};base64,{audio}"},
        headers=AUTH,
    )
    assert r.status_code == status
    if status == 400:
        assert r.json() == {"detail": "Unsupported data URL"}


async def test_routed_calls_need_a_registered_model(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    r = await client.post(
        emu.router_url + "/fal-ai/fal-ai/unknown", json={"prompt": "x"}, headers=AUTH
    )
    assert r.status_code == 400 and "Model not supported by provider fal-ai" in r.text
    r = await client.post(
        emu.router_url + "/hf-inference/models/acme/none", json={"inputs": "x"}, headers=AUTH
    )
    assert r.status_code == 404
    r = await client.post(
        emu.router_url + "/nebius/v1/images/generations",
        json={"prompt": "x", "model": "m"},
        headers=AUTH,
    )
    assert r.status_code == 404 and "not available" in r.text


async def test_replicate_validation_is_problem_json(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    url = emu.direct_url("replicate") + "/v1/models/black-forest-labs/flux-schnell/predictions"
    key = {"Authorization": f"Bearer {direct_key('replicate')}"}
    r = await client.post(url, json={"input": {}}, headers=key)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "Input validation failed"
    r = await client.post(url, json={"input": {"prompt": "x"}}, headers=key | {"Prefer": "wait"})
    body = r.json()
    assert r.status_code == 201 and body["status"] == "processing" and body["output"]
    assert body["urls"]["get"] == f"https://api.replicate.com/v1/predictions/{body['id']}"


async def test_replicate_without_prefer_wait_needs_one_poll(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    base = emu.router_url + "/replicate/v1"
    r = await client.post(
        base + "/models/black-forest-labs/flux-schnell/predictions",
        json={"input": {"prompt": "x"}},
        headers=AUTH,
    )
    assert r.status_code == 201 and r.json()["status"] == "starting"
    poll = await client.get(f"{base}/predictions/{r.json()['id']}", headers=AUTH)
    assert poll.json()["status"] == "succeeded" and poll.json()["output"]
    cancel = await client.post(f"{base}/predictions/{r.json()['id']}/cancel", headers=AUTH)
    assert cancel.json()["status"] == "succeeded"  # already finished: nothing to cancel


async def test_images_and_embeddings_check_their_bodies(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    r = await client.post(
        emu.router_url + "/together/v1/images/generations",
        json={"prompt": "x", "model": FLUX_SCHNELL, "response_format": "b64_json"},
        headers=AUTH,
    )
    assert r.status_code == 400 and "base64" in r.text
    r = await client.post(
        emu.router_url + f"/hf-inference/models/{BGE_SMALL}/pipeline/feature-extraction",
        json={"inputs": "one text"},
        headers=AUTH,
    )
    assert r.status_code == 200 and len(r.json()) == 384  # a string gives one flat vector
    r = await client.post(
        emu.base_url + "/custom/v1/embeddings", json={"input": ["a", "b"], "model": "anything"}
    )
    assert [item["index"] for item in r.json()["data"]] == [1, 0]
    assert emu.requests_for("custom")[0].status == 200
