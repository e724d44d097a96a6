"""WaveSpeed's jobs: ``POST /api/v3/{providerId}``, then the prediction's result until it ends.

Wire facts (providers.md §4.4–4.6, §4.10.4):

* Submit ``POST {base}/api/v3/{providerId}`` with ``{"prompt", …params}``; with a start picture
  the body is ``{"image": U, …params, "prompt"}`` (the HF client puts the prompt last), U a
  ``data:<mime>;base64,…`` URL. Styles go as ``loras: [{"path": <repo>, "scale"}]``.
* The answer is ``{"code": 200, "message": "success", "data": {"id", "status": "created",
  "urls": {"get": "https://api.wavespeed.ai/api/v3/predictions/{id}/result"}}}``. The poll URL
  is the **path** of ``data.urls.get`` on our own base (the router's ``…/wavespeed`` or the
  direct host), so the HF token never goes to WaveSpeed's host.
* ``data.status``: ``created``/``processing`` pending, ``completed`` with ``data.outputs[0]``,
  ``failed`` with ``data.error``; anything else is an error, as in the HF client.
* WaveSpeed documents no cancel call: cancelling stops only our side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx2

from desktop.core.media_types import LoraChoice, SourceImage, VideoRequest
from desktop.core.table import join_url
from desktop.providers.exchange import bad_response
from desktop.providers.image_edit import lora_fields
from desktop.providers.job_wire import (
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    JobState,
    JobTarget,
    JobTicket,
    PostedJobs,
    accepted_id,
    video_params,
)

KIND = "wavespeed"

_PENDING = {"created": QUEUED, "processing": RUNNING}


def route(provider_model: str) -> str:
    return f"/api/v3/{provider_model}"


def build_body(
    prompt: str,
    params: Mapping[str, Any],
    source: SourceImage | None = None,
    loras: Sequence[LoraChoice] = (),
) -> dict[str, Any]:
    """``{"prompt", …}``, or ``{"image", …, "prompt"}`` with a start picture."""
    kept = {k: v for k, v in params.items() if v is not None}
    styles = lora_fields("wavespeed", loras)
    if source is None:
        return {"prompt": prompt, **kept, **styles}
    return {"image": source.data_url(), **kept, **styles, "prompt": prompt}


def _data(answer: Any) -> dict[str, Any]:
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        raise bad_response("WaveSpeed's answer had no data")
    return data


def parse_submit(submit: str, base: str, answer: Any) -> JobTicket:
    data = _data(answer)
    job_id = accepted_id(data, "id", "WaveSpeed", "prediction id")
    urls = data.get("urls")
    given = urls.get("get") if isinstance(urls, dict) else None
    path = urlsplit(given).path if isinstance(given, str) and given else ""
    if not path:
        path = f"/api/v3/predictions/{job_id}/result"
    status = data.get("status")
    return JobTicket(
        kind=KIND,
        provider_job_id=job_id,
        submit_url=submit,
        status_url=join_url(base, path),
        api_base=base,
        status=_PENDING.get(status if isinstance(status, str) else "", QUEUED),
    )


def parse_state(answer: Any) -> JobState:
    data = _data(answer)
    status = data.get("status")
    if status in _PENDING:
        return JobState(_PENDING[str(status)])
    if status == "completed":
        outputs = data.get("outputs")
        first = outputs[0] if isinstance(outputs, list) and outputs else None
        if isinstance(first, str) and first:
            return JobState(SUCCEEDED, media_url=first)
        raise bad_response("WaveSpeed's finished prediction held no output")
    if status == "failed":
        error = data.get("error")
        return JobState(FAILED, error=str(error) if error else "the prediction failed")
    return JobState(FAILED, error=f"WaveSpeed reported an unknown status {status!r}")


class WaveSpeedJobs(PostedJobs):
    """WaveSpeed predictions as a :class:`~desktop.providers.job_wire.VideoJobProtocol`
    (also followed within one attempt for pictures)."""

    kind = KIND
    min_interval_s = 0.5  # the HF clients wait 0.5 s before each look
    max_polls: int | None = None

    async def submit(
        self, client: httpx2.AsyncClient, target: JobTarget, request: VideoRequest
    ) -> JobTicket:
        body = build_body(request.prompt, video_params(request), request.source, request.loras)
        return await self.submit_body(client, target, body)

    def submit_url(self, target: JobTarget) -> str:
        return join_url(target.base, route(target.provider_model))

    def read_submit(self, submit_url: str, base: str, answer: Any) -> JobTicket:
        return parse_submit(submit_url, base, answer)

    def read_state(self, answer: Any) -> JobState:
        return parse_state(answer)
