"""The routing engine: one logical request, many candidates, failover before the commit point.

The commit point of a chat stream is the first delta with text (role-only chunks, comments
and keepalives do not count). Before it the engine may move on to the next candidate on connect
errors, timeouts, 429, 5xx, 401/402/403 (scoped to that credential) and 404; after it, it never
retries on its own: a cut or stalled stream ends ``interrupted`` with its partial text kept.
Deadlines are enforced here with asyncio (time to first token, idle between content chunks,
total), not by socket timeouts, because keepalives would reset those.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

from desktop.engine import trace as t
from desktop.engine.candidates import (
    POLICIES,
    Candidate,
    custom_candidate,
    hf_auto_candidate,
    mapped_candidates,
    order_candidates,
)
from desktop.engine.catalog import ModelCatalog
from desktop.engine.chat_types import COMPLETE, FAILED, INTERRUPTED, ChatRequest, ChatResult, Usage
from desktop.engine.classify import (
    Failure,
    classify_body,
    classify_inband,
    clean,
    rank,
    sentence,
)
from desktop.engine.credentials import Credentials
from desktop.engine.errors import NoCandidates, NoCredentials, SwitchboardError
from desktop.engine.health import HealthBook
from desktop.engine.trace import AttemptRecord, CandidateNote, Trace
from desktop.providers.openai_chat import (
    StreamParser,
    build_body,
    messages_to_wire,
    parse_completion,
)
from desktop.providers.table import PROVIDERS, Endpoints, Task, provider_label
from desktop.store.settings import Settings

MAX_ERROR_BODY = 64 * 1024
MALFORMED_IN_A_ROW = 3

DeltaCallback = Callable[[str], None]
AttemptCallback = Callable[[AttemptRecord], None]


@dataclass
class Deadlines:
    """Engine-enforced deadlines, seconds (routing.md §5.12, chat column)."""

    ttft_s: float = 15.0
    ttft_min_s: float = 5.0
    ttft_max_s: float = 30.0
    idle_s: float = 30.0
    total_s: float = 600.0
    max_attempts: int = 4
    pinned_retry_after_cap_s: float = 20.0


@dataclass
class _Outcome:
    """How one attempt ended: committed (text reached the caller) or a failure."""

    committed: bool = False
    status: str = FAILED
    text_parts: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None
    failure: Failure | None = None
    malformed: int = 0
    interrupted_reason: str = ""


NO_CREDENTIALS_TEXT = (
    "Switchboard has no Hugging Face token or provider key yet. Add a token from "
    "huggingface.co/settings/tokens (or a local server) on the Providers page."
)


class Engine:
    """Routes requests over the candidates of each task, with failover and a trace."""

    def __init__(
        self,
        client: httpx2.AsyncClient,
        endpoints: Endpoints,
        credentials: Credentials,
        catalog: ModelCatalog,
        health: HealthBook,
        settings: Callable[[], Settings],
        deadlines: Deadlines | None = None,
    ) -> None:
        self.client = client
        self.endpoints = endpoints
        self.credentials = credentials
        self.catalog = catalog
        self.health = health
        self._settings = settings
        self.deadlines = deadlines or Deadlines()

    # --- Candidates ---------------------------------------------------------------------

    async def chat_candidates(
        self, model: str, policy: str
    ) -> tuple[list[Candidate], list[CandidateNote]]:
        """Ordered candidates for a chat request, and notes on every provider left out."""
        settings = self._settings()
        creds = self.credentials
        custom = settings.custom(policy)
        if custom is not None:
            return [custom_candidate(custom, model, creds)], []
        hf_token = creds.hf_token()
        if policy == "hf-auto":
            if not hf_token:
                raise NoCredentials(
                    "Letting Hugging Face choose needs a Hugging Face token; add one on the "
                    "Providers page."
                )
            return [hf_auto_candidate(model, self.endpoints, hf_token)], []
        only = None
        if policy not in POLICIES:
            if policy not in PROVIDERS:
                raise SwitchboardError(
                    f"There is no provider or custom server called \u201c{policy}\u201d; "
                    "pick one from the list.",
                    action="open_providers",
                )
            only = policy

        customs = [
            custom_candidate(c, model, creds)
            for c in settings.custom_endpoints
            if only is None and settings.is_enabled(c.name) and model in c.models
        ]
        has_hub_credentials = bool(hf_token) or any(creds.provider_key(p) for p in PROVIDERS)
        if not has_hub_credentials and not customs:
            raise NoCredentials(NO_CREDENTIALS_TEXT)
        notes: list[CandidateNote] = []
        found: list[Candidate] = []
        if has_hub_credentials:
            try:
                entries = await self.catalog.mapping(model, hf_token)
            except SwitchboardError as exc:
                if not customs:
                    raise
                entries = []
                notes.append(CandidateNote("huggingface", "", model, str(exc)))
            found, notes2 = mapped_candidates(
                entries, task=Task.CHAT, settings=settings, credentials=creds,
                endpoints=self.endpoints, only=only,
            )
            notes += notes2
        ordered = order_candidates(found + customs, settings, self.health)
        if not ordered:
            raise NoCandidates(self._no_candidates_text(model, only, notes))
        return ordered, notes

    @staticmethod
    def _no_candidates_text(model: str, only: str | None, notes: list[CandidateNote]) -> str:
        if only is not None:
            why = next((n.skipped for n in notes if n.provider == only and n.skipped), None)
            if why:
                return f"{provider_label(only)} can't take this request: {why}."
            return (
                f"{provider_label(only)} does not serve {model}; choose Auto or another "
                "provider."
            )
        if notes:
            reasons = "; ".join(f"{provider_label(n.provider)}: {n.skipped}" for n in notes[:4])
            return f"No enabled provider can serve {model} right now ({reasons})."
        return (
            f"No provider you can use serves {model} for chat; pick another model or add a "
            "key on the Providers page."
        )

    # --- Chat ---------------------------------------------------------------------------

    async def chat(
        self,
        request: ChatRequest,
        *,
        on_delta: DeltaCallback | None = None,
        on_attempt: AttemptCallback | None = None,
        trace: Trace | None = None,
    ) -> ChatResult:
        """Run one chat request to a result; cancelling the task cancels every attempt.

        Cancellation propagates as ``CancelledError``; the in-flight attempt is recorded as
        ``cancelled`` in ``trace`` (pass one in to keep it) and never counts against a provider.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        trace = trace or Trace(model=request.model, policy=request.provider)
        trace.request_id = trace.request_id or uuid.uuid4().hex[:16]
        deadline_at = started + self.deadlines.total_s
        try:
            candidates, notes = await self.chat_candidates(request.model, request.provider)
        except SwitchboardError as exc:
            return ChatResult(
                text="", status=FAILED, trace=trace, error=str(exc), error_action=exc.action,
                duration_ms=(loop.time() - started) * 1000,
            )
        trace.candidates = [c.note() for c in candidates] + notes
        if any(m.attachments for m in request.messages):
            wire = await loop.run_in_executor(None, messages_to_wire, request.messages)
        else:
            wire = messages_to_wire(request.messages)

        explicit = request.provider not in POLICIES
        failures: list[tuple[Failure, Candidate]] = []
        blocked_credentials: set[str] = set()
        hf_account_blocked = False
        context_floor: int | None = None
        retried: set[str] = set()
        remaining = list(candidates)
        attempts = 0
        while remaining and attempts < self.deadlines.max_attempts:
            cand = remaining.pop(0)
            skip = None
            if cand.credential and cand.credential in blocked_credentials:
                skip = "its key was refused earlier in this request"
            elif hf_account_blocked and cand.billed_to == "huggingface":
                skip = "the Hugging Face account has no credits"
            elif context_floor is not None and (cand.context_length or 0) <= context_floor:
                skip = "its context window is not larger"
            if skip:
                trace.candidates.append(cand.note(skip))
                continue
            now = loop.time()
            if now >= deadline_at:
                break
            is_last = not remaining
            record = AttemptRecord(
                provider=cand.provider, via=cand.via, provider_model=cand.provider_model,
                started_at=time.time(),
            )
            record.breaker = self.health.begin(cand.health_key)
            trace.attempts.append(record)
            _notify(on_attempt, record)
            try:
                outcome = await self._attempt_chat(
                    cand, request, wire, record, is_last=is_last, deadline_at=deadline_at,
                    on_delta=on_delta,
                )
            except asyncio.CancelledError:
                record.outcome = t.CANCELLED
                record.duration_ms = (time.time() - record.started_at) * 1000
                _notify(on_attempt, record)
                raise
            attempts += 1
            self.health.record(
                cand.health_key, record.outcome, ttft_ms=record.ttft_ms,
                retry_after_s=record.retry_after_s,
            )
            _notify(on_attempt, record)
            if outcome.committed:
                trace.answered_by = record.served_by or cand.provider
                trace.billed_to = cand.billed_to
                status = outcome.status
                return ChatResult(
                    text="".join(outcome.text_parts), status=status, trace=trace,
                    provider=trace.answered_by, provider_model=cand.provider_model,
                    via=cand.via, finish_reason=outcome.finish_reason, usage=outcome.usage,
                    ttft_ms=record.ttft_ms, duration_ms=(loop.time() - started) * 1000,
                    error=outcome.interrupted_reason or None,
                    error_action="retry" if status == INTERRUPTED else None,
                    malformed_events=outcome.malformed,
                )
            failure = outcome.failure or Failure(t.BAD_RESPONSE, "")
            failures.append((failure, cand))
            kind = failure.outcome
            if kind in (t.CONTENT_POLICY, t.INVALID_REQUEST):
                break  # every provider would refuse it, or should not be asked (no shopping)
            if kind == t.CONTEXT_LENGTH:
                context_floor = cand.context_length or 0
            elif kind == t.AUTH and cand.credential:
                blocked_credentials.add(cand.credential)
            elif kind == t.BILLING:
                if cand.billed_to == "huggingface":
                    hf_account_blocked = True
                elif cand.credential:
                    blocked_credentials.add(cand.credential)
            elif kind == t.NOT_FOUND:
                self.catalog.invalidate(request.model)
            if not remaining and cand.health_key not in retried:
                wait = self._same_candidate_wait(failure, explicit, deadline_at - loop.time())
                if wait is not None:
                    retried.add(cand.health_key)
                    await asyncio.sleep(wait)
                    remaining.insert(0, cand)
        return self._failed(trace, failures, started)

    def _same_candidate_wait(
        self, failure: Failure, explicit: bool, time_left: float
    ) -> float | None:
        """One same-candidate retry when there is nowhere else to go (routing.md §5.3)."""
        if failure.outcome == t.SERVER_ERROR:
            return min(random.uniform(0.3, 1.0), max(0.0, time_left))
        if failure.outcome == t.RATE_LIMITED and explicit and failure.retry_after_s:
            cap = min(self.deadlines.pinned_retry_after_cap_s, time_left)
            return failure.retry_after_s if failure.retry_after_s <= cap else None
        return None

    def _failed(
        self, trace: Trace, failures: list[tuple[Failure, Candidate]], started: float
    ) -> ChatResult:
        duration = (asyncio.get_running_loop().time() - started) * 1000
        if not failures:
            return ChatResult(
                text="", status=FAILED, trace=trace, duration_ms=duration,
                error="No provider could be tried for this request; check the Providers page.",
                error_action="open_providers",
            )
        failure, cand = min(failures, key=lambda fc: rank(fc[0].outcome))
        via_hf = cand.billed_to == "huggingface"
        message = sentence(failure, cand.provider, via_hf=via_hf)
        if all(f.outcome == t.CONNECT_ERROR for f, _ in failures) and len(failures) > 1:
            message = "Could not reach any provider; check your internet connection."
        if len(failures) > 1:
            message += f" ({len(failures)} providers tried: {trace.summary()}.)"
        action: str | None = {
            t.AUTH: "open_providers", t.BILLING: "open_providers", t.NOT_FOUND: "open_providers",
        }.get(failure.outcome, "retry")
        if failure.outcome in (t.CONTENT_POLICY, t.INVALID_REQUEST, t.CONTEXT_LENGTH):
            action = "other_provider" if failure.outcome == t.CONTENT_POLICY else None
        return ChatResult(
            text="", status=FAILED, trace=trace, duration_ms=duration, error=message,
            error_action=action,
        )

    # --- One attempt --------------------------------------------------------------------

    def _ttft_deadline(self, cand: Candidate) -> float:
        ewma = self.health.get(cand.health_key).ttft_ewma_ms
        d = self.deadlines
        if ewma is None:
            return d.ttft_s
        return min(d.ttft_max_s, max(d.ttft_min_s, 3 * ewma / 1000.0))

    async def _attempt_chat(
        self,
        cand: Candidate,
        request: ChatRequest,
        wire: list[dict[str, Any]],
        record: AttemptRecord,
        *,
        is_last: bool,
        deadline_at: float,
        on_delta: DeltaCallback | None,
    ) -> _Outcome:
        loop = asyncio.get_running_loop()
        start = loop.time()
        # The last candidate gets no time-to-first-token cut-off, only the total deadline.
        first_at = deadline_at if is_last else min(deadline_at, start + self._ttft_deadline(cand))
        body = build_body(request, cand.provider_model, wire)
        headers = cand.headers()
        if request.stream:
            headers["accept"] = "text/event-stream"
        if cand.via in ("router", "hf-auto"):
            headers["x-amzn-trace-id"] = str(uuid.uuid4())
        secrets = [cand.secret or ""]
        out = _Outcome()
        try:
            async with asyncio.timeout_at(first_at) as timer:
                async with self.client.stream(
                    "POST", cand.url, content=json.dumps(body).encode(), headers=headers
                ) as response:
                    record.status_code = response.status_code
                    record.request_id = response.headers.get("x-request-id")
                    record.served_by = response.headers.get("x-inference-provider")
                    if response.status_code >= 400:
                        await self._fail_from_response(response, out, secrets)
                    else:
                        await self._read_answer(
                            response, out, record, timer, start, deadline_at, on_delta, secrets
                        )
        except TimeoutError:
            if out.committed:
                out.status = INTERRUPTED
                out.interrupted_reason = (
                    f"{provider_label(cand.provider)} stopped sending in the middle of the "
                    "answer; the partial answer is kept."
                )
            else:
                out.failure = Failure(t.TIMEOUT, "no answer before the deadline")
        except _BadStream as exc:
            if out.committed:
                out.status = INTERRUPTED
                out.interrupted_reason = (
                    f"{provider_label(cand.provider)} sent unreadable data in the middle of the "
                    "answer; the partial answer is kept."
                )
            else:
                out.failure = Failure(t.BAD_RESPONSE, str(exc))
        except httpx2.ConnectError as exc:
            out.failure = Failure(t.CONNECT_ERROR, clean(_exc_text(exc), secrets))
        except httpx2.TimeoutException as exc:
            if out.committed:
                out.status = INTERRUPTED
                out.interrupted_reason = "The answer stopped arriving; the partial answer is kept."
            else:
                out.failure = Failure(t.TIMEOUT, clean(_exc_text(exc), secrets))
        except httpx2.HTTPError as exc:
            # Reset, protocol error, a cut stream.
            if out.committed:
                out.status = INTERRUPTED
                out.interrupted_reason = (
                    f"The connection to {provider_label(cand.provider)} broke in the middle of "
                    "the answer; the partial answer is kept."
                )
            else:
                out.failure = Failure(t.CONNECT_ERROR, clean(_exc_text(exc), secrets))
        record.duration_ms = (loop.time() - start) * 1000
        if out.committed:
            record.outcome = t.OK if out.status == COMPLETE else t.INTERRUPTED
            if out.status == INTERRUPTED:
                record.message = out.interrupted_reason
        elif out.failure is not None:
            record.outcome = out.failure.outcome
            record.status_code = out.failure.status_code or record.status_code
            record.retry_after_s = out.failure.retry_after_s
            record.message = out.failure.detail
        return out

    async def _fail_from_response(
        self, response: httpx2.Response, out: _Outcome, secrets: list[str]
    ) -> None:
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
        out.failure = failure

    async def _read_answer(
        self,
        response: httpx2.Response,
        out: _Outcome,
        record: AttemptRecord,
        timer: asyncio.Timeout,
        start: float,
        deadline_at: float,
        on_delta: DeltaCallback | None,
        secrets: list[str],
    ) -> None:
        loop = asyncio.get_running_loop()
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "text/event-stream":
            raw = await response.aread()
            try:
                completion = parse_completion(json.loads(raw))
            except ValueError:
                completion = None
            if completion is None:
                out.failure = Failure(t.BAD_RESPONSE, "the answer was not a chat completion")
                return
            record.ttft_ms = (loop.time() - start) * 1000
            out.committed = True
            out.text_parts.append(completion.text)
            out.finish_reason = completion.finish_reason
            out.usage = completion.usage
            out.status = COMPLETE
            if on_delta and completion.text:
                on_delta(completion.text)
            return
        parser = StreamParser()
        bad_in_a_row = 0
        done = False
        async for event in httpx2.EventSource(response):
            chunk = parser.feed(event.data)
            if chunk.malformed:
                out.malformed += 1
                bad_in_a_row += 1
                if bad_in_a_row >= MALFORMED_IN_A_ROW:
                    raise _BadStream("several unreadable events in a row")
                continue
            bad_in_a_row = 0
            if chunk.error is not None:
                failure = classify_inband(chunk.error)
                failure.detail = clean(failure.detail, secrets)
                if out.committed:
                    out.status = INTERRUPTED
                    out.interrupted_reason = (
                        f"{provider_label(record.provider)} reported an error in the middle of "
                        f"the answer ({failure.detail}); the partial answer is kept."
                    )
                    return
                out.failure = failure
                return
            if chunk.usage is not None:
                out.usage = chunk.usage
            if chunk.finish_reason:
                out.finish_reason = chunk.finish_reason
            if chunk.done:
                done = True
                break
            if chunk.text:
                if not out.committed:
                    out.committed = True
                    record.ttft_ms = (loop.time() - start) * 1000
                out.text_parts.append(chunk.text)
                if on_delta:
                    on_delta(chunk.text)
                timer.reschedule(min(deadline_at, loop.time() + self.deadlines.idle_s))
        if out.committed:
            if done or out.finish_reason:
                out.status = COMPLETE
            else:
                out.status = INTERRUPTED
                out.interrupted_reason = (
                    f"{provider_label(record.provider)} ended the answer early without "
                    "saying it was finished; the partial answer is kept."
                )
        elif out.finish_reason or done:
            # A legitimately empty answer is still an answer.
            out.committed = True
            out.status = COMPLETE
            record.ttft_ms = (loop.time() - start) * 1000
        else:
            out.failure = Failure(t.BAD_RESPONSE, "the stream ended before any answer")


class _BadStream(httpx2.HTTPError):
    """Too many malformed events: ends the attempt like a broken connection."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def _exc_text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _notify(callback: AttemptCallback | None, record: AttemptRecord) -> None:
    if callback is not None:
        callback(record)
