"""hf-inference's task API: ``POST /router/hf-inference/models/{id}`` (providers.md §4.4, §4.7).

One route serves every task; like the real service it looks at the model: a text-to-image
model takes ``{"inputs": prompt, "parameters": {...}}`` and answers the raw picture (JPEG, as
in the recordings); a speech model takes the raw audio with its MIME type as
``content-type`` and answers ``{"text"}``. Feature extraction has its own path (see
:mod:`tests.emulator.embeddings`); chat's ``…/v1/chat/completions`` is registered first.
"""

from __future__ import annotations

from aiohttp import web

from .faults import early, send_json
from .image_edit import changed_picture, decodes
from .images import image_answer
from .media import corrupt
from .speech import hf_answer
from .task_common import TaskRoutes
from .tts import audio_answer
from .wire import RECORD, json_response

PROVIDER = "hf-inference"


class HfTaskRoutes(TaskRoutes):
    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/router/hf-inference/models/{model:.+}", self.run)

    async def run(self, request: web.Request) -> web.StreamResponse:
        gate = self.gate(request, PROVIDER)
        if gate.denied is not None:
            return gate.denied
        model = request.match_info["model"]
        served = self.served(PROVIDER, model)
        if served is None:
            return json_response(404, {"error": f"Model {model} does not exist"}, gate.headers)
        record = request[RECORD]
        if served.task == "text-to-image":
            body = record.json
            if not isinstance(body, dict) or not isinstance(body.get("inputs"), str):
                return json_response(
                    400, {"error": "Invalid inputs: expected a prompt"}, gate.headers
                )
            fault = self.state.take_fault(PROVIDER)
            faulty = await early(request, self.stop, fault, model, gate.headers)
            if faulty is not None:
                return faulty
            params = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
            data = image_answer(
                body["inputs"],
                params.get("seed"),
                params.get("width"),
                params.get("height"),
                fault,
                "JPEG",
            )
            return web.Response(
                status=200, body=data, content_type="image/jpeg", headers=gate.headers
            )
        if served.task == "image-to-image":
            # JSON form (§4.6): the picture as base64 ``inputs``, the change in ``parameters``.
            body = record.json
            source = decodes(body.get("inputs")) if isinstance(body, dict) else None
            params = body.get("parameters") if isinstance(body, dict) else None
            if source is None or not isinstance(params, dict):
                return json_response(
                    400, {"error": "Invalid inputs: expected a base64 image"}, gate.headers
                )
            if not isinstance(params.get("prompt"), str):
                return json_response(400, {"error": "prompt is required"}, gate.headers)
            fault = self.state.take_fault(PROVIDER)
            faulty = await early(request, self.stop, fault, model, gate.headers)
            if faulty is not None:
                return faulty
            data = changed_picture(source, params["prompt"], params.get("seed"), "JPEG")
            if fault is not None and fault.kind == "corrupt":
                data = corrupt(data)
            return web.Response(
                status=200, body=data, content_type="image/jpeg", headers=gate.headers
            )
        if served.task == "automatic-speech-recognition":
            content_type = request.headers.get("Content-Type", "")
            if not record.body or not content_type.startswith(("audio/", "video/webm")):
                return json_response(400, {"error": "Malformed soundfile"}, gate.headers)
            fault = self.state.take_fault(PROVIDER)
            faulty = await early(request, self.stop, fault, model, gate.headers)
            if faulty is not None:
                return faulty
            return await send_json(
                request, self.stop, hf_answer(PROVIDER, record.body), gate.headers, fault
            )
        if served.task == "text-to-speech":
            body = record.json
            if not isinstance(body, dict) or not isinstance(body.get("inputs"), str):
                return json_response(400, {"error": "Invalid inputs: expected text"}, gate.headers)
            if not body["inputs"].strip():
                return json_response(400, {"error": "Input text is empty"}, gate.headers)
            fault = self.state.take_fault(PROVIDER)
            faulty = await early(request, self.stop, fault, model, gate.headers)
            if faulty is not None:
                return faulty
            return await audio_answer(request, self.stop, body["inputs"], gate.headers, fault)
        return json_response(400, {"error": f"Task {served.task} is not emulated"}, gate.headers)
