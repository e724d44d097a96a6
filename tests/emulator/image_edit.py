"""What the emulator needs for "change a picture", "animate a picture" and styles (LoRA).

* Models: a FLUX.1 Kontext model (image-to-image on fal's queue, Replicate, Together with
  ``image_url``, hf-inference), an image-to-image model Together serves with
  ``reference_images``, and a Wan image-to-video model (fal queue, Together ``/v2/videos``).
* Adapters on the Hub: repos tagged ``base_model:adapter:<base>`` with card data (trigger word
  ``instance_prompt``, example titles in ``widget``) and a ``.safetensors`` sibling, as the Hub
  describes LoRA repos; plus one adapter of another base, for the "not an adapter of this
  model" refusal.
* Checks every provider route runs on the start picture: it must be an inline picture (a
  ``data:image/…;base64,`` URL, or base64 for hf-inference) that really decodes; fal's
  ``loras`` must name a weights URL on the Hub with a numeric ``scale``.
* :func:`changed_picture` draws a result that depends on the source, prompt and seed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
from typing import Any

from PIL import Image

from .jobs import WAN_T2V
from .media import picture
from .state import State

KONTEXT = "black-forest-labs/FLUX.1-Kontext-dev"
SDXL_REFINER = "stabilityai/stable-diffusion-xl-refiner-1.0"
WAN_I2V = "Wan-AI/Wan2.1-I2V-14B-720P"
FLUX_DEV = "black-forest-labs/FLUX.1-schnell"
"""The base model the adapters below are for (the emulator's text-to-image model)."""

I2I = "image-to-image"
I2V = "image-to-video"

STYLE_FROSTING = "alvdansen/frosting-lane-flux"
STYLE_INK = "someone/ink-wash-flux"
STYLE_SDXL = "nerijs/pixel-art-xl"
"""An adapter of SDXL, not of FLUX: choosing it for FLUX must be refused."""
STYLE_KONTEXT = "owner/kontext-watercolor"
STYLE_WAN = "owner/wan-paper-cut"
STYLE_WAN_T2V = "owner/wan-t2v-claymation"

_DATA_URL = re.compile(r"^data:(image/[a-z0-9.+-]+);base64,(.+)$", re.S)
_WEIGHTS_URL = re.compile(r"^https://huggingface\.co/[^/]+/[^/]+/resolve/main/.+\.safetensors$")


def _entry(provider_id: str, task: str) -> dict[str, Any]:
    return {"providerId": provider_id, "task": task, "status": "live"}


CREATIVE_MODELS: list[tuple[str, dict[str, dict[str, Any]], str]] = [
    (
        KONTEXT,
        {
            "fal-ai": _entry("fal-ai/flux-kontext/dev", I2I),
            "replicate": _entry("black-forest-labs/flux-kontext-dev", I2I),
            "together": _entry("black-forest-labs/FLUX.1-kontext-dev", I2I),
            "hf-inference": _entry(KONTEXT, I2I),
        },
        I2I,
    ),
    (SDXL_REFINER, {"together": _entry("stabilityai/sdxl-refiner", I2I)}, I2I),
    (
        WAN_I2V,
        {
            "fal-ai": _entry("fal-ai/wan-i2v", I2V),
            "together": _entry("Wan-AI/Wan2.1-I2V-14B-720P", I2V),
        },
        I2V,
    ),
]


def _adapter(base: str, trigger: str | None, examples: list[str], file: str) -> dict[str, Any]:
    card: dict[str, Any] = {"base_model": base, "tags": ["lora", "text-to-image"]}
    if trigger:
        card["instance_prompt"] = trigger
    if examples:
        card["widget"] = [
            {"text": t, "output": {"url": f"images/{i}.png"}} for i, t in enumerate(examples)
        ]
    return {
        "tags": ["lora", "diffusers", "text-to-image", f"base_model:adapter:{base}"],
        "meta": {
            "cardData": card,
            "siblings": [{"rfilename": "README.md"}, {"rfilename": file}],
            "downloads": 1000,
        },
    }


ADAPTERS: dict[str, dict[str, Any]] = {
    STYLE_FROSTING: _adapter(
        FLUX_DEV,
        "frstingln illustration",
        ["a frosted cake shop"],
        "frosting_lane_flux.safetensors",
    ),
    STYLE_INK: _adapter(FLUX_DEV, None, [], "ink_wash.safetensors"),
    STYLE_SDXL: _adapter(
        "stabilityai/stable-diffusion-xl-base-1.0", "pixel art", [], "pixel.safetensors"
    ),
    STYLE_KONTEXT: _adapter(KONTEXT, "wtrclr", ["a watercolor street"], "watercolor.safetensors"),
    STYLE_WAN: _adapter(WAN_I2V, "paper cut", [], "paper_cut.safetensors"),
    STYLE_WAN_T2V: _adapter(WAN_T2V, "claymation", [], "lora/clay.safetensors"),
}


def seed_creative(state: State) -> None:
    for hf_id, mapping, task in CREATIVE_MODELS:
        state.add_model(hf_id, mapping, pipeline_tag=task, tags=[task, "diffusers"])
    for repo, spec in ADAPTERS.items():
        state.add_model(
            repo, {}, pipeline_tag="text-to-image", tags=spec["tags"], meta=spec["meta"]
        )


def inline_picture(value: Any) -> bytes | None:
    """The picture of a ``data:image/…;base64,`` URL, only when it really decodes."""
    if not isinstance(value, str):
        return None
    match = _DATA_URL.match(value)
    if match is None:
        return None
    return decodes(match.group(2))


def decodes(encoded: Any) -> bytes | None:
    """Base64 ``encoded`` as picture bytes when they open as a picture, else None."""
    if not isinstance(encoded, str):
        return None
    try:
        data = base64.b64decode(encoded, validate=True)
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except (binascii.Error, ValueError, OSError):
        return None
    return data


def loras_problem(loras: Any, *, weights_urls: bool = True) -> str | None:
    """Why a ``loras`` field is wrong (fal: weights URLs; WaveSpeed: repo names), else None."""
    if loras is None:
        return None
    if not isinstance(loras, list) or not loras:
        return "loras must be a non-empty list"
    for item in loras:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            return "each lora needs a path"
        if weights_urls and not _WEIGHTS_URL.match(item["path"]):
            return f"lora path {item['path']!r} is not a weights URL"
        scale = item.get("scale")
        if not isinstance(scale, int | float) or isinstance(scale, bool):
            return "each lora needs a numeric scale"
    return None


def changed_picture(source: bytes, prompt: str, seed: Any, fmt: str = "PNG") -> bytes:
    """A result that depends on the start picture as well as the prompt and seed."""
    with Image.open(io.BytesIO(source)) as img:
        width, height = img.size
    digest = hashlib.sha256(source).hexdigest()[:12]
    return picture(
        f"{prompt}|{digest}", seed if isinstance(seed, int) else None, width, height, fmt
    )
