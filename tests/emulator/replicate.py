"""Replicate predictions for every task: pictures, transcripts, videos, speech (§4.10.2).

Routes (routed under ``/router/replicate``, direct under ``/direct/replicate``):

* ``POST /v1/models/{owner}/{name}/predictions`` and ``POST /v1/predictions`` (``version``);
* ``GET /v1/predictions/{id}`` (what ``urls.get`` points at) and
  ``POST /v1/predictions/{id}/cancel``.

The model decides the output: its mapping entry's ``task`` (``text-to-image`` → a list with
one picture link, ``text-to-video`` → one MP4 link, ``text-to-speech`` → one WAV link,
``automatic-speech-recognition`` → a transcript). For speech the entry may carry an
emulator-only ``"output"`` key choosing the shape (:data:`ASR_SHAPES`); the Hub never shows it.
A video model therefore needs nothing but a mapping entry with ``"task": "text-to-video"``.

Flows: with ``Prefer: wait`` the answer is ``201`` with ``"status": "processing"`` and the
output already filled, as recorded; without it, ``201`` ``starting`` and one poll. Faults on
``"replicate"`` (taken by the create call only): ``job_pending`` (``202 starting``, then
``polls`` GETs ``processing`` before ``succeeded``; ``polls=None`` never finishes),
``job_failed`` / ``job_canceled`` (after ``polls`` GETs, 0 = in the create answer),
``corrupt`` (half a picture), and ``status`` (a ``422`` without ``body`` is the problem+json
validation error). A missing required input is a real ``422`` too. ``urls`` name
``api.replicate.com`` as the real service does; clients must keep only the path.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .faults import Fault, early
from .image_edit import changed_picture, inline_picture
from .media import corrupt, host_for, mp4_bytes, picture
from .speech import whisper_segments
from .task_common import TaskRoutes
from .tts import spoken
from .wire import RECORD, json_response

PROVIDER = "replicate"
PUBLIC_API = "https://api.replicate.com"

ASR_SHAPES = ("transcription", "string", "list", "txt_file")
"""``transcription``: Whisper's dict (``transcription``, ``segments``, ``txt_file`` …);
``string``: the text; ``list``: the text in pieces; ``txt_file``: only a link to the text."""

REQUIRED = {
    "text-to-image": "prompt",
    "text-to-video": "prompt",
    "automatic-speech-recognition": "audio",
    "text-to-speech": "text",
    "image-to-image": "image",
}


def problem(detail_field: str, description: str) -> dict[str, Any]:
    """Replicate's 422 body (``application/problem+json``)."""
    return {
        "detail": f"- input: {description}\n",
        "status": 422,
        "title": "Input validation failed",
        "invalid_fields": [{"type": "required", "field": detail_field, "description": description}],
    }


def problem_response(body: dict[str, Any], headers: dict[str, str]) -> web.Response:
    return web.Response(
        status=422,
        body=json.dumps(body).encode(),
        content_type="application/problem+json",
        headers=headers,
    )


@dataclass
class Job:
    """One prediction: where it is, and how it will end."""

    body: dict[str, Any]
    provider_id: str
    output: Any
    status: str = "starting"
    final: str = "succeeded"
    polls_left: int | None = 1  # GETs before ``final``; None: never
    error: str | None = None

    @property
    def terminal(self) -> bool:
        return self.status in ("succeeded", "failed", "canceled")

    def poll(self) -> None:
        if self.terminal or self.polls_left is None:
            self.status = self.status if self.terminal else "processing"
            return
        self.polls_left -= 1
        self.status = self.final if self.polls_left <= 0 else "processing"


class ReplicateRoutes(TaskRoutes):
    """Predictions kept in memory, per emulator."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self.jobs: dict[str, Job] = {}

    def add_to(self, app: web.Application) -> None:
        for top in ("router", "direct"):
            base = f"/{top}/replicate/v1"
            app.router.add_post(base + "/models/{owner}/{name}/predictions", self.create)
            app.router.add_post(base + "/predictions", self.create)
            app.router.add_get(base + "/predictions/{id}", self.get)
            app.router.add_post(base + "/predictions/{id}/cancel", self.cancel)

    # -- create -------------------------------------------------------------------------------

    def _model(self, request: web.Request, body: dict[str, Any]) -> tuple[str | None, str]:
        """(providerId, task) of the call; providerId None when nothing matches."""
        owner, name = request.match_info.get("owner"), request.match_info.get("name")
        model_input = body.get("input") if isinstance(body.get("input"), dict) else {}
        guess = "automatic-speech-recognition" if "audio" in model_input else "text-to-image"
        if owner and name:
            provider_id = f"{owner}/{name}"
        else:
            version = body.get("version")
            if not isinstance(version, str):
                return None, guess
            provider_id = next(
                (
                    e["providerId"]
                    for m in self.state.models()
                    if (e := m.mapping.get(PROVIDER)) is not None
                    and str(e.get("providerId", "")).endswith(":" + version)
                ),
                version,
            )
        served = self.served(PROVIDER, provider_id)
        return (provider_id if served else None), (served.task if served else guess)

    async def create(self, request: web.Request) -> web.StreamResponse:
        gate = self.gate(request, PROVIDER)
        if gate.denied is not None:
            return gate.denied
        body = request[RECORD].json
        if not isinstance(body, dict):
            return problem_response(problem("input", "input is required"), gate.headers)
        provider_id, task = self._model(request, body)
        if provider_id is None and gate.routed:
            return self.not_supported(PROVIDER, gate.headers)
        model_input = body.get("input")
        required = REQUIRED.get(task, "prompt")
        if not isinstance(model_input, dict) or not isinstance(model_input.get(required), str):
            return problem_response(problem(required, f"{required} is required"), gate.headers)
        if task == "image-to-image":
            # Models name the picture differently; the HF client sends all four (§4.6).
            for name in ("image", "input_image"):
                if inline_picture(model_input.get(name)) is None:
                    return problem_response(
                        problem(name, f"{name} is not a valid image"), gate.headers
                    )
            if not isinstance(model_input.get("prompt"), str):
                return problem_response(problem("prompt", "prompt is required"), gate.headers)
        lora = model_input.get("lora_weights")
        if lora is not None and not (
            isinstance(lora, str) and lora.startswith("https://huggingface.co/")
        ):
            return problem_response(
                problem("lora_weights", "lora_weights must be a Hugging Face URL"), gate.headers
            )
        fault = self.state.take_fault(PROVIDER)
        if (
            fault is not None
            and fault.kind == "status"
            and int(fault.params["status"]) == 422
            and "body" not in fault.params
        ):
            return problem_response(problem(required, f"{required} is not valid"), gate.headers)
        faulty = await early(request, self.stop, fault, provider_id, gate.headers)
        if faulty is not None:
            return faulty
        output = self._output(request, task, provider_id or "", model_input, fault)
        job = Job(body=body, provider_id=provider_id or "", output=output)
        waited = request.headers.get("Prefer", "").lower().startswith("wait")
        recorded_shape = self._plan(job, fault, waited)
        job_id = secrets.token_hex(13)
        with self._lock:
            self.jobs[job_id] = job
            public = self._public(job_id, job)
        if recorded_shape:  # 201, still "processing", output already filled (as recorded)
            public["status"], public["output"] = "processing", job.output
        status = 202 if public["status"] == "starting" and waited else 201
        return json_response(status, public, gate.headers)

    @staticmethod
    def _plan(job: Job, fault: Fault | None, waited: bool) -> bool:
        """Set how the job goes; True when the create answer has the recorded shape."""
        kind = fault.kind if fault is not None else None
        if fault is not None and kind in ("job_pending", "job_failed", "job_canceled"):
            polls = fault.params.get("polls", 1)
            job.polls_left = None if polls is None else int(polls)
            job.final = {"job_failed": "failed", "job_canceled": "canceled"}.get(kind, "succeeded")
            if kind == "job_failed":
                job.error = str(fault.params.get("error", "CUDA out of memory"))
            if job.polls_left == 0:
                job.status = job.final
            return False
        if waited:
            job.status, job.polls_left = "succeeded", 0
            return True
        return False

    def _output(
        self,
        request: web.Request,
        task: str,
        provider_id: str,
        model_input: dict[str, Any],
        fault: Fault | None,
    ) -> Any:
        host = host_for(self.state)
        if task == "text-to-image":
            data = picture(
                model_input["prompt"],
                model_input.get("seed"),
                model_input.get("width"),
                model_input.get("height"),
            )
            if fault is not None and fault.kind == "corrupt":
                data = corrupt(data)
            return [host.publish(request, data, "image/png", ".png")]
        if task == "image-to-image":
            source = inline_picture(model_input.get("image")) or b""
            data = changed_picture(source, model_input["prompt"], model_input.get("seed"))
            if fault is not None and fault.kind == "corrupt":
                data = corrupt(data)
            return [host.publish(request, data, "image/png", ".png")]
        if task == "text-to-video":
            return host.publish(request, mp4_bytes(), "video/mp4", ".mp4")
        if task == "text-to-speech":
            return host.publish(request, spoken(str(model_input["text"])), "audio/wav", ".wav")
        audio = self._audio(model_input.get("audio", ""))
        text, segments = whisper_segments(PROVIDER, audio)
        shape = self.entry(PROVIDER, provider_id).get("output", "transcription")
        if shape not in ASR_SHAPES:
            raise ValueError(f"unknown speech output shape {shape!r}; one of {ASR_SHAPES}")
        txt_url = host.publish(request, text.encode(), "text/plain", ".txt")
        if shape == "string":
            return text
        if shape == "list":
            return [text[: len(text) // 2], text[len(text) // 2 :]]
        if shape == "txt_file":
            return {"transcription": None, "txt_file": txt_url, "segments": None}
        return {
            "transcription": text,
            "segments": segments,
            "translation": None,
            "txt_file": txt_url,
            "srt_file": None,
            "detected_language": "english",
        }

    @staticmethod
    def _audio(url: str) -> bytes:
        if url.startswith("data:") and ";base64," in url:
            try:
                return base64.b64decode(url.split(",", 1)[1])
            except (binascii.Error, ValueError):
                return b""
        return b""

    @staticmethod
    def _public(job_id: str, job: Job) -> dict[str, Any]:
        """The prediction object in its current state."""
        version = job.body.get("version") or job.provider_id.partition(":")[2] or None
        return {
            "id": job_id,
            "model": job.provider_id.partition(":")[0],
            "version": version,
            "input": job.body.get("input"),
            "logs": "",
            "output": job.output if job.status == "succeeded" else None,
            "data_removed": False,
            "error": job.error if job.status == "failed" else None,
            "status": job.status,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "urls": {
                "cancel": f"{PUBLIC_API}/v1/predictions/{job_id}/cancel",
                "get": f"{PUBLIC_API}/v1/predictions/{job_id}",
                "stream": f"https://stream.replicate.com/v1/files/{job_id}",
                "web": f"https://replicate.com/p/{job_id}",
            },
        }

    # -- poll and cancel -----------------------------------------------------------------------

    def release(self) -> int:
        """Let every held prediction (``job_pending`` with ``polls=None``) succeed at its
        next look; returns how many there were."""
        with self._lock:
            held = [j for j in self.jobs.values() if not j.terminal and j.polls_left is None]
            for job in held:
                job.polls_left = 1
            return len(held)

    def _job(self, request: web.Request) -> tuple[str, Job | None]:
        job_id = request.match_info["id"]
        with self._lock:
            return job_id, self.jobs.get(job_id)

    async def get(self, request: web.Request) -> web.StreamResponse:
        gate = self.gate(request, PROVIDER)
        if gate.denied is not None:
            return gate.denied
        job_id, job = self._job(request)
        if job is None:
            return json_response(404, {"detail": "Not found.", "status": 404}, gate.headers)
        with self._lock:
            job.poll()
            public = self._public(job_id, job)
        return json_response(200, public, gate.headers)

    async def cancel(self, request: web.Request) -> web.StreamResponse:
        gate = self.gate(request, PROVIDER)
        if gate.denied is not None:
            return gate.denied
        job_id, job = self._job(request)
        if job is None:
            return json_response(404, {"detail": "Not found.", "status": 404}, gate.headers)
        with self._lock:
            if not job.terminal:
                job.status = "canceled"
            public = self._public(job_id, job)
        return json_response(200, public, gate.headers)
