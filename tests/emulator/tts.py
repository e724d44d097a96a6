"""Text-to-speech in each provider's real wire format (providers.md §4.8).

* Together ``POST /v1/audio/speech`` and DeepInfra ``POST /v1/openai/audio/speech``
  (routed and direct): ``{"input", "model", "voice"?}`` → raw audio. Together refuses a
  request without ``voice`` (its voices are model-specific); both refuse an unknown voice of a
  model whose voices are listed (:data:`VOICES`) with their 400 error shape.
* fal's sync route (``fal.py`` hands ``text-to-speech`` here): ``{"text", "voice"?}`` →
  ``{"audio": {"url", "content_type", …}}`` on the media host.
* hf-inference (``hf_tasks.py``): ``{"inputs", "parameters"}`` → raw audio.
* Replicate (``replicate.py``): ``input.text`` → an audio link.

The audio is a real WAV whose length grows with the text (:func:`spoken`), so a test can
tell a long reading from a short one. Faults: the common early ones (status, reset, silent),
``slow_first_token``, and ``corrupt``: a 200 answer whose body is not audio at all.
"""

from __future__ import annotations

from typing import Any, ClassVar

from aiohttp import web

from .faults import Fault, early, pause
from .media import host_for, wav_bytes
from .task_common import TaskRoutes
from .wire import RECORD, json_response

VOICES: dict[str, tuple[str, ...]] = {
    "hexgrad/Kokoro-82M": ("af_heart", "af_bella", "am_adam", "bf_emma", "bm_george"),
}
"""Voices the emulated models accept (by Hub id); other models take any voice."""

SECONDS_PER_CHAR = 0.02
NOT_AUDIO = b'{"status": "ok", "note": "this is not audio"}'


def spoken(text: str) -> bytes:
    """A WAV tone lasting about as long as reading ``text`` would (8 kHz, small)."""
    return wav_bytes(max(0.2, min(20.0, len(text) * SECONDS_PER_CHAR)), rate=8000, freq=330.0)


def voice_problem(hf_id: str, voice: Any) -> str | None:
    """Why ``voice`` is refused for the model, or None."""
    voices = VOICES.get(hf_id)
    if voice is None or voices is None:
        return None
    if not isinstance(voice, str) or voice not in voices:
        return f"Voice {voice!r} is not available for {hf_id}; choose one of {', '.join(voices)}"
    return None


async def audio_answer(
    request: web.Request,
    stop: Any,
    text: str,
    headers: dict[str, str],
    fault: Fault | None,
) -> web.StreamResponse:
    """The raw audio, or its faulty form."""
    delay = float(fault.params.get("delay", 1.0)) if fault is not None else 0.0
    if fault is not None and fault.kind == "slow_first_token" and not await pause(stop, delay):
        return web.Response(status=499)
    if fault is not None and fault.kind == "corrupt":
        return web.Response(status=200, body=NOT_AUDIO, content_type="audio/wav", headers=headers)
    return web.Response(status=200, body=spoken(text), content_type="audio/wav", headers=headers)


def fal_tts_answer(request: web.Request, state: Any, text: str, fault: Fault | None) -> Any:
    """fal's ``{"audio": {"url", …}}`` with the file on the media host."""
    data = NOT_AUDIO if fault is not None and fault.kind == "corrupt" else spoken(text)
    url = host_for(state).publish(request, data, "audio/wav", ".wav")
    return {
        "audio": {
            "url": url,
            "content_type": "audio/wav",
            "file_name": "speech.wav",
            "file_size": len(data),
        }
    }


class SpeechOutRoutes(TaskRoutes):
    """Together's and DeepInfra's OpenAI-style speech routes."""

    ROUTES: ClassVar[dict[str, str]] = {
        "together": "/v1/audio/speech",
        "deepinfra": "/v1/openai/audio/speech",
    }

    def add_to(self, app: web.Application) -> None:
        for provider, route in self.ROUTES.items():
            handler = self._handler(provider)
            app.router.add_post(f"/router/{provider}{route}", handler)
            app.router.add_post(f"/direct/{provider}{route}", handler)

    def _handler(self, provider: str) -> Any:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self.run(request, provider)

        return handle

    @staticmethod
    def _error(provider: str, status: int, message: str, headers: dict[str, str]) -> web.Response:
        if provider == "together":
            body: dict[str, Any] = {
                "error": {"message": message, "type": "invalid_request_error", "code": None}
            }
        else:
            body = {"detail": {"error": message}}
        return json_response(status, body, headers)

    async def run(self, request: web.Request, provider: str) -> web.StreamResponse:
        gate = self.gate(request, provider)
        if gate.denied is not None:
            return gate.denied
        body = request[RECORD].json
        if not isinstance(body, dict) or not isinstance(body.get("input"), str):
            return self._error(provider, 422, "input: field required", gate.headers)
        model = body.get("model")
        served = self.served(provider, str(model), "text-to-speech")
        if served is None:
            if gate.routed:
                return self.not_supported(provider, gate.headers)
            return self._error(provider, 404, f"Model {model} not found", gate.headers)
        if not body["input"].strip():
            return self._error(provider, 400, "input must not be empty", gate.headers)
        if provider == "together" and not body.get("voice"):
            return self._error(provider, 400, "voice is required for this model", gate.headers)
        problem = voice_problem(served.hf_id, body.get("voice"))
        if problem is not None:
            return self._error(provider, 400, problem, gate.headers)
        fault = self.state.take_fault(provider)
        faulty = await early(request, self.stop, fault, str(model), gate.headers)
        if faulty is not None:
            return faulty
        return await audio_answer(request, self.stop, body["input"], gate.headers, fault)
