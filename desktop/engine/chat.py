"""Chat on the shared routing path: one attempt function and the result of a turn.

The commit point of a chat stream is the first delta with text (role-only chunks, comments
and keepalives do not count). Before it the failover core may move on to the next candidate on
connect errors, timeouts, 429, 5xx, 401/402/403 (scoped to the credential refused) and 404;
after it, a cut or stalled stream ends ``interrupted`` with its partial text
(:func:`desktop.engine.failover.past_commit_point`), and the failover core restarts the request
on the next candidate when one is left, so the person gets one complete answer instead.
Deadlines are enforced with asyncio (time to first token, idle between content chunks,
total), not by socket timeouts, because keepalives would reset those. The HTTP and the
stream format live in :mod:`desktop.providers.chat_wire`, like every other task's wire code.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from desktop.core.chat_types import ChatRequest, ChatResult, Usage
from desktop.core.classify import Failure
from desktop.core.table import provider_label
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.core.vocab import FixAction, Status
from desktop.engine.attempts import request_headers
from desktop.engine.deadline import Deadline
from desktop.engine.failover import AttemptContext, Routed, failure_message, past_commit_point
from desktop.providers.chat_wire import AnswerStream, open_answer
from desktop.providers.exchange import AttemptFailed
from desktop.providers.http_client import PooledClient
from desktop.providers.openai_chat import Chunk

DeltaCallback = Callable[[str], None]

# Enum members read on every answer, bound once: ``Status.COMPLETE`` goes through the enum
# metaclass's attribute hook each time, about a Python call's cost (issue 8).
_COMPLETE, _INTERRUPTED = Status.COMPLETE, Status.INTERRUPTED
_OK, _CUT = Outcome.OK, Outcome.INTERRUPTED
_RETRY = FixAction.RETRY

FINISH_GRACE_S = 1.0
"""After the chunk with the finish reason, how long the usage chunk or ``[DONE]`` may take;
past it the answer is complete as it stands (a server that never closes can't hold it)."""


@dataclass
class ChatOutcome:
    """How one chat attempt ended: committed (text reached the caller) or a failure."""

    committed: bool = False
    status: Status = Status.FAILED
    text_parts: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None
    failure: Failure | None = None
    malformed: int = 0
    interrupted_reason: str = ""


async def chat_attempt(
    ctx: AttemptContext,
    client: PooledClient,
    request: ChatRequest,
    wire: list[dict[str, Any]],
    on_delta: DeltaCallback | None,
) -> ChatOutcome:
    """One chat exchange with ``ctx.candidate``, read up to its end or its failure."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    cand, record = ctx.candidate, ctx.record
    out = ChatOutcome()
    failure: Failure | None = None
    mid_answer = ""
    try:
        async with Deadline(ctx.first_deadline_at) as timer:
            opened = await open_answer(
                client,
                cand.url,
                headers=cand.base_headers,
                request_headers=request_headers(cand),
                request=request,
                provider=cand.provider,
                provider_model=cand.provider_model,
                wire_messages=wire,
                record=record,
                secrets=[cand.secret or ""],
            )
            ended = True
            if isinstance(opened, Chunk):
                # A whole answer, read already: its one chunk, as the loop below would take it
                # (never malformed; nothing left to wait for, so no deadline to move).
                _take_fields(opened, out, record)
                if opened.text:
                    ended = _first_text(ctx, out, loop.time() - start)
                    if ended:
                        out.text_parts.append(opened.text)
                        if on_delta:
                            on_delta(opened.text)
            else:
                ended = await _read_stream(ctx, opened, out, timer, start, on_delta)
            # The answer ended as it should; a legitimately empty answer is still an answer.
            if ended and not out.committed and ctx.commit():
                out.committed = True
                record.ttft_ms = (loop.time() - start) * 1000
            if out.committed:
                out.status = _COMPLETE
    except TimeoutError:
        if out.committed and out.finish_reason:
            out.status = Status.COMPLETE  # finished, then the server just kept the line open
        else:
            failure = Failure(Outcome.TIMEOUT, "no answer before the deadline")
        if loop.time() >= ctx.deadline_at:
            # Still sending when the whole request's limit ran out: the limit is the reason.
            mid_answer = (
                f"{provider_label(cand.provider)} was still sending when the answer reached "
                "Switchboard's time limit for one answer; the partial answer is kept."
            )
        else:
            mid_answer = (
                f"{provider_label(cand.provider)} stopped sending in the middle of the answer; "
                "the partial answer is kept."
            )
    except AttemptFailed as exc:
        failure, mid_answer = exc.failure, exc.mid_answer
    record.duration_ms = (loop.time() - start) * 1000
    if failure is not None:
        cut = past_commit_point(out.committed, failure, mid_answer)
        if cut is None:
            out.failure = failure
        else:
            out.status = Status.INTERRUPTED
            out.interrupted_reason = cut
    if out.committed:
        record.outcome = _OK if out.status == _COMPLETE else _CUT
        if out.status == _INTERRUPTED:
            record.message = out.interrupted_reason
            record.partial_text = "".join(out.text_parts)
    elif out.failure is not None:
        out.failure.write_to(record)
    return out


def _take_fields(chunk: Chunk, out: ChatOutcome, record: AttemptRecord) -> None:
    """What a chunk says besides its text: usage, the model that answered, why it ended."""
    if chunk.usage is not None:
        out.usage = chunk.usage
    if chunk.model:
        record.provider_model_reported = chunk.model
    if chunk.finish_reason:
        out.finish_reason = chunk.finish_reason


def _first_text(ctx: AttemptContext, out: ChatOutcome, elapsed_s: float) -> bool:
    """Commit this attempt at its first text (time to first token noted); False when another
    (hedged) attempt already answered. Committed already: True."""
    if out.committed:
        return True
    if not ctx.commit():
        return False
    out.committed = True
    ctx.record.ttft_ms = elapsed_s * 1000
    return True


async def _read_stream(
    ctx: AttemptContext,
    stream: AnswerStream,
    out: ChatOutcome,
    timer: Deadline,
    start: float,
    on_delta: DeltaCallback | None,
) -> bool:
    """Take a streamed answer's chunks into ``out``; False when another attempt won first."""
    loop = asyncio.get_running_loop()
    record = ctx.record
    keep = out.text_parts.append
    # ``ctx.keep_alive`` moves the timer only when half the idle time is used up: until
    # ``renew_at`` a chunk needs no call at all (issue 8, CPU per chunk).
    half_idle = ctx.idle_s / 2
    renew_at = -math.inf
    async with aclosing(stream):
        async for chunk in stream:
            if chunk.malformed:
                out.malformed += 1
                continue
            _take_fields(chunk, out, record)
            if chunk.finish_reason:
                timer.reschedule(min(ctx.deadline_at, loop.time() + FINISH_GRACE_S))
                renew_at = -math.inf
            text = chunk.text
            if not text:
                continue
            if not out.committed and not _first_text(ctx, out, loop.time() - start):
                return False  # another (hedged) attempt already answered
            keep(text)
            if on_delta:
                on_delta(text)
            if (now := loop.time()) >= renew_at:
                ctx.keep_alive(timer, now)
                renew_at = timer.when() - half_idle
    return True


def chat_result(routed: Routed[ChatOutcome], trace: Trace, duration_ms: float) -> ChatResult:
    """The turn's result from the routed outcome: the answer, or the most actionable failure."""
    outcome, cand, record = routed.outcome, routed.candidate, routed.record
    if outcome is None or cand is None or record is None:
        message, action = failure_message(trace, routed.failures)
        return failed_result(trace, duration_ms, message, action)
    # Positional, in the fields' order: sixteen keywords cost more than the object (issue 8).
    return ChatResult(
        "".join(outcome.text_parts),  # text
        outcome.status,
        trace,
        trace.answered_by,  # provider
        cand.provider_model,
        record.provider_model_reported,
        cand.via,
        outcome.finish_reason,
        outcome.usage,
        record.ttft_ms,
        duration_ms,
        outcome.interrupted_reason or None,  # error
        _RETRY if outcome.status == _INTERRUPTED else None,  # error_action
        outcome.malformed,  # malformed_events
        trace.restarts[-1] + "." if trace.restarts else None,  # notice
    )


def failed_result(
    trace: Trace, duration_ms: float, message: str, action: FixAction | None
) -> ChatResult:
    """A turn that produced nothing: one sentence and the button to offer with it."""
    return ChatResult(
        text="",
        status=Status.FAILED,
        trace=trace,
        duration_ms=duration_ms,
        error=message,
        error_action=action,
    )
