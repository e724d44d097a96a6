"""Novita's asynchronous task API for video (providers.md §4.5, the [JS] row).

``POST /{router|direct}/novita/v3/async/{providerId}`` takes ``{…, "steps", "prompt"}`` (the
Hugging Face name ``num_inference_steps`` is refused, as a strict API would) and answers
``{"task_id"}``. ``GET …/v3/async/task-result?task_id=`` answers ``{"task": {"status", …},
"videos": [{"video_url"}]}`` with ``TASK_STATUS_QUEUED`` / ``PROCESSING`` / ``SUCCEED`` /
``FAILED``. There is no cancel call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .faults import early
from .jobs import (
    VIDEO_TASK,
    EmuJob,
    JobRoutes,
    answer_headers,
    denied,
    media_url,
    serves,
)
from .wire import RECORD, json_response

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PROVIDER = "novita"
_STATUS = {
    "queued": "TASK_STATUS_QUEUED",
    "running": "TASK_STATUS_PROCESSING",
    "succeeded": "TASK_STATUS_SUCCEED",
    "failed": "TASK_STATUS_FAILED",
    "cancelled": "TASK_STATUS_FAILED",
}


def _headers(request: web.Request, routed: bool) -> dict[str, str]:
    return answer_headers(request, routed, PROVIDER, "x-request-id", "novita-")


def _error(status: int, reason: str, message: str, headers: dict[str, str]) -> web.Response:
    return json_response(
        status, {"code": status, "reason": reason, "message": message, "metadata": {}}, headers
    )


class NovitaTaskRoutes(JobRoutes):
    """``/v3/async/{providerId}`` and ``/v3/async/task-result`` on the router and direct."""

    provider = PROVIDER

    def add_to(self, app: web.Application) -> None:
        for top, routed in (("router", True), ("direct", False)):
            base = f"/{top}/novita/v3/async"
            app.router.add_get(base + "/task-result", self._result(routed))
            app.router.add_post(base + "/{pid:.+}", self._submit(routed))

    def _submit(self, routed: bool) -> Handler:
        async def submit(request: web.Request) -> web.StreamResponse:
            headers = _headers(request, routed)
            refusal = denied(self.state, request, PROVIDER, routed, headers)
            if refusal is not None:
                return refusal
            pid = request.match_info["pid"]
            if routed and not serves(self.state, PROVIDER, pid, frozenset({VIDEO_TASK})):
                return json_response(
                    400, {"error": f"Model not supported by provider {PROVIDER}"}, headers
                )
            body = request[RECORD].json
            if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
                return _error(400, "INVALID_REQUEST_BODY", "prompt is required", headers)
            if "num_inference_steps" in body:
                return _error(
                    400,
                    "INVALID_REQUEST_BODY",
                    "unknown field num_inference_steps (use steps)",
                    headers,
                )
            fault = self.state.take_fault(PROVIDER)
            faulty = await early(request, self.stop, fault, pid, headers)
            if faulty is not None:
                return faulty
            job = self.book.create(PROVIDER, pid, routed=routed, body=body)
            return json_response(200, {"task_id": job.id}, headers)

        return submit

    def _result(self, routed: bool) -> Handler:
        async def result(request: web.Request) -> web.StreamResponse:
            headers = _headers(request, routed)
            task_id = request.query.get("task_id", "")
            job = self.look(
                request,
                routed,
                task_id,
                headers,
                _error(404, "TASK_NOT_FOUND", "task not found", headers),
            )
            if not isinstance(job, EmuJob):
                return job
            task: dict[str, Any] = {
                "task_id": job.id,
                "task_type": "TXT_TO_VIDEO",
                "status": _STATUS[job.phase],
                "reason": "",
                "eta": 0,
                "progress_percent": 100
                if job.phase == "succeeded"
                else (50 if job.phase == "running" else 0),
            }
            videos: list[dict[str, Any]] = []
            if job.phase == "failed":
                task["reason"] = job.plan.error
            if job.phase == "succeeded":
                url = media_url(self.state, self.book, request)
                videos = [{"video_url": url, "video_url_ttl": "3600", "video_type": "mp4"}]
            return json_response(
                200, {"task": task, "images": [], "videos": videos, "extra": {}}, headers
            )

        return result
