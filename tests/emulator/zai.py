"""Z.ai's asynchronous pictures (providers.md §4.4, §4.10.5), routed and direct.

* ``POST /{router|direct}/zai-org/api/paas/v4/async/images/generations`` takes ``{"model":
  providerId, "prompt", "size": "WxH"?, …}`` and answers ``{"id", "task_status":
  "PROCESSING", "model", "request_id"}``. A body without ``model``/``prompt``, a ``model`` that
  is not a text-to-image providerId, or a ``size`` that is not ``WxH`` is refused with Z.ai's
  error shape ``{"error": {"code", "message"}}``.
* ``GET …/api/paas/v4/async-result/{id}`` answers ``PROCESSING`` while the job is queued or
  running, then ``SUCCESS`` with ``image_result: [{"url"}]`` (a real PNG of the asked size on the
  emulator's media host) or ``FAIL``.

Job lives and faults come from the shared :class:`~tests.emulator.jobs.JobBook` (Z.ai counts
both queued and running polls as ``PROCESSING``). Every request is recorded with its headers, so
tests can check the ``accept-language`` and ``x-source-channel`` the HF client adds.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .faults import early
from .jobs import EmuJob, JobRoutes, answer_headers, denied, serves
from .media import host_for, picture
from .wire import RECORD, json_response

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PROVIDER = "zai-org"
SUBMIT = "/api/paas/v4/async/images/generations"
RESULT = "/api/paas/v4/async-result/{job_id}"
_SIZE = re.compile(r"^(\d{2,4})x(\d{2,4})$")
_STATUS = {"queued": "PROCESSING", "running": "PROCESSING", "succeeded": "SUCCESS"}


def _headers(request: web.Request, routed: bool) -> dict[str, str]:
    return answer_headers(request, routed, PROVIDER, "x-request-id")


def _refused(code: str, message: str, headers: dict[str, str], status: int = 400) -> web.Response:
    return json_response(status, {"error": {"code": code, "message": message}}, headers)


class ZaiRoutes(JobRoutes):
    provider = PROVIDER

    def add_to(self, app: web.Application) -> None:
        for top, routed in (("router", True), ("direct", False)):
            base = f"/{top}/{PROVIDER}"
            app.router.add_post(base + SUBMIT, self._submit(routed))
            app.router.add_get(base + RESULT, self._result(routed))

    def _submit(self, routed: bool) -> Handler:
        async def submit(request: web.Request) -> web.StreamResponse:
            headers = _headers(request, routed)
            refusal = denied(self.state, request, PROVIDER, routed, headers)
            if refusal is not None:
                return refusal
            body = request[RECORD].json
            if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
                return _refused("1214", "The prompt parameter is required.", headers)
            pid = body.get("model")
            if not isinstance(pid, str) or not serves(
                self.state, PROVIDER, pid, frozenset({"text-to-image"})
            ):
                if routed:
                    return json_response(
                        400, {"error": f"Model not supported by provider {PROVIDER}"}, headers
                    )
                return _refused("1211", "Unknown Model, please check the model code.", headers)
            size = body.get("size")
            if size is not None and (not isinstance(size, str) or not _SIZE.match(size)):
                return _refused("1214", "size must be written as WIDTHxHEIGHT.", headers)
            fault = self.state.take_fault(PROVIDER)
            faulty = await early(request, self.stop, fault, pid, headers)
            if faulty is not None:
                return faulty
            job = self.book.create(PROVIDER, pid, routed=routed, body=body, app_id="text-to-image")
            answer = {
                "id": job.id,
                "request_id": secrets.token_hex(8),
                "model": pid,
                "task_status": "PROCESSING",
            }
            return json_response(200, answer, headers)

        return submit

    def _result(self, routed: bool) -> Handler:
        async def result(request: web.Request) -> web.StreamResponse:
            headers = _headers(request, routed)
            job_id = request.match_info["job_id"]
            job = self.look(
                request,
                routed,
                job_id,
                headers,
                _refused("1210", "The task does not exist.", headers, 404),
            )
            if not isinstance(job, EmuJob):
                return job
            answer: dict[str, Any] = {
                "id": job.id,
                "model": job.provider_model,
                "request_id": secrets.token_hex(8),
                "task_status": _STATUS.get(job.phase, "FAIL"),
            }
            if job.phase == "succeeded":
                answer["image_result"] = [{"url": self._publish(request, job.body)}]
            return json_response(200, answer, headers)

        return result

    def _publish(self, request: web.Request, body: dict[str, Any]) -> str:
        width = height = None
        match = _SIZE.match(str(body.get("size", "")))
        if match:
            width, height = int(match.group(1)), int(match.group(2))
        data = picture(body["prompt"], body.get("seed"), width, height)
        return host_for(self.state).publish(request, data, "image/png", ".png")
