"""fal-ai's synchronous API (``fal.run``): text-to-image and speech-to-text (providers.md
§4.4, §4.7). The queue API (``queue.fal.run``) used for video is a separate flow.

Routes: ``/{providerId}`` on either base (routed: ``…/fal-ai/fal-ai/flux/dev``, the doubled
``fal-ai`` is right). Direct calls authenticate with ``Authorization: Key <fal key>``; the
candidate already carries that scheme.

* text-to-image: ``{"prompt", ...params}``, ``width``+``height`` → ``"image_size":
  {"width", "height"}`` → ``{"images": [{"url", …}], "seed", …}``; the image is then fetched
  without credentials (``media_fetch``).
* speech-to-text: ``{"audio_url": "data:<label>;base64,…"}`` where the label must be one fal
  can map to a file extension (:func:`desktop.providers.mime.fal_audio_label`), or fal answers
  ``400 {"detail": "Unsupported data URL"}`` → ``{"text", "chunks": [{"timestamp", "text"}]}``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from desktop.core.media_types import TranscriptChunk
from desktop.providers.exchange import bad_response
from desktop.providers.mime import fal_audio_label
from desktop.providers.speech_wire import transcript_from


def route(provider_model: str) -> str:
    return f"/{provider_model}"


LORA_APP = "fal-ai/lora"
LORA_APP_BASE = "stabilityai/stable-diffusion-xl-base-1.0"
"""fal's generic LoRA app needs to be told its base model, or it answers 422 ``model_name``
missing (providers.md §3.3); the HF clients always name SDXL base 1.0."""


def t2i_body(prompt: str, params: Mapping[str, Any], provider_model: str = "") -> dict[str, Any]:
    """The prompt first, then HF's parameters; width and height travel as ``image_size``;
    on :data:`LORA_APP` the base model goes as ``model_name``."""
    body: dict[str, Any] = {"prompt": prompt, **{k: v for k, v in params.items() if v is not None}}
    if "width" in body and "height" in body:
        body["image_size"] = {"width": body.pop("width"), "height": body.pop("height")}
    if provider_model == LORA_APP:
        body["model_name"] = LORA_APP_BASE
    return body


def parse_t2i(data: Any) -> tuple[str, int | None]:
    """The first image's URL and the seed fal reports (when it does)."""
    images = data.get("images") if isinstance(data, dict) else None
    first = images[0] if isinstance(images, list) and images else None
    url = first.get("url") if isinstance(first, dict) else None
    if not isinstance(url, str) or not url:
        raise bad_response("the answer had no image")
    seed = data.get("seed") if isinstance(data, dict) else None
    return url, seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def audio_data_url(audio: bytes, mime: str) -> str:
    """``data:<fal label>;base64,<audio>``."""
    return f"data:{fal_audio_label(mime)};base64,{base64.b64encode(audio).decode('ascii')}"


def asr_body(audio: bytes, mime: str) -> dict[str, Any]:
    return {"audio_url": audio_data_url(audio, mime)}


def parse_asr(data: Any) -> tuple[str, list[TranscriptChunk]]:
    return transcript_from(data)
