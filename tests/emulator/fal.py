"""fal's synchronous API (``fal.run``): ``POST /{providerId}``, routed and direct (§4.4, §4.7).

text-to-image answers ``{"images": [{"url", …}], "seed", …}`` with the picture on the media
host; speech-to-text takes ``{"audio_url": "data:<label>;base64,…"}`` and answers
``400 {"detail": "Unsupported data URL"}`` when fal cannot map the label (§8 #23). A
``corrupt`` fault publishes half a picture.

The queue API shares the routed path (``…/fal-ai/{providerId}?_subdomain=queue``): such a
submit is handed to the handler stored in ``app[FAL_QUEUE]`` when another module registers
one, and is a 404 otherwise.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .faults import early, send_json
from .image_edit import loras_problem
from .images import image_answer, size_of
from .jobs import QUEUE_TASKS
from .media import host_for
from .speech import FAL_AUDIO_LABELS, fal_answer
from .task_common import TaskRoutes
from .tts import fal_tts_answer, voice_problem
from .wire import RECORD, json_response

PROVIDER = "fal-ai"
LORA_APP = "fal-ai/lora"
"""fal's generic LoRA app: its body must name the base model (``model_name``), else 422."""

FAL_QUEUE: web.AppKey[Callable[[web.Request], Awaitable[web.StreamResponse]]] = web.AppKey(
    "fal_queue_submit"
)
"""Set by the queue emulation to receive ``?_subdomain=queue`` submits on the routed path."""


def _missing(field: str) -> dict[str, Any]:
    return {
        "detail": [{"loc": ["body", field], "msg": "field required", "type": "value_error.missing"}]
    }


class FalRoutes(TaskRoutes):
    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/router/fal-ai/{app_id:.+}", self.run)
        app.router.add_post("/direct/fal-ai/{app_id:.+}", self.run)

    async def run(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("_subdomain") == "queue":
            queue = request.app.get(FAL_QUEUE)
            if queue is not None:
                return await queue(request)
            return json_response(404, {"detail": "the fal queue is not emulated"}, {})
        gate = self.gate(request, PROVIDER)
        if gate.denied is not None:
            return gate.denied
        app_id = request.match_info["app_id"]
        served = self.served(PROVIDER, app_id)
        if gate.routed and served is None:
            return self.not_supported(PROVIDER, gate.headers)
        queue = request.app.get(FAL_QUEUE)
        if not gate.routed and served is not None and served.task in QUEUE_TASKS and queue:
            # One override URL stands for both fal.run and queue.fal.run: a queue task's
            # direct submit is a queue submit.
            return await queue(request)
        body = request[RECORD].json
        if not isinstance(body, dict):
            return json_response(422, _missing("prompt"), gate.headers)
        task = (
            served.task
            if served is not None
            else (
                "automatic-speech-recognition"
                if "audio_url" in body
                else "text-to-speech"
                if "text" in body and "prompt" not in body
                else "text-to-image"
            )
        )
        if task == "text-to-image":
            return await self._image(request, app_id, body, gate.headers)
        if task == "automatic-speech-recognition":
            return await self._speech(request, app_id, body, gate.headers)
        if task == "text-to-speech":
            hf_id = served.hf_id if served is not None else app_id
            return await self._tts(request, app_id, hf_id, body, gate.headers)
        queue = request.app.get(FAL_QUEUE)
        if queue is not None and not gate.routed:
            # One override URL serves both of fal's hosts: a queue task's submit goes there.
            return await queue(request)
        return json_response(404, {"detail": f"{task} is not served synchronously"}, gate.headers)

    async def _image(
        self, request: web.Request, app_id: str, body: dict[str, Any], headers: dict[str, str]
    ) -> web.StreamResponse:
        if not isinstance(body.get("prompt"), str):
            return json_response(422, _missing("prompt"), headers)
        if app_id == LORA_APP and not isinstance(body.get("model_name"), str):
            return json_response(422, _missing("model_name"), headers)
        lora_problem = loras_problem(body.get("loras"))
        if lora_problem is not None:
            return json_response(422, {"detail": lora_problem}, headers)
        fault = self.state.take_fault(PROVIDER)
        faulty = await early(request, self.stop, fault, app_id, headers)
        if faulty is not None:
            return faulty
        width, height = size_of(body)
        seed = body.get("seed") if isinstance(body.get("seed"), int) else 42
        data = image_answer(body["prompt"], seed, width, height, fault, "JPEG")
        url = host_for(self.state).publish(request, data, "image/jpeg", ".jpg")
        answer = {
            "images": [
                {
                    "url": url,
                    "width": width or 256,
                    "height": height or 256,
                    "content_type": "image/jpeg",
                }
            ],
            "timings": {"inference": 0.31},
            "seed": seed,
            "has_nsfw_concepts": [False],
            "prompt": body["prompt"],
        }
        return await send_json(request, self.stop, answer, headers, fault)

    async def _tts(
        self,
        request: web.Request,
        app_id: str,
        hf_id: str,
        body: dict[str, Any],
        headers: dict[str, str],
    ) -> web.StreamResponse:
        if not isinstance(body.get("text"), str) or not body["text"].strip():
            return json_response(422, _missing("text"), headers)
        problem = voice_problem(hf_id, body.get("voice"))
        if problem is not None:
            return json_response(
                422,
                {"detail": [{"loc": ["body", "voice"], "msg": problem, "type": "value_error"}]},
                headers,
            )
        fault = self.state.take_fault(PROVIDER)
        faulty = await early(request, self.stop, fault, app_id, headers)
        if faulty is not None:
            return faulty
        answer = fal_tts_answer(request, self.state, body["text"], fault)
        return await send_json(request, self.stop, answer, headers, fault)

    async def _speech(
        self, request: web.Request, app_id: str, body: dict[str, Any], headers: dict[str, str]
    ) -> web.StreamResponse:
        audio_url = body.get("audio_url")
        if not isinstance(audio_url, str):
            return json_response(422, _missing("audio_url"), headers)
        if not audio_url.startswith("data:"):
            return json_response(422, {"detail": "only data URLs are emulated"}, headers)
        label, _, payload = audio_url[5:].partition(",")
        mime = label.split(";")[0].lower()
        if mime not in FAL_AUDIO_LABELS or ";base64" not in label:
            return json_response(400, {"detail": "Unsupported data URL"}, headers)
        try:
            audio = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return json_response(400, {"detail": "Unsupported data URL"}, headers)
        fault = self.state.take_fault(PROVIDER)
        faulty = await early(request, self.stop, fault, app_id, headers)
        if faulty is not None:
            return faulty
        return await send_json(request, self.stop, fal_answer(PROVIDER, audio), headers, fault)
