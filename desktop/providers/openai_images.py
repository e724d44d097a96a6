"""``POST /v1/images/generations`` with a base64 answer: together, nscale and nebius.

The three share the route and ``data[0].b64_json`` but not the body (providers.md §4.4 and
Appendix A, after the HF client's helpers):

* together: ``{"prompt", "response_format": "base64", …, "model"}`` with
  ``num_inference_steps`` → ``steps`` and ``guidance_scale`` → ``guidance``;
* nscale: ``{"response_format": "b64_json", "prompt", "model", …}`` with width+height →
  ``"size": "WxH"`` and ``num_inference_steps`` dropped (it has no such knob);
* nebius (direct only): ``{"prompt", …, "response_format": "b64_json", "model"}``, width and
  height as they are, ``guidance_scale`` dropped.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from desktop.providers.exchange import bad_response

ROUTE = "/v1/images/generations"
PROVIDERS = frozenset({"together", "nscale", "nebius"})


def body(
    provider: str, provider_model: str, prompt: str, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The request body for ``provider`` from HF's parameter names (None values dropped)."""
    p = {k: v for k, v in params.items() if v is not None}
    if provider == "together":
        if "num_inference_steps" in p:
            p["steps"] = p.pop("num_inference_steps")
        if "guidance_scale" in p:
            p["guidance"] = p.pop("guidance_scale")
        return {"prompt": prompt, "response_format": "base64", **p, "model": provider_model}
    if provider == "nscale":
        if "width" in p and "height" in p:
            p["size"] = f"{p.pop('width')}x{p.pop('height')}"
        p.pop("num_inference_steps", None)
        p.pop("cfg_scale", None)
        return {"response_format": "b64_json", "prompt": prompt, "model": provider_model, **p}
    if provider == "nebius":
        p.pop("guidance_scale", None)
        return {"prompt": prompt, **p, "response_format": "b64_json", "model": provider_model}
    raise ValueError(f"{provider} has no OpenAI-style image API here")


def parse(data: Any) -> tuple[bytes | None, str | None]:
    """(image bytes, None) from ``data[0].b64_json``, or (None, url) when a link came back."""
    items = data.get("data") if isinstance(data, dict) else None
    first = items[0] if isinstance(items, list) and items else None
    if not isinstance(first, dict):
        raise bad_response("the answer had no image")
    encoded = first.get("b64_json")
    if isinstance(encoded, str) and encoded:
        try:
            return base64.b64decode(encoded, validate=False), None
        except (binascii.Error, ValueError) as exc:
            raise bad_response("the image was not valid base64") from exc
    url = first.get("url")
    if isinstance(url, str) and url:
        return None, url
    raise bad_response("the answer had no image")
