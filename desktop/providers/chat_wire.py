"""One chat attempt on the wire: the POST, the status line, and the answer read as chunks.

Like every other task's wire module, this speaks HTTP and the OpenAI-compatible format and
says *why* an exchange failed in the shared failure vocabulary; the routing rules (the commit
point, the time-to-first-token, idle and total deadlines, failover) stay in the engine, which
reads the chunks :func:`open_answer` returns.

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
from desktop.providers.http_client import PooledClient
from desktop.providers.openai_chat import Chunk, StreamParser, build_body, parse_completion

MALFORMED_IN_A_ROW = 3
"""Unreadable events in a row that end a stream like a broken connection."""
MAX_EVENT_CHARS = 4 * 1024 * 1024
"""A single event larger than this is not a chat chunk; the stream is unreadable."""

DRAIN_S = 0.5
"""How long to read what follows ``[DONE]`` (normally just the end of the body), so the
connection goes back to the pool; a server that keeps it open longer loses it instead."""


async def open_answer(
    client: PooledClient,
    url: str,
    *,
    headers: Mapping[str, str],
    request_headers: Mapping[str, str],
    request: ChatRequest,
    provider: str,
    provider_model: str,
    wire_messages: list[dict[str, Any]],
    record: AttemptRecord,
    secrets: list[str],
) -> Chunk | AnswerStream:
    """Send one chat request with ``headers`` (the same for every request to this candidate)
    and ``request_headers`` (this request's own); a whole answer comes back as its one chunk,
    already read (the connection is back in the pool), a streamed one as an
    :class:`AnswerStream`, which owns the connection: run it under ``contextlib.aclosing``.

    A streamed answer yields every chunk with text, usage, a finish reason, or an unreadable
    event (``malformed``, so the engine can count them). The status code and the response's
    ids are written to ``record`` as soon as the headers arrive. Raises (or the stream raises)
    :class:`AttemptFailed` for an error status, a cut or stalled connection, an in-band error
    event, several unreadable events in a row, or a stream that ends without saying it was
    finished.

    A whole answer (which the bench measures; the app always streams) is read without any
    generator: each costs more than the rest of the exchange's own work (issue 8).
    """
    label = provider_label(provider)
    # Both mappings are only read: a stream also asks for ``text/event-stream``.
    extra = (
        {**request_headers, "accept": "text/event-stream"} if request.stream else request_headers
    )
    content = json.dumps(build_body(request, provider_model, wire_messages)).encode()
    with _WireErrors(label, secrets):
        # Streamed or whole, the body is read under a size limit (answer_limits).
        response = await client.open_post(url, headers, content, extra)
        whole = True
        try:
            whole, declared, plain = _answered_whole(response, record)
            if whole:
                return await _whole_answer(response, label, secrets, declared, plain)
        finally:
            if whole:
                await response.aclose()
    return AnswerStream(response, label, secrets)


class AnswerStream:
    """The chunks of a streamed answer (``async for``); :meth:`aclose` ends the read and
    gives the connection back, even when no chunk was asked for."""

    def __init__(self, response: httpx2.Response, label: str, secrets: list[str]) -> None:
        self._response = response
        self._chunks = _streamed(response, label, secrets)

    def __aiter__(self) -> AsyncGenerator[Chunk, None]:
        return self._chunks

    async def aclose(self) -> None:
        try:
            await self._chunks.aclose()
        finally:
            await self._response.aclose()


class _WireErrors:
    """Turns the HTTP client's errors into :class:`AttemptFailed` with the words for before
    and after the first text (a plain class: a generator-based context manager costs more)."""

    def __init__(self, label: str, secrets: list[str]) -> None:
        self.label = label
        self.secrets = secrets

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if exc is None or not isinstance(exc, httpx2.HTTPError):
            return
        detail = clean(describe_error(exc), self.secrets)
        if isinstance(exc, httpx2.ConnectError):
            failure = Failure(Outcome.CONNECT_ERROR, detail, network=connect_cause(exc))
            raise AttemptFailed(failure, mid_answer=_broke(self.label)) from exc
        if isinstance(exc, httpx2.TimeoutException):
            raise AttemptFailed(
                Failure(Outcome.TIMEOUT, detail),
                mid_answer="The answer stopped arriving; the partial answer is kept.",
            ) from exc
        # Reset, protocol error, a cut stream.
        raise AttemptFailed(
            Failure(Outcome.CONNECT_ERROR, detail), mid_answer=_broke(self.label)
        ) from exc


async def _streamed(
    response: httpx2.Response, label: str, secrets: list[str]
) -> AsyncGenerator[Chunk, None]:
    """The chunks of a streamed answer; closes ``response`` when done or stopped.

    The stream is read here, not through more generators: each layer costs more per chunk
    than parsing it (issue 8). Every generator is closed explicitly (``aclosing``), never left
    to the garbage collector: a stream abandoned there ends in "ignored GeneratorExit" and a
    transport error, and its connection is lost to the pool. Events come from the text pieces
    by an :class:`EventSplitter`; :class:`_AnswerReader` says what each contributes.
    """
    try:
        with _WireErrors(label, secrets):
            reader = _AnswerReader(label, secrets)
            splitter = EventSplitter(label)
            texts = response.aiter_text()
            try:
                async for text in texts:
                    for data in splitter.feed(text):
                        chunk = reader.event(data)
                        if chunk is not None:
                            yield chunk
                        if reader.stop:
                            break
                    if reader.stop:
                        break
                    splitter.check_size()
                else:
                    for data in splitter.finish():
                        chunk = reader.event(data)
                        if chunk is not None:
                            yield chunk
                        if reader.stop:
                            break
                if reader.failure is not None:
                    raise reader.failure
                if reader.done:
                    await _drain(texts)
            except httpx2.HTTPError:
                if not reader.finished:
                    raise
                # The connection broke after the answer said it was finished: it is complete.
            finally:
                if isinstance(texts, AsyncGenerator):  # it is one: closed, never left to GC
                    await texts.aclose()
            reader.check_finished()
    finally:
        await response.aclose()


def _broke(label: str) -> str:
    return (
        f"The connection to {label} broke in the middle of the answer; the partial answer is kept."
    )


_NOTED = (
    b"x-request-id",
    b"x-inference-provider",
    b"content-type",
    b"content-length",
    b"content-encoding",
)
"""The answer's headers the engine reads, picked in one pass (``Headers.get`` scans every
header again for each name)."""


def _answered_whole(response: httpx2.Response, record: AttemptRecord) -> tuple[bool, str, bool]:
    """Note the status and ids in ``record``; True unless the answer is a healthy stream
    (an error status, or a whole JSON answer, is read whole by :func:`_whole_answer`), the
    declared ``content-length`` ("" when none), and whether the body has no
    ``content-encoding`` (it is read as it comes)."""
    record.status_code = response.status_code
    found = picked_headers(response.headers, _NOTED)
    record.request_id = found.get(b"x-request-id")
    record.served_by = found.get(b"x-inference-provider")
    whole = (
        response.status_code >= 400
        or media_type(found.get(b"content-type", "")) != "text/event-stream"
    )
    return whole, found.get(b"content-length", ""), b"content-encoding" not in found


def picked_headers(headers: httpx2.Headers, names: tuple[bytes, ...]) -> dict[bytes, str]:
    """The values of the lower-case ``names`` among ``headers``, repeated ones joined with
    ", " as ``Headers.get`` does (the usual answer, with no name repeated, is looked up in one
    dictionary)."""
    raw = headers.raw
    by_name = {key.lower(): value for key, value in raw}
    if len(by_name) == len(raw):
        return {name: _header_text(by_name[name]) for name in names if name in by_name}
    joined: dict[bytes, str] = {}
    for raw_key, raw_value in raw:
        key = raw_key.lower()
        if key in names:
            value = _header_text(raw_value)
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
    return joined


def _header_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("iso-8859-1")


async def _whole_answer(
    response: httpx2.Response, label: str, secrets: list[str], declared: str, plain: bool
) -> Chunk:
    """The one chunk of a whole (non-streamed) answer; raises :class:`AttemptFailed` for an
    error status, a body that is not a chat completion, or one past the size limits."""
    if response.status_code >= 400:
        raise AttemptFailed(await error_failure(response, secrets))
    raw = await read_whole_answer(response, label, declared, plain=plain)
    try:
        completion = parse_completion(json.loads(raw))
    except ValueError:
        completion = None
    if completion is None:
        raise AttemptFailed(Failure(Outcome.BAD_RESPONSE, "the answer was not a chat completion"))
    if len(completion.text) > MAX_ANSWER_CHARS:
        raise too_large(label, f"more than {MAX_ANSWER_CHARS // (1024 * 1024)} MB of text")
    return completion


class _AnswerReader:
    """What each event of a streamed answer contributes, and when it is finished."""

    def __init__(self, label: str, secrets: list[str]) -> None:
        self.label = label
        self.secrets = secrets
        self.parser = StreamParser()
        self.budget = TextBudget(label)
        self.bad_in_a_row = 0
        self.finished = False
        """The answer said it was complete (a finish reason or ``[DONE]``)."""
        self.done = False
        """``[DONE]`` arrived: nothing after it is read."""
        self.failure: AttemptFailed | None = None
        """Raised once the chunk that caused it has been handed on."""
        self.stop = False
        """Read no further events: ``[DONE]`` or :attr:`failure`."""

    def event(self, data: str) -> Chunk | None:
        """The chunk to hand on for one event's ``data`` (None: nothing for the engine).

        Raises :class:`AttemptFailed` for an in-band error or several unreadable events in a
        row; once the answer is finished, a stray unreadable or error tail is ignored."""
        chunk = self.parser.feed(data)
        if chunk.malformed or chunk.error is not None:
            if self.finished:
                return None  # the answer is complete; a stray tail can't take that back
            if chunk.malformed:
                self.bad_in_a_row += 1
                if self.bad_in_a_row >= MALFORMED_IN_A_ROW:
                    # Counted like the others, then the stream ends like a broken connection.
                    self.failure = AttemptFailed(
                        Failure(Outcome.BAD_RESPONSE, "several unreadable events in a row"),
                        mid_answer=f"{self.label} sent unreadable data in the middle of the "
                        "answer; the partial answer is kept.",
                    )
                    self.stop = True
                return chunk
            failure = classify_inband(chunk.error)
            failure.detail = clean(failure.detail, self.secrets)
            raise AttemptFailed(
                failure,
                mid_answer=f"{self.label} reported an error in the middle of the answer "
                f"({failure.detail}); the partial answer is kept.",
            )
        self.bad_in_a_row = 0
        if chunk.done:
            self.finished = self.done = self.stop = True
            return None
        if chunk.finish_reason:
            self.finished = True
        if chunk.text:
            chunk.text = self.budget.take(chunk.text)  # a fresh chunk: no copy needed
            return chunk
        if chunk.usage is not None or chunk.finish_reason:
            return chunk
        return None

    def check_finished(self) -> None:
        """The body ended: raise :class:`AttemptFailed` unless the answer said it was done."""
        if not self.finished:
            raise AttemptFailed(
                Failure(Outcome.BAD_RESPONSE, "the stream ended before any answer"),
                mid_answer=f"{self.label} ended the answer early without saying it was "
                "finished; the partial answer is kept.",
            )


class EventSplitter:
    """Cuts server-sent events out of text pieces as they arrive, keeping what is unfinished.

    Lines end with LF, CRLF or CR; comment lines (``:``) and other fields are skipped; an event
    ends at a blank line, and :meth:`finish` (the body's end) also ends the last one, so a final
    event sent without its blank line (or its newline) is still read.
    """

    def __init__(self, label: str = "The provider") -> None:
        self.label = label
        self.pending = ""
        self.data: list[str] = []
        self.size = 0

    def feed(self, text: str) -> list[str]:
        """The ``data`` of every event that ``text`` completes, in order."""
        if (
            not self.pending
            and not self.data
            and text.startswith("data: ")
            and text.find("\n") == len(text) - 2
            and text.endswith("\n\n")
            and "\r" not in text
        ):
            return [text[6:-2]]  # the usual piece: exactly one event, "data: …" and a blank line
        pending = self.pending + text
        if "\r" in pending:
            # A CR at the end may be the first half of a CRLF: keep it for the next piece.
            cut = len(pending) - 1 if pending.endswith("\r") else len(pending)
            body, rest = pending[:cut], pending[cut:]
            lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            self.pending = lines.pop() + rest
        else:
            lines = pending.split("\n")
            self.pending = lines.pop()
        events: list[str] = []
        data = self.data
        for line in lines:
            if not line:
                if data:
                    events.append("\n".join(data))
                    data = self.data = []
                    self.size = 0
                continue
            if line.startswith("data:"):
                value = line[6:] if line.startswith(" ", 5) else line[5:]
            else:
                found = _data_value(line)
                if found is None:
                    continue
                value = found
            data.append(value)
            self.size += len(value)
        return events

    def check_size(self) -> None:
        """Raise (answer_limits) for an event or a line without end past the limit."""
        if self.size + len(self.pending) > MAX_EVENT_CHARS:
            # A 100 MB event or a line without end: said as what it is (answer_limits).
            raise too_large(self.label, f"one event over {MAX_EVENT_CHARS // (1024 * 1024)} MB")

    def finish(self) -> list[str]:
        """The body ended: the last event, even without its blank line."""
        pending, self.pending = self.pending, ""
        last = _data_value(pending.rstrip("\r")) if pending.strip() else None
        if last is not None:
            self.data.append(last)
        data, self.data, self.size = self.data, [], 0
        return ["\n".join(data)] if data else []


async def event_data(
    response: httpx2.Response, label: str = "The provider"
) -> AsyncGenerator[str, None]:
    """The ``data`` of each server-sent event of ``response``, in order (see
    :class:`EventSplitter`)."""
    splitter = EventSplitter(label)
    async for text in response.aiter_text():
        for data in splitter.feed(text):
            yield data
        splitter.check_size()
    for data in splitter.finish():
        yield data


def _data_value(line: str) -> str | None:
    """The value of a ``data`` line (one leading space dropped); None for any other line."""
    if line.startswith(":"):
        return None
    name, _, value = line.partition(":")
    if name != "data":
        return None
    return value[1:] if value.startswith(" ") else value


async def _drain(texts: AsyncIterator[str]) -> None:
    """Read to the end of the body after ``[DONE]`` so the connection can be reused."""
    with contextlib.suppress(TimeoutError, httpx2.HTTPError):
        async with asyncio.timeout(DRAIN_S):
            async for _ in texts:
                pass
