"""Text-to-speech on the wire: one request body and one answer reader per provider family.

providers.md §4.8. Pure request building and parsing; the engine sends (``engine/speak.py``).

* hf-inference: ``POST /models/{id}`` ``{"inputs": text, "parameters": {...}}`` → raw audio.
* fal-ai (sync, ``fal.run``): ``POST /{providerId}`` ``{"text": text, ...params}`` →
  ``{"audio": {"url", "content_type"}}``; the file is then fetched without credentials.
* Replicate: a prediction with ``{"input": {"text": text, ...}}`` → ``output`` is the audio link.
* Together: ``POST /v1/audio/speech`` ``{"input", "model", ...params}`` (``voice`` required,
  model-specific) → raw audio; a JSON answer is an error, never audio.
* DeepInfra: ``POST /v1/openai/audio/speech`` ``{"input", ...params, "model"}`` → raw audio.

Why one module: the five shapes differ only in where the text and the voice go and whether
the audio comes back in the body or as a link, so keeping them side by side makes a new
provider a few lines here and in the emulator.
"""

from __future__ import annotations

from typing import Any

from desktop.providers.exchange import bad_response
from desktop.providers.mime import sniff

TOGETHER_ROUTE = "/v1/audio/speech"
DEEPINFRA_ROUTE = "/v1/openai/audio/speech"

AUDIO_OUT_TYPES = frozenset({"audio/wav", "audio/mpeg", "audio/ogg", "audio/flac"})
"""What a read-aloud answer may be: WAV, MP3, Ogg or FLAC (kept as the provider gave it)."""


def _params(voice: str | None) -> dict[str, Any]:
    return {"voice": voice} if voice else {}


def hf_body(text: str, voice: str | None) -> dict[str, Any]:
    """``{"inputs", "parameters"}``; hf-inference models take no voice, so none is sent."""
    del voice
    return {"inputs": text, "parameters": {}}


def fal_body(text: str, voice: str | None) -> dict[str, Any]:
    return {"text": text, **_params(voice)}


def replicate_input(text: str, voice: str | None) -> dict[str, Any]:
    """``input`` of the prediction: the HF client renames ``prompt`` to ``text``."""
    return {"text": text, **_params(voice)}


def openai_speech_body(provider_model: str, text: str, voice: str | None) -> dict[str, Any]:
    """Together's and DeepInfra's OpenAI-style body: ``input``, the voice, ``model`` last."""
    return {"input": text, **_params(voice), "model": provider_model}


def route_for(provider: str, provider_model: str) -> str:
    """The path of the request on either base."""
    if provider == "together":
        return TOGETHER_ROUTE
    if provider == "deepinfra":
        return DEEPINFRA_ROUTE
    if provider == "hf-inference":
        return f"/models/{provider_model}"
    return f"/{provider_model}"  # fal-ai


def fal_audio_url(data: Any) -> str:
    """The link in fal's ``{"audio": {"url", "content_type"}}``."""
    audio = data.get("audio") if isinstance(data, dict) else None
    url = audio.get("url") if isinstance(audio, dict) else None
    if not isinstance(url, str) or not url:
        raise bad_response("the answer had no audio")
    return url


def audio_type(content: bytes, declared: str) -> str:
    """The audio type of an answer body: the bytes decide, the header only names it.

    Raises:
        AttemptFailed: (bad response) the body is not WAV, MP3, Ogg or FLAC audio — a JSON
            answer with status 200 included (Together's client treats that as an error too).
    """
    found = sniff(content)
    if found in AUDIO_OUT_TYPES:
        return found
    if declared.startswith("application/json") or content[:1] in (b"{", b"["):
        raise bad_response("the answer was JSON, not audio")
    if not content:
        raise bad_response("the answer was empty")
    raise bad_response(f"the answer was not audio Switchboard can play ({declared or 'unknown'})")
