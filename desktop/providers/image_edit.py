"""Image-to-image bodies per provider, and where each provider takes styles (LoRA).

Wire facts (providers.md §4.6, §3.3; pitfalls #20, #22):

* hf-inference: ``POST /models/{id}`` with ``{"inputs": "<base64 picture>", "parameters":
  {"prompt", …}}`` → the picture's bytes.
* fal-ai (queue): ``{"image_url": U, "image_urls": [U], "prompt", …}`` (fal's endpoints
  disagree on the name, so both go), ``width``+``height`` → ``image_size``; the result is
  ``{"images": [{"url"}]}``.
* Replicate: ``input`` carries the picture as ``image``, ``images``, ``input_image`` and
  ``input_images`` (models name it differently), plus the prompt and parameters.
* Together: ``POST /v1/images/generations`` with ``image_url`` for FLUX.1 Kontext models and
  ``reference_images: [U]`` for the others, ``response_format: base64``.

U is a ``data:<mime>;base64,…`` URL: the picture never has to be uploaded anywhere first.

Styles: fal takes ``loras: [{"path": <weights URL>, "scale"}]``; Replicate one
``lora_weights`` (the repo URL) with ``lora_scale``; WaveSpeed ``loras: [{"path": repo,
"scale"}]``. A provider that takes none (or fewer than asked) is refused for this request
with a reason, so failover moves on instead of sending a request that would drop the style.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from desktop.core.classify import Failure
from desktop.core.media_types import LoraChoice, SourceImage
from desktop.core.trace import Outcome
from desktop.providers.exchange import AttemptFailed, bad_response
from desktop.providers.hub_adapters import repo_url, weights_url


def _kept(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def lora_fields(provider: str, loras: Sequence[LoraChoice]) -> dict[str, Any]:
    """The body fields that carry ``loras`` to ``provider`` (top level; Replicate's go in
    ``input``). Raises :class:`AttemptFailed` (``rejected``) when the provider cannot take
    them, so the request moves to the next provider."""
    if not loras:
        return {}
    if provider == "fal-ai":
        return {"loras": [{"path": weights_url(c), "scale": c.weight} for c in loras]}
    if provider == "wavespeed":
        return {"loras": [{"path": c.repo, "scale": c.weight} for c in loras]}
    if provider == "replicate":
        if len(loras) > 1:
            raise AttemptFailed(
                Failure(Outcome.REJECTED, "Replicate takes only one style at a time")
            )
        return {"lora_weights": repo_url(loras[0]), "lora_scale": loras[0].weight}
    raise AttemptFailed(Failure(Outcome.REJECTED, "it does not apply styles (LoRA)"))


def hf_body(source: SourceImage, prompt: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """hf-inference: the picture as base64 ``inputs``, the rest as ``parameters``."""
    parameters = {"prompt": prompt, **_kept(params)}
    if "width" in parameters and "height" in parameters:
        parameters["target_size"] = {
            "width": parameters.pop("width"),
            "height": parameters.pop("height"),
        }
    return {"inputs": source.base64(), "parameters": parameters}


def fal_body(
    source: SourceImage, prompt: str, params: Mapping[str, Any], loras: Sequence[LoraChoice]
) -> dict[str, Any]:
    url = source.data_url()
    body: dict[str, Any] = {"image_url": url, "image_urls": [url], "prompt": prompt}
    body.update(_kept(params))
    if "width" in body and "height" in body:
        body["image_size"] = {"width": body.pop("width"), "height": body.pop("height")}
    body.update(lora_fields("fal-ai", loras))
    return body


def replicate_input(
    source: SourceImage, prompt: str, params: Mapping[str, Any], loras: Sequence[LoraChoice]
) -> dict[str, Any]:
    url = source.data_url()
    return {
        "image": url,
        "images": [url],
        "input_image": url,
        "input_images": [url],
        "prompt": prompt,
        **_kept(params),
        **lora_fields("replicate", loras),
    }


def is_kontext(provider_model: str) -> bool:
    """Together's FLUX.1 Kontext models take ``image_url``; the others ``reference_images``."""
    lowered = provider_model.lower()
    return "kontext" in lowered and "flux.1" in lowered


def together_body(
    source: SourceImage, provider_model: str, prompt: str, params: Mapping[str, Any]
) -> dict[str, Any]:
    p = _kept(params)
    if "num_inference_steps" in p:
        p["steps"] = p.pop("num_inference_steps")
    if "guidance_scale" in p:
        p["guidance"] = p.pop("guidance_scale")
    url = source.data_url()
    picture: dict[str, Any] = (
        {"image_url": url} if is_kontext(provider_model) else {"reference_images": [url]}
    )
    return {"prompt": prompt, **picture, "response_format": "base64", **p, "model": provider_model}


def fal_image_url(result: Any) -> str:
    """``{"images": [{"url"}]}`` (or ``{"image": {"url"}}``): the changed picture's link."""
    if isinstance(result, dict):
        images = result.get("images")
        if isinstance(images, list) and images and isinstance(images[0], dict):
            url = images[0].get("url")
            if isinstance(url, str) and url:
                return url
        image = result.get("image")
        if isinstance(image, dict) and isinstance(image.get("url"), str) and image["url"]:
            return str(image["url"])
    raise bad_response("fal's result held no picture")
