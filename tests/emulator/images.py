"""Text-to-image routes with base64 answers: together, nscale and nebius (providers.md §4.4).

``POST /v1/images/generations`` routed (``/router/{p}/…``) and direct (``/direct/{p}/…``;
nebius is direct only, the router no longer serves it). The body is checked the way each API
reads it (``prompt`` required; together wants ``response_format: base64``, nscale and nebius
``b64_json``) and the picture drawn for (prompt, seed, size). A ``corrupt`` fault on the
provider sends half of the picture. :func:`image_answer` also serves hf-inference's raw bytes.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

from aiohttp import web

from .faults import Fault, early, send_json
from .image_edit import changed_picture, inline_picture
from .media import corrupt, picture
from .task_common import TaskRoutes
from .wire import RECORD, json_response

IMAGE_PROVIDERS = ("together", "nscale", "nebius")
FORMATS = {"together": "base64", "nscale": "b64_json", "nebius": "b64_json"}


def size_of(body: dict[str, Any]) -> tuple[Any, Any]:
    """Width and height from ``width``/``height``, ``image_size`` or nscale's ``"WxH"``."""
    size = body.get("size")
    if isinstance(size, str) and "x" in size:
        w, _, h = size.partition("x")
        if w.isdigit() and h.isdigit():
            return int(w), int(h)
    image_size = body.get("image_size")
    if isinstance(image_size, dict):
        return image_size.get("width"), image_size.get("height")
    return body.get("width"), body.get("height")


def image_answer(
    prompt: str, seed: Any, width: Any, height: Any, fault: Fault | None, fmt: str = "PNG"
) -> bytes:
    data = picture(prompt, seed if isinstance(seed, int) else None, width, height, fmt)
    return corrupt(data) if fault is not None and fault.kind == "corrupt" else data


def edit_source(provider: str, model: str, body: dict[str, Any]) -> tuple[bytes | None, str | None]:
    """Together's image-to-image input (§4.6, pitfall #22): FLUX.1 Kontext models read
    ``image_url``, the others ``reference_images``; the picture must really decode."""
    lowered = model.lower()
    if provider == "together" and "kontext" in lowered and "flux.1" in lowered:
        source = inline_picture(body.get("image_url"))
        return source, None if source else "image_url must be an image"
    refs = body.get("reference_images")
    source = inline_picture(refs[0]) if isinstance(refs, list) and refs else None
    return source, None if source else "reference_images must hold an image"


class ImageRoutes(TaskRoutes):
    """``/v1/images/generations`` for the three base64 providers."""

    def add_to(self, app: web.Application) -> None:
        for provider in IMAGE_PROVIDERS:
            handler = self._handler(provider)
            app.router.add_post(f"/router/{provider}/v1/images/generations", handler)
            app.router.add_post(f"/direct/{provider}/v1/images/generations", handler)

    def _handler(self, provider: str) -> Any:
        async def generate(request: web.Request) -> web.StreamResponse:
            gate = self.gate(request, provider)
            if gate.denied is not None:
                return gate.denied
            body = request[RECORD].json
            model = body.get("model") if isinstance(body, dict) else None
            if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
                return json_response(
                    400,
                    {
                        "error": {
                            "message": "prompt is required",
                            "type": "invalid_request_error",
                            "param": "prompt",
                            "code": None,
                        }
                    },
                    gate.headers,
                )
            served = (
                self.served(provider, model, "text-to-image")
                or self.served(provider, model, "image-to-image")
                if isinstance(model, str)
                else None
            )
            if not isinstance(model, str) or (gate.routed and served is None):
                if gate.routed:
                    return self.not_supported(provider, gate.headers)
                return json_response(
                    400,
                    {
                        "error": {
                            "message": "you must provide a model parameter",
                            "type": "invalid_request_error",
                            "param": "model",
                            "code": None,
                        }
                    },
                    gate.headers,
                )
            if body.get("response_format") != FORMATS[provider]:
                return json_response(
                    400,
                    {
                        "error": {
                            "message": f"response_format must be {FORMATS[provider]!r}",
                            "type": "invalid_request_error",
                            "param": "response_format",
                            "code": None,
                        }
                    },
                    gate.headers,
                )
            fault = self.state.take_fault(provider)
            faulty = await early(request, self.stop, fault, model, gate.headers)
            if faulty is not None:
                return faulty
            source: bytes | None = None
            if served is not None and served.task == "image-to-image":
                source, problem = edit_source(provider, model, body)
                if problem is not None:
                    return json_response(
                        400,
                        {
                            "error": {
                                "message": problem,
                                "type": "invalid_request_error",
                                "param": "image_url",
                                "code": None,
                            }
                        },
                        gate.headers,
                    )
            width, height = size_of(body)
            if source is not None:
                data = changed_picture(source, body["prompt"], body.get("seed"), "JPEG")
                if fault is not None and fault.kind == "corrupt":
                    data = corrupt(data)
            else:
                data = image_answer(
                    body["prompt"],
                    body.get("seed"),
                    width,
                    height,
                    fault,
                    "JPEG" if provider == "together" else "PNG",
                )
            item: dict[str, Any] = {"index": 0, "b64_json": base64.b64encode(data).decode()}
            answer: dict[str, Any] = {"data": [item]}
            if provider == "together":
                item["timings"] = {"inference": 0.42}
                answer = {"id": secrets.token_hex(8), "model": model, "object": "list", **answer}
            else:
                answer = {"created": int(time.time()), **answer}
            return await send_json(request, self.stop, answer, gate.headers, fault)

        return generate
