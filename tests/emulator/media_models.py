"""Models for the media tasks, registered on the emulated Hub next to the chat models.

Mapping order is the preference order the Hub returns. Replicate's Whisper id pins a version
(``owner/name:<64 hex>``), so ``/v1/predictions`` with ``version`` is exercised; its FLUX id
does not, so the ``/v1/models/{owner}/{name}/predictions`` route is too.
"""

from __future__ import annotations

from typing import Any

from .state import State

FLUX_SCHNELL = "black-forest-labs/FLUX.1-schnell"
WHISPER = "openai/whisper-large-v3"
BGE_SMALL = "BAAI/bge-small-en-v1.5"
E5_LARGE = "intfloat/multilingual-e5-large"
BGE_M3 = "BAAI/bge-m3"
"""Served by the providers HF's router added (Scaleway, DeepInfra) only."""

KOKORO = "hexgrad/Kokoro-82M"
MMS_TTS = "facebook/mms-tts-eng"

WHISPER_VERSION = "8099696689d249cf8b122d833c36ac3f75505c666a395ca40ef26f68e7d3d16e"


def _entry(provider_id: str, task: str, **extra: Any) -> dict[str, Any]:
    return {"providerId": provider_id, "task": task, "status": "live", **extra}


def _t2i(provider_id: str) -> dict[str, Any]:
    return _entry(provider_id, "text-to-image")


def _asr(provider_id: str, **extra: Any) -> dict[str, Any]:
    return _entry(provider_id, "automatic-speech-recognition", **extra)


def _tts(provider_id: str) -> dict[str, Any]:
    return _entry(provider_id, "text-to-speech")


def _fe(provider_id: str) -> dict[str, Any]:
    return _entry(provider_id, "feature-extraction")


MEDIA_MODELS: list[tuple[str, dict[str, dict[str, Any]], str, list[str]]] = [
    (
        BGE_M3,
        {"scaleway": _fe("bge-m3"), "deepinfra": _fe("BAAI/bge-m3")},
        "feature-extraction",
        ["feature-extraction", "sentence-transformers"],
    ),
    (
        KOKORO,
        {
            "fal-ai": _tts("fal-ai/kokoro/american-english"),
            "together": _tts("hexgrad/Kokoro-82M"),
            "deepinfra": _tts("hexgrad/Kokoro-82M"),
            "replicate": _tts("jaaari/kokoro-82m"),
        },
        "text-to-speech",
        ["text-to-speech", "kokoro"],
    ),
    (
        MMS_TTS,
        {"hf-inference": _tts(MMS_TTS)},
        "text-to-speech",
        ["text-to-speech", "transformers"],
    ),
    (
        FLUX_SCHNELL,
        {
            "fal-ai": _t2i("fal-ai/flux/schnell"),
            "replicate": _t2i("black-forest-labs/flux-schnell"),
            "together": _t2i("black-forest-labs/FLUX.1-schnell"),
            "hf-inference": _t2i("black-forest-labs/FLUX.1-schnell"),
            "nscale": _t2i("black-forest-labs/FLUX.1-schnell"),
            "nebius": _t2i("black-forest-labs/flux-schnell"),
        },
        "text-to-image",
        ["text-to-image", "diffusers"],
    ),
    (
        WHISPER,
        {
            "hf-inference": _asr(WHISPER),
            "fal-ai": _asr("fal-ai/whisper"),
            "replicate": _asr(f"openai/whisper:{WHISPER_VERSION}"),
            "deepinfra": _asr(WHISPER),
        },
        "automatic-speech-recognition",
        ["automatic-speech-recognition", "transformers"],
    ),
    (
        BGE_SMALL,
        {
            "hf-inference": _fe(BGE_SMALL),
            "nebius": _fe("BAAI/bge-small-en-v1.5"),
            "sambanova": _fe("bge-small-en-v1.5"),
            "together": _fe("BAAI/bge-small-en-v1.5"),
        },
        "feature-extraction",
        ["feature-extraction", "sentence-transformers"],
    ),
    (
        E5_LARGE,
        {
            "hf-inference": _fe(E5_LARGE),
            "nebius": _fe("intfloat/multilingual-e5-large-instruct"),
            "together": _fe("intfloat/multilingual-e5-large-instruct"),
        },
        "feature-extraction",
        ["feature-extraction", "sentence-transformers"],
    ),
]


def seed_media(state: State) -> None:
    for hf_id, mapping, pipeline_tag, tags in MEDIA_MODELS:
        state.add_model(hf_id, mapping, pipeline_tag=pipeline_tag, tags=tags)
