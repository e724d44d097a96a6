"""DeepInfra's OpenAI-style speech-to-text: ``POST /v1/openai/audio/transcriptions``, routed and
direct (providers.md §4.7).

The request must be ``multipart/form-data`` with a ``file`` part (file name ``audio<ext>``,
an audio ``Content-Type``) and ``model`` as the last part; anything else is DeepInfra's 422.
The answer is ``{"text", "segments": [{"start", "end", "text"}]}`` (OpenAI's verbose shape).
"""

from __future__ import annotations

import email
import email.policy
from typing import Any

from aiohttp import web

from .faults import early, send_json
from .speech import heard
from .task_common import TaskRoutes
from .wire import RECORD, json_response

PROVIDER = "deepinfra"
ROUTE = "/v1/openai/audio/transcriptions"


def form_parts(content_type: str, body: bytes) -> list[tuple[str, str | None, str, bytes]]:
    """(name, filename, content type, data) of each part, in order; [] when not multipart."""
    if not content_type.startswith("multipart/form-data"):
        return []
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.HTTP
    )
    if not message.is_multipart():
        return []
    out = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        out.append(
            (str(name), None if filename is None else str(filename), part.get_content_type(), data)
        )
    return out


def _invalid(message: str) -> dict[str, Any]:
    return {"detail": [{"loc": ["body", "file"], "msg": message, "type": "value_error"}]}


class TranscriptionRoutes(TaskRoutes):
    def add_to(self, app: web.Application) -> None:
        app.router.add_post(f"/router/{PROVIDER}{ROUTE}", self.run)
        app.router.add_post(f"/direct/{PROVIDER}{ROUTE}", self.run)

    async def run(self, request: web.Request) -> web.StreamResponse:
        gate = self.gate(request, PROVIDER)
        if gate.denied is not None:
            return gate.denied
        parts = form_parts(request.headers.get("Content-Type", ""), request[RECORD].body)
        if not parts:
            return json_response(422, _invalid("multipart/form-data expected"), gate.headers)
        name, filename, mime, audio = parts[0]
        if name != "file" or not filename or not filename.startswith("audio"):
            return json_response(422, _invalid("field required"), gate.headers)
        if not mime.startswith("audio/") or not audio:
            return json_response(422, _invalid("unsupported audio"), gate.headers)
        last_name, _, _, model = parts[-1]
        if last_name != "model":
            return json_response(422, _invalid("model: field required"), gate.headers)
        provider_model = model.decode()
        if self.served(PROVIDER, provider_model, "automatic-speech-recognition") is None:
            if gate.routed:
                return self.not_supported(PROVIDER, gate.headers)
            return json_response(404, {"detail": f"Model {provider_model} not found"}, gate.headers)
        fault = self.state.take_fault(PROVIDER)
        faulty = await early(request, self.stop, fault, provider_model, gate.headers)
        if faulty is not None:
            return faulty
        text, timed = heard(PROVIDER, audio)
        answer = {
            "text": text,
            "segments": [
                {"id": i, "start": s, "end": e, "text": " " + t}
                for i, (s, e, t) in enumerate(timed)
            ],
            "language": "en",
        }
        return await send_json(request, self.stop, answer, gate.headers, fault)
