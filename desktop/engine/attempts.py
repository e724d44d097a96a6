"""The attempt skeleton of every non-streaming task (images, speech, embeddings).

routing.md §5.4: for these tasks the commit point is a *validated result* — image bytes that
decode, one vector per text of equal length, a transcript. So an attempt is: do the exchange
(and any download or polling it needs), validate, and only then ``ctx.commit()``. Everything
before that may fail over. This module does the common part once: the deadline (asyncio, not
socket timeouts), turning :class:`AttemptFailed` and timeouts into the trace's outcome classes,
and filling the :class:`~desktop.core.trace.AttemptRecord`.

A 400/422 from a media provider is classified ``rejected`` rather than ``invalid_request``:
our parameters are translated per provider, so a refusal speaks about *that* provider's schema
(fal's "Unsupported data URL", a Replicate model without ``negative_prompt``) and the next one
may well take the same request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from random import getrandbits
from typing import Any, Generic, TypeVar

import httpx2

from desktop.core.classify import Failure
from desktop.core.trace import Outcome
from desktop.engine.billing import BILL_TO_HEADER, ROUTED_VIAS
from desktop.engine.candidates import Candidate
from desktop.engine.failover import AttemptContext
from desktop.providers import replicate
from desktop.providers.exchange import Answer, AttemptFailed
from desktop.providers.media_fetch import Fetched, MediaLimits, fetch_media

T = TypeVar("T")


@dataclass
class ResultOutcome(Generic[T]):
    """How one attempt of a result task ended (the failover core reads the first two)."""

    committed: bool = False
    failure: Failure | None = None
    value: T | None = None


class AttemptScope:
    """What the work function may do to its own attempt while it runs."""

    def __init__(self, ctx: AttemptContext, timer: asyncio.Timeout) -> None:
        self.ctx = ctx
        self._timer = timer

    def extend_to_total(self) -> None:
        """A provider accepted a job: from now on only the request's total deadline applies
        (an accepted job is polled, never abandoned at the first-result deadline)."""
        self._timer.reschedule(self.ctx.deadline_at)

    def note_response(self, request_id: str | None, served_by: str | None = None) -> None:
        record = self.ctx.record
        record.request_id = request_id or record.request_id
        record.served_by = served_by or record.served_by


WorkFn = Callable[[AttemptScope], Awaitable[T]]


def uuid4_text() -> str:
    """``str(uuid.uuid4())``, formatted directly (the ``UUID`` object costs more than the
    rest of building the request's headers): random hex with the version nibble ``4`` and
    the RFC 4122 variant (``8``–``b``). A trace id needs to be unique, not secret: the bits
    come from ``random`` (seeded from the system once, reseeded in a forked child), not
    from a system call per request (issue 8)."""
    n = getrandbits(128)
    h = f"{n:032x}"
    # The variant digit from the bits of hex digit 16 (bits 60-63), not by parsing it back.
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[(n >> 60) & 3]}{h[17:20]}-{h[20:]}"


def task_headers(cand: Candidate, **extra: str) -> dict[str, str]:
    """The candidate's headers (auth with its scheme, JSON content type), those of this one
    request (:func:`request_headers`), and ``extra``."""
    headers = cand.headers()
    if cand.via in ROUTED_VIAS:
        headers.update(request_headers(cand))
    if extra:
        headers.update({k.replace("_", "-"): v for k, v in extra.items()})
    return headers


def request_headers(cand: Candidate) -> dict[str, str]:
    """The headers that change from request to request: a routed call gets an
    ``x-amzn-trace-id`` the router echoes in its request id (§2.6) and, when an organisation
    pays, ``X-HF-Bill-To`` (:mod:`desktop.engine.billing`); a direct call, none."""
    if cand.via not in ROUTED_VIAS:
        return {}
    headers = {"x-amzn-trace-id": uuid4_text()}
    if cand.bill_to:
        headers[BILL_TO_HEADER] = cand.bill_to
    return headers


BIG_JSON_BYTES = 256 * 1024
"""Answers larger than this (base64 pictures, thousands of vectors) are parsed off the loop."""


async def answer_json(answer: Answer, executor: Executor | None = None) -> Any:
    """``answer.json()``, in ``executor`` when the body is big enough to hold the loop."""
    if len(answer.content) < BIG_JSON_BYTES:
        return answer.json()
    return await asyncio.get_running_loop().run_in_executor(executor, answer.json)


def _for_media(failure: Failure) -> Failure:
    if failure.outcome == Outcome.INVALID_REQUEST and failure.status_code in (400, 413, 422):
        failure.outcome = Outcome.REJECTED
    return failure


async def attempt_result(ctx: AttemptContext, work: WorkFn[T]) -> ResultOutcome[T]:
    """Run ``work`` (exchange + validation) before the attempt's deadline, then commit.

    ``work`` raises :class:`AttemptFailed` for any failure; ``CancelledError`` (the user, or
    a hedge that lost) propagates after the record is closed.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    record = ctx.record
    out: ResultOutcome[T] = ResultOutcome()
    try:
        async with asyncio.timeout_at(ctx.first_deadline_at) as timer:
            value = await work(AttemptScope(ctx, timer))
    except TimeoutError:
        out.failure = Failure(Outcome.TIMEOUT, "no result before the deadline")
    except AttemptFailed as exc:
        out.failure = _for_media(exc.failure)
        record.request_id = exc.request_id or record.request_id
        record.served_by = exc.served_by or record.served_by
    else:
        if ctx.commit():
            out.committed = True
            out.value = value
    finally:
        record.duration_ms = (loop.time() - start) * 1000
    if out.committed:
        record.outcome = Outcome.OK
        record.status_code = record.status_code or 200
    elif out.failure is not None:
        out.failure.write_to(record)
    return out


async def follow_prediction(
    scope: AttemptScope,
    client: httpx2.AsyncClient,
    prediction: replicate.Prediction,
    *,
    headers: Mapping[str, str],
    secrets: list[str],
    backoff: replicate.PollBackoff,
) -> replicate.Prediction:
    """A just-submitted Replicate prediction, followed to its end within the attempt.

    Once accepted it is polled under the request's total deadline, never submitted again; if
    the attempt fails or is cancelled meanwhile, it is cancelled at Replicate too. Raises
    :class:`AttemptFailed` for a failed or cancelled prediction (see
    :func:`replicate.check_succeeded`).
    """
    base = scope.ctx.candidate.base
    scope.note_response(prediction.raw.get("_request_id"))
    if not prediction.finished:
        scope.extend_to_total()
        try:
            prediction = await replicate.wait(
                client,
                prediction,
                base=base,
                headers=headers,
                backoff=backoff,
                secrets=secrets,
            )
        except (asyncio.CancelledError, AttemptFailed):
            await replicate.cancel(client, prediction, base=base, headers=headers)
            raise
    replicate.check_succeeded(prediction, secrets)
    return prediction


async def run_prediction(
    scope: AttemptScope,
    client: httpx2.AsyncClient,
    model_input: Mapping[str, Any],
    *,
    headers: Mapping[str, str],
    secrets: list[str],
    backoff: replicate.PollBackoff,
    encoded: bytes | None = None,
) -> replicate.Prediction:
    """Submit a Replicate prediction for the attempt's candidate and follow it to its end.

    Every Replicate task (pictures, speech, transcripts) goes through here so the one rule of
    :func:`follow_prediction` holds for all: an accepted prediction is never submitted again.
    """
    cand = scope.ctx.candidate
    prediction = await replicate.submit(
        client,
        cand.base,
        cand.provider_model,
        model_input,
        headers,
        secrets=secrets,
        encoded=encoded,
    )
    return await follow_prediction(
        scope, client, prediction, headers=headers, secrets=secrets, backoff=backoff
    )


async def first_output(
    client: httpx2.AsyncClient,
    prediction: replicate.Prediction,
    limits: MediaLimits,
    what: str,
) -> Fetched:
    """The file behind a finished prediction's first output link (fetched without credentials);
    :class:`AttemptFailed` naming ``what`` ("image", "audio") when it has none."""
    urls = replicate.output_urls(prediction.output)
    if not urls:
        raise AttemptFailed(Failure(Outcome.BAD_RESPONSE, f"the prediction had no {what} link"))
    return await fetch_media(client, urls[0], limits)
