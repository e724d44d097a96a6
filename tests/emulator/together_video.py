"""Together's video jobs (providers.md §4.10.3): ``POST /v2/videos``, ``GET /v2/videos/{id}``.

The body needs ``prompt`` and ``model`` and uses ``steps`` (``num_inference_steps`` is
refused). Pending answers say ``queued`` or ``in_progress`` (or nothing, with the plan's
``no_status``: pitfall #21); the end is ``completed`` with ``outputs.video_url`` or ``failed``
with ``error.message``. There is no cancel call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .faults import early
from .image_edit import inline_picture
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

PROVIDER = "together"
_STATUS = {
    "queued": "queued",
    "running": "in_progress",
    "succeeded": "completed",
    "failed": "failed",
    "cancelled": "cancelled",
}


def _headers(request: web.Request, routed: bool) -> dict[str, str]:
    return answer_headers(request, routed, PROVIDER, "x-request-id", "together-")


def _invalid(message: str, headers: dict[str, str]) -> web.Response:
    return json_response(
        400,
        {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        },
        headers,
    )


class TogetherVideoRoutes(JobRoutes):
    """``/v2/videos`` and ``/v2/videos/{id}`` on the router and direct."""

    provider = PROVIDER

    def add_to(self, app: web.Application) -> None:
        for top, routed in (("router", True), ("direct", False)):
            base = f"/{top}/together/v2/videos"
            app.router.add_post(base, self._submit(routed))
            app.router.add_get(base + "/{job_id}", self._job(routed))

    def _submit(self, routed: bool) -> Handler:
        async def submit(request: web.Request) -> web.StreamResponse:
            headers = _headers(request, routed)
            refusal = denied(self.state, request, PROVIDER, routed, headers)
            if refusal is not None:
                return refusal
            body = request[RECORD].json
            if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
                return _invalid("prompt is required", headers)
            model = body.get("model")
            if not isinstance(model, str) or not model:
                return _invalid("model is required", headers)
            if "num_inference_steps" in body:
                return _invalid("Unknown parameter num_inference_steps; use steps", headers)
            frames = body.get("frame_images")
            if frames is not None and (
                not isinstance(frames, list)
                or not frames
                or not isinstance(frames[0], dict)
                or inline_picture(frames[0].get("input_image")) is None
                or frames[0].get("frame") not in ("first", "last", 0)
            ):
                return _invalid("frame_images[0].input_image must be an image", headers)
            tasks = frozenset({"image-to-video"} if frames is not None else {VIDEO_TASK})
            if routed and not serves(self.state, PROVIDER, model, tasks):
                return json_response(
                    400, {"error": f"Model not supported by provider {PROVIDER}"}, headers
                )
            fault = self.state.take_fault(PROVIDER)
            faulty = await early(request, self.stop, fault, model, headers)
            if faulty is not None:
                return faulty
            job = self.book.create(PROVIDER, model, routed=routed, body=body)
            answer: dict[str, Any] = {"id": f"job-{job.id}"}
            if not job.plan.no_status:
                answer["status"] = "queued"
            return json_response(200, answer, headers)

        return submit

    def _job(self, routed: bool) -> Handler:
        async def job_route(request: web.Request) -> web.StreamResponse:
            headers = _headers(request, routed)
            job_id = request.match_info["job_id"].removeprefix("job-")
            job = self.look(
                request,
                routed,
                job_id,
                headers,
                json_response(404, {"error": {"message": "Job not found"}}, headers),
            )
            if not isinstance(job, EmuJob):
                return job
            body: dict[str, Any] = {
                "id": f"job-{job.id}",
                "model": job.provider_model,
                "object": "video",
            }
            pending = job.phase in ("queued", "running")
            if not (pending and job.plan.no_status):
                body["status"] = _STATUS[job.phase]
            if job.phase == "succeeded":
                url = media_url(self.state, self.book, request)
                body["outputs"] = {"video_url": url, "cost": 0.2}
            if job.phase == "failed":
                body["error"] = {"message": job.plan.error}
            return json_response(200, body, headers)

        return job_route
