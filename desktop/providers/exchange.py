"""One HTTP exchange of a non-streaming task, with every failure turned into a ``Failure``.

Images, speech, embeddings and job APIs all do the same thing: send one request, read a capped
body, and either hand the body to a parser or say *why* it failed in the engine's vocabulary
(routing.md §5.3). Doing it once here means every provider module only builds requests and
parses answers, and an attempt function only has to catch :class:`AttemptFailed`.

Nothing here adds a credential: the caller passes the headers it means to send, so a media
download (``media_fetch``) and an API call can share this code without a token ever reaching
a media host.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

from desktop.core.classify import Failure, classify_body, clean
from desktop.core.trace import Outcome
from desktop.providers.connect_errors import connect_cause

MAX_ERROR_BODY = 64 * 1024
"""Bytes of an error answer worth reading: enough for any message, never a flood."""

MAX_JSON_BODY = 64 * 1024 * 1024
"""A JSON answer (base64 images included) larger than this is not a plausible result."""


class AttemptFailed(Exception):
    """An exchange failed; ``failure`` says how, in the engine's outcome classes.

    Raised by every provider helper and caught once per task, by the attempt skeleton
    (:func:`desktop.engine.attempts.attempt_result`, or the chat attempt in
    :mod:`desktop.engine.chat`), which records it in the trace. ``mid_answer`` is what a person
    reads if this happens after part of a streamed answer was shown (the partial answer is
    kept); only streamed chat can fail there.

    It is internal control flow between the wire and the engine, never shown as it is, so it
    does not derive from :class:`desktop.core.errors.SwitchboardError`: the engine turns the
    ``failure`` it carries into the person's sentence (:func:`desktop.core.classify.sentence`).
    """

    def __init__(
        self,
        failure: Failure,
        *,
        request_id: str | None = None,
        served_by: str | None = None,
        mid_answer: str = "",
    ) -> None:
        super().__init__(failure.detail or failure.outcome)
        self.failure = failure
        self.request_id = request_id
        self.served_by = served_by
        self.mid_answer = mid_answer


def bad_response(detail: str) -> AttemptFailed:
    """The provider answered 2xx but with something that is not a usable result."""
    return AttemptFailed(Failure(Outcome.BAD_RESPONSE, detail))


@dataclass
class Answer:
    """A successful (2xx) answer, body read in full."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    url: str = ""
    request_id: str | None = None
    served_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased (``image/png``); "" when absent."""
        return media_type(self.headers.get("content-type", ""))

    def json(self) -> Any:
        """The body as JSON, or :class:`AttemptFailed` (``bad_response``) when it is not."""
        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise bad_response("the answer was not valid JSON") from exc


def media_type(value: str) -> str:
    """``"image/png; charset=x"`` → ``"image/png"``."""
    return value.split(";", 1)[0].strip().lower()


def describe_error(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def transport_failure(exc: httpx2.HTTPError, secrets: Iterable[str] = ()) -> AttemptFailed:
    """A connection-level error: refused/reset counts as unreachable, a socket timeout as one.

    A connection that could not even be opened says why (``Failure.network``), so a route
    that failed only that way can be recognised as the user's machine being offline."""
    text = clean(describe_error(exc), secrets)
    if isinstance(exc, httpx2.TimeoutException):
        return AttemptFailed(Failure(Outcome.TIMEOUT, text))
    return AttemptFailed(Failure(Outcome.CONNECT_ERROR, text, network=connect_cause(exc)))


async def read_capped(response: httpx2.Response, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past ``limit`` bytes (the rest is not read)."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    raw = bytearray()
    async for piece in response.aiter_bytes():
        raw += piece
        if len(raw) > limit:
            return None
    return bytes(raw)


async def error_failure(response: httpx2.Response, secrets: Iterable[str] = ()) -> Failure:
    """Classify an HTTP error answer from its status, headers and (first 64 KB of) body."""
    raw = bytearray()
    async for piece in response.aiter_bytes():
        raw += piece
        if len(raw) > MAX_ERROR_BODY:
            break
    text = raw.decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        parsed = text.strip()
    failure = classify_body(response.status_code, parsed, response.headers)
    failure.detail = clean(failure.detail, secrets)
    return failure


async def exchange(
    client: httpx2.AsyncClient,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    json_body: Any = None,
    content: bytes | None = None,
    secrets: Iterable[str] = (),
    max_bytes: int = MAX_JSON_BODY,
) -> Answer:
    """Send one request and return the 2xx answer, or raise :class:`AttemptFailed`.

    A JSON body is serialised here (``json_body``); raw bytes go as ``content``. The caller's
    ``asyncio`` deadline bounds the whole exchange; socket timeouts are only the client's
    backstop. A redirect is a bad answer: API calls never follow one (a redirect could carry
    the credential to another host).
    """
    secrets = list(secrets)
    body = json.dumps(json_body).encode() if json_body is not None else content
    try:
        async with client.stream(method, url, content=body, headers=dict(headers)) as response:
            request_id = response.headers.get("x-request-id")
            served_by = response.headers.get("x-inference-provider")
            if response.status_code >= 400:
                failure = await error_failure(response, secrets)
                raise AttemptFailed(failure, request_id=request_id, served_by=served_by)
            if response.status_code >= 300:
                failure = Failure(
                    Outcome.BAD_RESPONSE,
                    f"unexpected redirect ({response.status_code})",
                    response.status_code,
                )
                raise AttemptFailed(failure, request_id=request_id, served_by=served_by)
            data = await read_capped(response, max_bytes)
            if data is None:
                raise AttemptFailed(
                    Failure(
                        Outcome.BAD_RESPONSE, f"the answer is larger than {max_bytes >> 20} MB"
                    ),
                    request_id=request_id,
                    served_by=served_by,
                )
            return Answer(
                status_code=response.status_code,
                headers=response.headers,
                content=data,
                url=url,
                request_id=request_id,
                served_by=served_by,
            )
    except httpx2.HTTPError as exc:
        raise transport_failure(exc, secrets) from exc
