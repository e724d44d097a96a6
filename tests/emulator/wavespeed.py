"""WaveSpeed's prediction API (providers.md §4.10.4), routed and direct.

* ``POST /{router|direct}/wavespeed/api/v3/{providerId}`` answers ``{"code": 200, "message":
  "success", "data": {"id", "status": "created", "urls": {"get": <WaveSpeed's own host>…}}}``.
  A client that polls that URL as given (sending the HF token to WaveSpeed's host) fails here;
  one that keeps its path on its own base works.
* ``GET …/api/v3/predictions/{id}/result`` → ``created`` / ``processing`` / ``completed`` (with
  ``outputs``: a picture for image tasks, the sample MP4 for video tasks) / ``failed``.
* Start pictures (image-to-image, image-to-video) must be an inline ``image`` that decodes;
  ``loras`` must be ``[{"path": <repo>, "scale"}]``.

Job lives and faults come from the shared :class:`~tests.emulator.jobs.JobBook`. The provider
exists only where the provider table has it (``desktop.core.table.PROVIDERS``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .faults import early
from .image_edit import changed_picture, inline_picture, loras_problem
from .jobs import EmuJob, JobRoutes, answer_headers, denied, media_url
from .media import host_for, picture
from .wire import RECORD, json_response

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PROVIDER = "wavespeed"
PUBLIC_API = "https://api.wavespeed.ai"
TASKS = frozenset({"text-to-image", "text-to-video", "image-to-image", "image-to-video"})
_STATUS = {"queued": "created", "running": "processing", "succeeded": "completed"}


def _headers(request: web.Request, routed: bool) -> dict[str, str]:
    return answer_headers(request, routed, PROVIDER, "x-request-id")


def _refused(message: str, headers: dict[str, str], status: int = 400) -> web.Response:
    return json_response(status, {"code": status, "message": message, "data": None}, headers)


class WaveSpeedRoutes(JobRoutes):
    provider = PROVIDER

    def add_to(self, app: web.Application) -> None:
        for top, routed in (("router", True), ("direct", False)):
            base = f"/{top}/wavespeed/api/v3"
            app.router.add_get(base + "/predictions/{job_id}/result", self._result(routed))
            app.router.add_post(base + "/{pid:.+}", self._submit(routed))

    def _task(self, pid: str) -> str | None:
        for model in self.state.models():
            entry = model.mapping.get(PROVIDER)
            if entry is not None and entry.get("providerId") == pid and entry.get("task") in TASKS:
                return str(entry["task"])
        return None

    def _submit(self, routed: bool) -> Handler:
        async def submit(request: web.Request) -> web.StreamResponse:
            headers = _headers(request, routed)
            refusal = denied(self.state, request, PROVIDER, routed, headers)
            if refusal is not None:
                return refusal
            pid = request.match_info["pid"]
            task = self._task(pid)
            if task is None:
                if routed:
                    return json_response(
                        400, {"error": f"Model not supported by provider {PROVIDER}"}, headers
                    )
                return _refused(f"model {pid} not found", headers, 404)
            body = request[RECORD].json
            if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
                return _refused("prompt is required", headers)
            if task.startswith("image-to-") and inline_picture(body.get("image")) is None:
                return _refused("image is not a valid image", headers)
            problem = loras_problem(body.get("loras"), weights_urls=False)
            if problem is not None:
                return _refused(problem, headers)
            fault = self.state.take_fault(PROVIDER)
            faulty = await early(request, self.stop, fault, pid, headers)
            if faulty is not None:
                return faulty
            job = self.book.create(PROVIDER, pid, routed=routed, body=body, app_id=task)
            return json_response(
                200,
                {
                    "code": 200,
                    "message": "success",
                    "data": {
                        "id": job.id,
                        "model": pid,
                        "status": "created",
                        "urls": {"get": f"{PUBLIC_API}/api/v3/predictions/{job.id}/result"},
                        "outputs": [],
                        "has_nsfw_contents": [],
                        "created_at": "2026-08-20T10:00:00Z",
                        "error": "",
                    },
                },
                headers,
            )

        return submit

    def _result(self, routed: bool) -> Handler:
        async def result(request: web.Request) -> web.StreamResponse:
            headers = _headers(request, routed)
            job_id = request.match_info["job_id"]
            job = self.look(
                request, routed, job_id, headers, _refused("prediction not found", headers, 404)
            )
            if not isinstance(job, EmuJob):
                return job
            data: dict[str, Any] = {
                "id": job.id,
                "model": job.provider_model,
                "status": _STATUS.get(job.phase, "failed"),
                "outputs": [],
                "error": "",
                "timings": {"inference": 2500},
            }
            if job.phase == "succeeded":
                data["outputs"] = [self._output(request, job.app_id, job.body)]
                data["has_nsfw_contents"] = [False]
            elif job.phase in ("failed", "cancelled"):
                data["error"] = job.plan.error
            return json_response(200, {"code": 200, "message": "success", "data": data}, headers)

        return result

    def _output(self, request: web.Request, task: str, body: dict[str, Any]) -> str:
        if task.endswith("-to-video"):
            return media_url(self.state, self.book, request)
        source = inline_picture(body.get("image"))
        data = (
            changed_picture(source, body["prompt"], body.get("seed"))
            if source is not None
            else picture(body["prompt"], body.get("seed"), body.get("width"), body.get("height"))
        )
        return host_for(self.state).publish(request, data, "image/png", ".png")
