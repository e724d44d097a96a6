"""fal's queue (providers.md §4.10.1), routed (``?_subdomain=queue``) and direct.

* ``POST /{router|direct}/fal-ai/{providerId}`` submits and answers ``request_id`` with
  ``response_url``/``status_url``/``cancel_url`` on **fal's own host** and with fal's *app id*
  (the first two segments of the providerId), exactly as the real router relays them. A client
  that polls ``response_url`` as given, or builds URLs from the providerId, fails here
  (pitfall #19); one that rebuilds them from the path of ``response_url`` on its base works.
* ``GET …/{app}/requests/{id}/status`` → ``IN_QUEUE`` (with ``queue_position``),
  ``IN_PROGRESS``, ``COMPLETED``; ``GET …/requests/{id}`` → ``{"video": {"url"}}`` or, for a
  failed job, 500 with fal's ``detail``; ``PUT …/requests/{id}/cancel`` → 202 / 400.
* Routed calls must keep ``?_subdomain=queue`` on every call.

The submit path is shared with fal's synchronous API, whose routes (:mod:`.fal`) own the POST
and hand queue submits here through ``app[FAL_QUEUE]``: routed ones by ``?_subdomain=queue``,
direct ones (one override URL serves both of fal's hosts) by the providerId's task.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .fal import FAL_QUEUE
from .faults import early
from .image_edit import changed_picture, inline_picture, loras_problem
from .jobs import (
    QUEUE_TASKS,
    EmuJob,
    JobRoutes,
    answer_headers,
    denied,
    media_url,
    poll_fault_response,
    serves,
)
from .media import host_for
from .wire import RECORD, json_response

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

FAL_QUEUE_HOST = "https://queue.fal.run"
PROVIDER = "fal-ai"


def app_id(provider_model: str) -> str:
    """fal's app id: the owner and app name, without the endpoint path that may follow."""
    return "/".join(provider_model.split("/")[:2])


def _headers(request: web.Request, routed: bool) -> dict[str, str]:
    return answer_headers(request, routed, PROVIDER, "x-fal-request-id")


class FalQueueRoutes(JobRoutes):
    """The queue routes of fal, on the router and on the direct base."""

    def add_to(self, app: web.Application) -> None:
        app[FAL_QUEUE] = self.submit
        for top, routed in (("router", True), ("direct", False)):
            base = f"/{top}/fal-ai"
            app.router.add_get(base + "/{app:.+}/requests/{rid}/status", self._status(routed))
            app.router.add_put(base + "/{app:.+}/requests/{rid}/cancel", self._cancel(routed))
            app.router.add_get(base + "/{app:.+}/requests/{rid}", self._result(routed))

    # -- submit -----------------------------------------------------------------------------

    async def submit(self, request: web.Request) -> web.StreamResponse:
        """``POST …/fal-ai/{providerId}`` (handed over by the synchronous API's route)."""
        routed = request.path.startswith("/router/")
        pid = request.match_info.get("app_id") or request.match_info.get("pid", "")
        headers = _headers(request, routed)
        refusal = denied(self.state, request, PROVIDER, routed, headers)
        if refusal is not None:
            return refusal
        if routed and not serves(self.state, PROVIDER, pid, QUEUE_TASKS):
            return json_response(
                400, {"error": f"Model not supported by provider {PROVIDER}"}, headers
            )
        body = request[RECORD].json
        if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
            return json_response(
                422,
                {
                    "detail": [
                        {
                            "loc": ["body", "prompt"],
                            "msg": "field required",
                            "type": "value_error.missing",
                        }
                    ]
                },
                headers,
            )
        problem = self._input_problem(pid, body)
        if problem is not None:
            return json_response(422, {"detail": problem}, headers)
        fault = self.state.take_fault(PROVIDER)
        faulty = await early(request, self.stop, fault, pid, headers)
        if faulty is not None:
            return faulty
        job = self.book.create(PROVIDER, pid, routed=routed, body=body, app_id=app_id(pid))
        root = f"{FAL_QUEUE_HOST}/{job.app_id}/requests/{job.id}"
        return json_response(
            200,
            {
                "request_id": job.id,
                "status": "IN_QUEUE",
                "response_url": root,
                "status_url": root + "/status",
                "cancel_url": root + "/cancel",
                "queue_position": job.position,
            },
            headers,
        )

    def _task(self, pid: str) -> str:
        for model in self.state.models():
            entry = model.mapping.get(PROVIDER)
            if entry is not None and entry.get("providerId") == pid:
                return str(entry.get("task", ""))
        return ""

    def _input_problem(self, pid: str, body: dict[str, Any]) -> str | None:
        """fal's own input checks for pictures (§4.6) and styles (§3.3)."""
        task = self._task(pid)
        needs_picture = task in ("image-to-image", "image-to-video")
        if needs_picture and inline_picture(body.get("image_url")) is None:
            return "image_url: could not load the image"
        if task == "image-to-image":
            urls = body.get("image_urls")
            if not isinstance(urls, list) or inline_picture(urls[0] if urls else None) is None:
                return "image_urls: could not load the image"
        return loras_problem(body.get("loras"))

    # -- job calls --------------------------------------------------------------------------

    def _find(
        self, request: web.Request, routed: bool, headers: dict[str, str]
    ) -> tuple[EmuJob | None, web.Response | None]:
        refusal = denied(self.state, request, PROVIDER, routed, headers)
        if refusal is not None:
            return None, refusal
        if routed and request.query.get("_subdomain") != "queue":
            # Without the queue subdomain the router sends the call to fal's synchronous
            # host, which knows nothing of queued requests.
            return None, json_response(404, {"detail": "Not Found"}, headers)
        job = self.book.get(request.match_info["rid"])
        if job is None or job.app_id != request.match_info["app"]:
            return None, json_response(404, {"detail": "Request not found"}, headers)
        return job, None

    def _status(self, routed: bool) -> Handler:
        async def status(request: web.Request) -> web.StreamResponse:
            headers = _headers(request, routed)
            job, refusal = self._find(request, routed, headers)
            if refusal is not None or job is None:
                return refusal or json_response(404, {"detail": "Request not found"})
            faulty = poll_fault_response(self.book, PROVIDER, headers)
            if faulty is not None:
                return faulty
            job = self.book.poll(job.id)
            assert job is not None
            body: dict[str, Any] = {"request_id": job.id}
            if job.phase == "queued":
                body |= {"status": "IN_QUEUE", "queue_position": job.position}
            elif job.phase == "running":
                body |= {"status": "IN_PROGRESS", "logs": [{"message": "Generating frames"}]}
            else:
                body |= {"status": "COMPLETED", "logs": [], "metrics": {"inference_time": 1.5}}
            root = f"{FAL_QUEUE_HOST}/{job.app_id}/requests/{job.id}"
            body["response_url"] = root
            return json_response(200, body, headers)

        return status

    def _result(self, routed: bool) -> Handler:
        async def result(request: web.Request) -> web.StreamResponse:
            headers = _headers(request, routed)
            job, refusal = self._find(request, routed, headers)
            if refusal is not None or job is None:
                return refusal or json_response(404, {"detail": "Request not found"})
            if job.phase == "succeeded" and self._task(job.provider_model) == "image-to-image":
                source = inline_picture(job.body.get("image_url")) or b""
                data = changed_picture(source, job.body["prompt"], job.body.get("seed"))
                url = host_for(self.state).publish(request, data, "image/png", ".png")
                return json_response(
                    200,
                    {
                        "images": [{"url": url, "content_type": "image/png"}],
                        "seed": 42,
                        "has_nsfw_concepts": [False],
                        "prompt": job.body["prompt"],
                    },
                    headers,
                )
            if job.phase == "succeeded":
                url = media_url(self.state, self.book, request)
                return json_response(
                    200,
                    {
                        "video": {
                            "url": url,
                            "content_type": "video/mp4",
                            "file_name": "output.mp4",
                        },
                        "seed": 42,
                    },
                    headers,
                )
            if job.phase == "failed":
                return json_response(500, {"detail": job.plan.error}, headers)
            if job.phase == "cancelled":
                return json_response(400, {"detail": "Request was cancelled"}, headers)
            return json_response(400, {"detail": "Request is still in progress"}, headers)

        return result

    def _cancel(self, routed: bool) -> Handler:
        async def cancel(request: web.Request) -> web.StreamResponse:
            headers = _headers(request, routed)
            job, refusal = self._find(request, routed, headers)
            if refusal is not None or job is None:
                return refusal or json_response(404, {"detail": "Request not found"})
            if self.book.cancel(job.id) == "already":
                return json_response(400, {"status": "ALREADY_COMPLETED"}, headers)
            return json_response(202, {"status": "CANCELLATION_REQUESTED"}, headers)

        return cancel
