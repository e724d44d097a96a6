"""Replicate predictions: submit with ``Prefer: wait``, poll ``urls.get`` to a terminal state.

providers.md §4.10.2. One ``POST`` creates a prediction; with ``Prefer: wait`` Replicate holds
the connection up to ~60 s and usually answers ``201`` with the output already there, but it
may answer ``202``/``201`` with ``"status": "starting"`` and ``"output": null``. Neither HF
client polls then (they raise "timed out", §8 #17); we do: ``GET urls.get`` with backoff until
``succeeded``, ``failed`` or ``canceled``, bounded by the caller's deadline (an asyncio timeout
around :func:`wait`). An accepted prediction is never submitted again; on a user cancel or a
deadline the caller should :func:`cancel` it so it stops billing.

``urls.get``/``urls.cancel`` name ``api.replicate.com`` even when the prediction was created
through the HF router, where the HF token would be refused. So :func:`same_origin` keeps only
their *path* and puts it on the base the prediction was created on (router or direct), like
the WaveSpeed helper of the HF client does (§4.10.4). That also guarantees the credential only
ever goes to the host it was meant for.

Public API (stable; text-to-image, speech-to-text and text-to-video use it):

* :func:`predictions_route`, :func:`request_body`, :func:`request_headers` — building the call;
* :func:`submit` → :class:`Prediction`; :func:`wait` (polls; ``on_update`` hears each state);
  :func:`cancel`; :func:`check_succeeded` (failed/canceled → :class:`AttemptFailed`);
* :class:`PollBackoff` — the poll schedule (tests make it fast);
* :func:`output_urls` and :func:`transcript_output` — the several shapes of ``output``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

from desktop.core.classify import Failure, clean
from desktop.core.table import join_url
from desktop.core.trace import Outcome
from desktop.providers.exchange import AttemptFailed, bad_response, exchange

TERMINAL_STATUSES = frozenset({"succeeded", "failed", "canceled"})
PENDING_STATUSES = frozenset({"starting", "processing"})

_POLICY_RE = re.compile(r"nsfw|safety|content polic|flagged|sensitive", re.I)


def predictions_route(provider_model: str) -> str:
    """``/v1/models/{owner}/{name}/predictions``; ``/v1/predictions`` when a version is pinned
    (``owner/name:<version>``)."""
    if ":" in provider_model:
        return "/v1/predictions"
    return f"/v1/models/{provider_model}/predictions"


def request_body(provider_model: str, model_input: Mapping[str, Any]) -> dict[str, Any]:
    """``{"input": {...}}`` (None values dropped) plus ``"version"`` when the id pins one."""
    body: dict[str, Any] = {"input": {k: v for k, v in model_input.items() if v is not None}}
    if ":" in provider_model:
        body["version"] = provider_model.split(":", 1)[1]
    return body


def request_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The candidate's headers plus ``prefer: wait`` (hold the connection until done, ≤ 60 s)."""
    return {**headers, "prefer": "wait"}


@dataclass
class Prediction:
    """The parts of a prediction object we use; ``raw`` keeps the rest."""

    id: str
    status: str
    output: Any = None
    error: str | None = None
    get_url: str | None = None
    cancel_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def finished(self) -> bool:
        """Succeeded, or still "processing" with the output already filled (the recorded
        ``201`` of §4.10.2 looks exactly like that); failed/canceled are finished too."""
        return self.terminal or (self.status in PENDING_STATUSES and self.output is not None)


def parse_prediction(data: Any) -> Prediction:
    """A prediction from JSON, or :class:`AttemptFailed` (``bad_response``) when it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        raise bad_response("the answer was not a Replicate prediction")
    raw_urls = data.get("urls")
    urls: dict[str, Any] = raw_urls if isinstance(raw_urls, dict) else {}
    error = data.get("error")
    return Prediction(
        id=str(data.get("id") or ""),
        status=data["status"],
        output=data.get("output"),
        error=None if error is None else str(error),
        get_url=urls.get("get") if isinstance(urls.get("get"), str) else None,
        cancel_url=urls.get("cancel") if isinstance(urls.get("cancel"), str) else None,
        raw=data,
    )


def same_origin(base: str, url: str) -> str:
    """``url``'s path (and query) on ``base``: ``https://api.replicate.com/v1/predictions/x``
    on ``…/router/replicate`` gives ``…/router/replicate/v1/predictions/x``."""
    parsed = httpx2.URL(url)
    path = parsed.path
    query = parsed.query.decode() if parsed.query else ""
    return join_url(base, path) + (f"?{query}" if query else "")


@dataclass(frozen=True)
class PollBackoff:
    """Seconds between polls: ``first_s``, growing by ``factor`` up to ``max_s``."""

    first_s: float = 0.5
    factor: float = 1.5
    max_s: float = 5.0

    def delays(self) -> Iterable[float]:
        delay = self.first_s
        while True:
            yield delay
            delay = min(self.max_s, delay * self.factor)


def _reclassify(exc: AttemptFailed) -> AttemptFailed:
    """Replicate's 422 problem+json is *its* input schema: another provider may take it."""
    if exc.failure.status_code == 422 and exc.failure.outcome == Outcome.INVALID_REQUEST:
        exc.failure.outcome = Outcome.REJECTED
    return exc


def _prediction_url(base: str, given: str | None, prediction_id: str, suffix: str = "") -> str:
    """The URL Replicate gave (``urls.get``/``urls.cancel``) moved onto ``base``, else the
    documented ``/v1/predictions/{id}{suffix}`` there."""
    if given:
        return same_origin(base, given)
    return join_url(base, f"/v1/predictions/{prediction_id}{suffix}")


async def submit(
    client: httpx2.AsyncClient,
    base: str,
    provider_model: str,
    model_input: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    secrets: Iterable[str] = (),
    encoded: bytes | None = None,
) -> Prediction:
    """Create a prediction (``Prefer: wait``); the answer may already be finished.

    ``headers`` are the candidate's own (auth included). ``encoded``, when given, is the
    JSON of :func:`request_body` already serialised (big inputs such as audio data URLs are
    encoded off the event loop by the caller); ``model_input`` is ignored then. Raises
    :class:`AttemptFailed`; a ``422`` is classified ``rejected`` (fail over), not
    ``invalid_request``.
    """
    url = join_url(base, predictions_route(provider_model))
    json_body = request_body(provider_model, model_input) if encoded is None else None
    try:
        answer = await exchange(
            client,
            "POST",
            url,
            headers=request_headers(headers),
            json_body=json_body,
            content=encoded,
            secrets=secrets,
        )
    except AttemptFailed as exc:
        raise _reclassify(exc) from exc
    prediction = parse_prediction(answer.json())
    prediction.raw.setdefault("_request_id", answer.request_id)
    return prediction


async def poll_once(
    client: httpx2.AsyncClient,
    prediction: Prediction,
    *,
    base: str,
    headers: Mapping[str, str],
    secrets: Iterable[str] = (),
) -> Prediction:
    """One ``GET urls.get`` (on ``base``, see :func:`same_origin`)."""
    if not prediction.get_url and not prediction.id:
        raise bad_response("the prediction has no address to ask for its status")
    url = _prediction_url(base, prediction.get_url, prediction.id)
    get_headers = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "prefer")}
    answer = await exchange(client, "GET", url, headers=get_headers, secrets=secrets)
    return parse_prediction(answer.json())


async def wait(
    client: httpx2.AsyncClient,
    prediction: Prediction,
    *,
    base: str,
    headers: Mapping[str, str],
    backoff: PollBackoff = PollBackoff(),
    secrets: Iterable[str] = (),
    on_update: Callable[[Prediction], None] | None = None,
) -> Prediction:
    """Poll until the prediction is :attr:`Prediction.finished`; returns the last state.

    Never returns early and never resubmits: bound it with the caller's own deadline
    (``asyncio.timeout_at``) and :func:`cancel` on timeout. A failed poll (network, 5xx)
    raises :class:`AttemptFailed` — the job is still running then, so cancel it too.
    """
    current = prediction
    delays = iter(backoff.delays())
    while not current.finished:
        await asyncio.sleep(next(delays))
        current = await poll_once(client, current, base=base, headers=headers, secrets=secrets)
        if on_update is not None:
            on_update(current)
    return current


async def cancel(
    client: httpx2.AsyncClient,
    prediction: Prediction,
    *,
    base: str,
    headers: Mapping[str, str],
    timeout_s: float = 5.0,
) -> bool:
    """Ask Replicate to stop the prediction (best effort, never raises); True when it agreed.

    Safe to call from a cancelled task: it runs shielded, bounded by ``timeout_s``.
    """
    if prediction.terminal or (not prediction.cancel_url and not prediction.id):
        return False
    url = _prediction_url(base, prediction.cancel_url, prediction.id, "/cancel")
    post_headers = {k: v for k, v in headers.items() if k.lower() != "prefer"}

    async def call() -> bool:
        async with asyncio.timeout(timeout_s):
            response = await client.post(url, headers=post_headers)
            return response.status_code < 400

    task = asyncio.ensure_future(call())
    _BACKGROUND.add(task)
    task.add_done_callback(_forget)
    try:
        # Shielded: if our caller is cancelled meanwhile, the cancel request still goes out.
        return await asyncio.shield(task)
    except (httpx2.HTTPError, TimeoutError):
        return False


_BACKGROUND: set[asyncio.Future[bool]] = set()
"""Cancel requests still running after their caller went away (kept from garbage collection)."""


def _forget(task: asyncio.Future[bool]) -> None:
    _BACKGROUND.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so a late failure is not reported as "never retrieved"


def check_succeeded(prediction: Prediction, secrets: Iterable[str] = ()) -> None:
    """Raise :class:`AttemptFailed` for a ``failed``/``canceled`` prediction.

    A failed job is the provider's failure (``server_error``, fail over), unless its error
    reads like a safety refusal (``content_policy``: no other provider should be shopped).
    """
    if prediction.status == "failed":
        detail = clean(prediction.error or "the prediction failed", secrets)
        outcome = Outcome.CONTENT_POLICY if _POLICY_RE.search(detail) else Outcome.SERVER_ERROR
        raise AttemptFailed(Failure(outcome, f"job failed: {detail}"))
    if prediction.status == "canceled":
        raise AttemptFailed(Failure(Outcome.SERVER_ERROR, "the job was cancelled at Replicate"))
    if prediction.output is None:
        raise bad_response("the prediction finished without an output")


def output_urls(output: Any) -> list[str]:
    """Every URL in ``output``: a string, a list of strings, or a dict of them (first level)."""
    if isinstance(output, str):
        return [output]
    if isinstance(output, list):
        return [item for item in output if isinstance(item, str)]
    if isinstance(output, dict):
        urls: list[str] = []
        for value in output.values():
            if isinstance(value, str) and value.startswith(("http://", "https://", "data:")):
                urls.append(value)
            elif isinstance(value, list):
                urls += [v for v in value if isinstance(v, str)]
        return urls
    return []


@dataclass
class TranscriptOutput:
    """What a speech model's ``output`` holds: text (or a link to it) and timed segments."""

    text: str | None = None
    txt_file: str | None = None
    segments: list[dict[str, Any]] = field(default_factory=list)


def transcript_output(output: Any) -> TranscriptOutput:
    """``output`` as a string, a list of strings (joined), or a dict with ``transcription``,
    ``translation``, ``text`` or a ``txt_file`` link, plus ``segments``/``chunks`` if any."""
    if isinstance(output, str):
        return TranscriptOutput(text=output)
    if isinstance(output, list):
        parts = [p for p in output if isinstance(p, str)]
        return TranscriptOutput(text="".join(parts) if parts else None)
    if not isinstance(output, dict):
        return TranscriptOutput()
    text = None
    for key in ("transcription", "translation", "text"):
        if isinstance(output.get(key), str):
            text = output[key]
            break
    txt_file = output.get("txt_file") if isinstance(output.get("txt_file"), str) else None
    segments = output.get("segments") or output.get("chunks") or []
    return TranscriptOutput(
        text=text,
        txt_file=txt_file,
        segments=[s for s in segments if isinstance(s, dict)] if isinstance(segments, list) else [],
    )
