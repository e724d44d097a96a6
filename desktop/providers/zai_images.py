"""Z.ai pictures: an asynchronous generation, then its result until it ends.

Wire facts (providers.md §4.4 and §4.10.5, HF's ``zai_org`` provider module):

* Submit ``POST {base}/api/paas/v4/async/images/generations`` with ``{"model": providerId,
  "prompt", "size": "WxH"?, …the other parameters}`` (width and height become ``size`` only
  when both are given). Headers add ``accept-language: en-US,en`` and ``x-source-channel:
  hugging_face`` (see :data:`desktop.core.table.ProviderSpec.extra_headers`).
* The answer is ``{"id", "task_status": "PROCESSING", "model"}``; ``FAIL`` there is a refusal
  and ``SUCCESS`` already holds the result.
* Poll ``GET {base}/api/paas/v4/async-result/{id}`` on the same base (the router's
  ``…/zai-org`` or ``https://api.z.ai``): the first look at once, then every 5 s, at most 60
  looks. ``SUCCESS`` carries ``image_result: [{"url"}]``; ``FAIL`` ends it; anything else is
  still running.
* The picture is downloaded from that link without credentials, its HTTP status checked
  (:func:`desktop.providers.media_fetch.fetch_media`). Z.ai documents no cancel call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.core.table import join_url
from desktop.providers.exchange import bad_response
from desktop.providers.job_wire import (
    FAILED,
    RUNNING,
    SUCCEEDED,
    JobState,
    JobTarget,
    JobTicket,
    PostedJobs,
    accepted_id,
)

KIND = "zai-images"
SUBMIT_ROUTE = "/api/paas/v4/async/images/generations"
RESULT_ROUTE = "/api/paas/v4/async-result/{id}"
POLL_INTERVAL_S = 5.0
MAX_POLLS = 60


def build_body(provider_model: str, prompt: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"model", "prompt", "size"?, …rest}`` as HF's client sends it; unset values dropped."""
    rest = {k: v for k, v in params.items() if v is not None}
    width, height = rest.pop("width", None), rest.pop("height", None)
    body: dict[str, Any] = {"model": provider_model, "prompt": prompt}
    if width is not None and height is not None:
        body["size"] = f"{width}x{height}"
    body.update(rest)
    return body


def _picture_url(answer: Mapping[str, Any]) -> str:
    results = answer.get("image_result")
    first = results[0] if isinstance(results, list) and results else None
    url = first.get("url") if isinstance(first, dict) else None
    if not isinstance(url, str) or not url:
        raise bad_response("Z.ai's finished picture held no link")
    return url


def parse_state(answer: Any) -> JobState:
    """One look: ``SUCCESS`` with its link, ``FAIL``, or still running."""
    if not isinstance(answer, dict):
        raise bad_response("Z.ai's answer was not a JSON object")
    status = answer.get("task_status")
    if status == "SUCCESS":
        return JobState(SUCCEEDED, media_url=_picture_url(answer))
    if status == "FAIL":
        return JobState(FAILED, error="Z.ai could not make the picture")
    return JobState(RUNNING)


def parse_submit(submit: str, base: str, answer: Any) -> JobTicket:
    job_id = accepted_id(answer, "id", "Z.ai", "task id")
    state = parse_state(answer)
    return JobTicket(
        kind=KIND,
        provider_job_id=job_id,
        submit_url=submit,
        status_url=join_url(base, RESULT_ROUTE.format(id=job_id)),
        api_base=base,
        status=state.status,
        media_url=state.media_url,
        error=state.error,
    )


class ZaiImageJobs(PostedJobs):
    """Z.ai's asynchronous pictures, followed within one attempt like WaveSpeed's."""

    kind = KIND
    min_interval_s = POLL_INTERVAL_S
    max_polls: int | None = MAX_POLLS

    def submit_url(self, target: JobTarget) -> str:
        return join_url(target.base, SUBMIT_ROUTE)

    def read_submit(self, submit_url: str, base: str, answer: Any) -> JobTicket:
        return parse_submit(submit_url, base, answer)

    def read_state(self, answer: Any) -> JobState:
        return parse_state(answer)
