"""One chat attempt on the wire: the POST, the status line, and the answer read as chunks.

Like every other task's wire module, this speaks HTTP and the OpenAI-compatible format and
says *why* an exchange failed in the shared failure vocabulary; the routing rules (the commit
point, the time-to-first-token, idle and total deadlines, failover) stay in the engine, which
reads the chunks :func:`answer_chunks` yields.

Every failure is raised as :class:`AttemptFailed`. Besides its :class:`Failure` (what it means
*before* any text was shown) it carries ``mid_answer``: the sentence a person reads when the same
thing happens *after* text was shown, when the partial answer is kept. The engine alone decides
which of the two applies.

Streams are read as real servers send them (issue 9): the last event is read even without the
blank line that should end it, an answer whose last chunk carries a finish reason is complete
without ``[DONE]``, and once it is complete nothing after it (stray bytes, a broken connection,
an unreadable tail) can turn it into an interrupted one. The event reader is our own for that
reason: a generic one drops an event that the end of the body cuts short.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any

import httpx2

from desktop.core.chat_types import ChatRequest
from desktop.core.classify import Failure, classify_inband, clean
from desktop.core.table import provider_label
from desktop.core.trace import AttemptRecord, Outcome
from desktop.providers.answer_limits import (
    MAX_ANSWER_CHARS,
    TextBudget,
    read_whole_answer,
    too_large,
)
from desktop.providers.connect_errors import connect_cause
from desktop.providers.exchange import AttemptFailed, describe_error, error_failure, media_type
from desktop.providers.openai_chat import Chunk, StreamParser, build_body, parse_completion

MALFORMED_IN_A_ROW = 3
"""Unreadable events in a row that end a stream like a broken connection."""
MAX_EVENT_CHARS = 4 * 1024 * 1024
"""A single event larger than this is not a chat chunk; the stream is unreadable."""

DRAIN_S = 0.5
"""How long to read what follows ``[DONE]`` (normally just the end of the body), so the
connection goes back to the pool; a server that keeps it open longer loses it instead."""


async def answer_chunks(
    client: httpx2.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str],
    request: ChatRequest,
    provider: str,
    provider_model: str,
    wire_messages: list[dict[str, Any]],
    record: AttemptRecord,
    secrets: list[str],
) -> AsyncGenerator[Chunk, None]:
    """Send one chat request and yield what the answer contributes, chunk by chunk.

    A streamed answer yields every chunk with text, usage, a finish reason, or an unreadable
    event (``malformed``, so the engine can count them); a whole answer yields one chunk. The
    status code and the response's ids are written to ``record`` as soon as the headers arrive.
    Raises :class:`AttemptFailed` for an error status, a cut or stalled connection, an in-band
    error event, several unreadable events in a row, or a stream that ends without saying it
    was finished. Run it under ``contextlib.aclosing`` so the connection closes when the
    caller stops early.
    """
    label = provider_label(provider)
    send = dict(headers)
    if request.stream:
        send["accept"] = "text/event-stream"
    content = json.dumps(build_body(request, provider_model, wire_messages)).encode()
    try:
        # Streamed or whole, the body is read under a size limit (answer_limits). Every
        # generator below is closed explicitly (``aclosing``), never left to the garbage
        # collector: a stream abandoned there ends in "ignored GeneratorExit" and a transport
        # error, and its connection is lost to the pool (issue 8). ``send`` and ``aclose``
        # are what ``client.stream()`` does, without its context-manager generator.
        response = await client.send(
            client.build_request("POST", url, content=content, headers=send), stream=True
        )
        try:
            whole, declared = _answered_whole(response, record)
            if whole:
                yield await _whole_answer(response, label, secrets, declared)
                return
            async with contextlib.aclosing(_streamed(response, label, secrets)) as answer:
                async for chunk in answer:
                    yield chunk
        finally:
            await response.aclose()
    except httpx2.ConnectError as exc:
        raise AttemptFailed(
            Failure(
                Outcome.CONNECT_ERROR,
                clean(describe_error(exc), secrets),
                network=connect_cause(exc),
            ),
            mid_answer=_broke(label),
        ) from exc
    except httpx2.TimeoutException as exc:
        raise AttemptFailed(
            Failure(Outcome.TIMEOUT, clean(describe_error(exc), secrets)),
            mid_answer="The answer stopped arriving; the partial answer is kept.",
        ) from exc
    except httpx2.HTTPError as exc:
        # Reset, protocol error, a cut stream.
        raise AttemptFailed(
            Failure(Outcome.CONNECT_ERROR, clean(describe_error(exc), secrets)),
            mid_answer=_broke(label),
        ) from exc


def _broke(label: str) -> str:
    return (
        f"The connection to {label} broke in the middle of the answer; the partial answer is kept."
    )


_NOTED = (b"x-request-id", b"x-inference-provider", b"content-type", b"content-length")
"""The answer's headers the engine reads, picked in one pass (``Headers.get`` scans every
header again for each name)."""


def _answered_whole(response: httpx2.Response, record: AttemptRecord) -> tuple[bool, str]:
    """Note the status and ids in ``record``; True unless the answer is a healthy stream
    (an error status, or a whole JSON answer, is read whole by :func:`_whole_answer`), and
    the declared ``content-length`` ("" when none)."""
    record.status_code = response.status_code
    found = picked_headers(response.headers, _NOTED)
    record.request_id = found.get(b"x-request-id")
    record.served_by = found.get(b"x-inference-provider")
    whole = (
        response.status_code >= 400
        or media_type(found.get(b"content-type", "")) != "text/event-stream"
    )
    return whole, found.get(b"content-length", "")


def picked_headers(headers: httpx2.Headers, names: tuple[bytes, ...]) -> dict[bytes, str]:
    """The values of the lower-case ``names`` among ``headers``, repeated ones joined with
    ", " as ``Headers.get`` does."""
    found: dict[bytes, str] = {}
    for raw_key, raw_value in headers.raw:
        key = raw_key.lower()
        if key in names:
            try:
                value = raw_value.decode("utf-8")
            except UnicodeDecodeError:
                value = raw_value.decode("iso-8859-1")
            found[key] = f"{found[key]}, {value}" if key in found else value
    return found


async def _whole_answer(
    response: httpx2.Response, label: str, secrets: list[str], declared: str
) -> Chunk:
    """The one chunk of a whole (non-streamed) answer; raises :class:`AttemptFailed` for an
    error status, a body that is not a chat completion, or one past the size limits."""
    if response.status_code >= 400:
        raise AttemptFailed(await error_failure(response, secrets))
    raw = await read_whole_answer(response, label, declared)
    try:
        completion = parse_completion(json.loads(raw))
    except ValueError:
        completion = None
    if completion is None:
        raise AttemptFailed(Failure(Outcome.BAD_RESPONSE, "the answer was not a chat completion"))
    if len(completion.text) > MAX_ANSWER_CHARS:
        raise too_large(label, f"more than {MAX_ANSWER_CHARS // (1024 * 1024)} MB of text")
    return Chunk(
        text=completion.text,
        finish_reason=completion.finish_reason,
        usage=completion.usage,
        done=True,
        model=completion.model,
    )


async def _streamed(
    response: httpx2.Response, label: str, secrets: list[str]
) -> AsyncGenerator[Chunk, None]:
    """The chunks of a streamed answer (status 2xx, ``text/event-stream``)."""
    parser = StreamParser()
    budget = TextBudget(label)
    bad_in_a_row = 0
    finished = done = False
    events = event_data(response, label)
    try:
        async for data in events:
            chunk = parser.feed(data)
            if finished and (chunk.malformed or chunk.error is not None):
                continue  # the answer is complete; a stray tail can't take that back
            if chunk.malformed:
                yield chunk
                bad_in_a_row += 1
                if bad_in_a_row >= MALFORMED_IN_A_ROW:
                    raise AttemptFailed(
                        Failure(Outcome.BAD_RESPONSE, "several unreadable events in a row"),
                        mid_answer=f"{label} sent unreadable data in the middle of the answer; "
                        "the partial answer is kept.",
                    )
                continue
            bad_in_a_row = 0
            if chunk.error is not None:
                failure = classify_inband(chunk.error)
                failure.detail = clean(failure.detail, secrets)
                raise AttemptFailed(
                    failure,
                    mid_answer=f"{label} reported an error in the middle of the answer "
                    f"({failure.detail}); the partial answer is kept.",
                )
            if chunk.done:
                finished = done = True
                break
            if chunk.finish_reason:
                finished = True
            if chunk.text:
                chunk.text = budget.take(chunk.text)  # a fresh chunk: no copy needed
            if chunk.text or chunk.usage is not None or chunk.finish_reason:
                yield chunk
        if done:
            await _drain(events)
    except httpx2.HTTPError:
        if not finished:
            raise
        # The connection broke after the answer said it was finished: it is complete.
    finally:
        await events.aclose()
    if not finished:
        raise AttemptFailed(
            Failure(Outcome.BAD_RESPONSE, "the stream ended before any answer"),
            mid_answer=f"{label} ended the answer early without saying it was finished; "
            "the partial answer is kept.",
        )


async def event_data(
    response: httpx2.Response, label: str = "The provider"
) -> AsyncGenerator[str, None]:
    """The ``data`` of each server-sent event of ``response``, in order.

    Lines end with LF, CRLF or CR; comment lines (``:``) and other fields are skipped; an event
    ends at a blank line, and the body's end also ends the last one, so a final event sent
    without its blank line (or its newline) is still read.
    """
    data: list[str] = []
    pending = ""
    size = 0
    async for text in response.aiter_text():
        pending += text
        # A CR at the end may be the first half of a CRLF: keep it for the next piece.
        cut = len(pending) - 1 if pending.endswith("\r") else len(pending)
        body, pending = pending[:cut], pending[cut:]
        lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        pending = lines.pop() + pending
        for line in lines:
            if not line:
                if data:
                    yield "\n".join(data)
                data, size = [], 0
                continue
            value = _data_value(line)
            if value is not None:
                data.append(value)
                size += len(value)
        if size + len(pending) > MAX_EVENT_CHARS:
            # A 100 MB event or a line without end: said as what it is (answer_limits).
            raise too_large(label, f"one event over {MAX_EVENT_CHARS // (1024 * 1024)} MB")
    last = _data_value(pending.rstrip("\r")) if pending.strip() else None
    if last is not None:
        data.append(last)
    if data:
        yield "\n".join(data)


def _data_value(line: str) -> str | None:
    """The value of a ``data`` line (one leading space dropped); None for any other line."""
    if line.startswith(":"):
        return None
    name, _, value = line.partition(":")
    if name != "data":
        return None
    return value[1:] if value.startswith(" ") else value


async def _drain(events: AsyncIterator[str]) -> None:
    """Read to the end of the body after ``[DONE]`` so the connection can be reused."""
    with contextlib.suppress(TimeoutError, httpx2.HTTPError, AttemptFailed):
        async with asyncio.timeout(DRAIN_S):
            async for _ in events:
                pass
