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
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
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
from desktop.engine.catalog import ModelCatalog, ProviderStats
from desktop.engine.chat_types import COMPLETE, FAILED, INTERRUPTED, ChatRequest, ChatResult, Usage
from desktop.engine.classify import Failure, classify_inband, clean
from desktop.engine.credentials import Credentials
from desktop.engine.errors import NoCandidates, NoCredentials, SwitchboardError
from desktop.engine.failover import (
    AttemptContext,
    AttemptFn,
    Deadlines,
    Failover,
    OutcomeT,
    Plan,
    Routed,
    failure_message,
)
from desktop.engine.health import HealthBook
from desktop.engine.policies import score_for
from desktop.engine.trace import AttemptRecord, CandidateNote, Trace
from desktop.providers.exchange import describe_error, error_failure, media_type
from desktop.providers.openai_chat import (
    StreamParser,
    build_body,
    messages_to_wire,
    parse_completion,
)
from desktop.providers.table import PROVIDERS, Endpoints, Task, provider_label
from desktop.store.settings import Settings

MALFORMED_IN_A_ROW = 3

DeltaCallback = Callable[[str], None]
AttemptCallback = Callable[[AttemptRecord], None]


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


_NO_STATS = ProviderStats()

TASK_ATTEMPTS: dict[Task, int] = {
    Task.TEXT_TO_IMAGE: 3,
    Task.TEXT_TO_VIDEO: 2,
    Task.SPEECH_TO_TEXT: 3,
    Task.EMBEDDINGS: 4,
}
"""Attempts per logical request by task (routing.md §5.12): expensive work gets fewer."""

TASK_WORDS = {
    Task.CHAT: "chat",
    Task.TEXT_TO_IMAGE: "making images",
    Task.TEXT_TO_VIDEO: "making videos",
    Task.SPEECH_TO_TEXT: "transcription",
    Task.EMBEDDINGS: "embeddings",
}

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
        executor: Executor | None = None,
    ) -> None:
        self.client = client
        self.executor = executor
        """The app's own pool for blocking work (reading attachments); never qasync's default."""
        self.endpoints = endpoints
        self.credentials = credentials
        self.catalog = catalog
        self.health = health
        self._settings = settings
        self.failover = Failover(health, deadlines or Deadlines(), on_not_found=catalog.invalidate)
        self.latency_mode = False
        self._candidate_cache: dict[
            tuple[object, ...], tuple[list[Candidate], list[CandidateNote]]
        ] = {}
        """Hedge chat requests (start a second provider when the first is slow); opt-in."""

    @property
    def deadlines(self) -> Deadlines:
        return self.failover.deadlines

    @deadlines.setter
    def deadlines(self, value: Deadlines) -> None:
        self.failover.deadlines = value

    # --- Candidates ---------------------------------------------------------------------

    async def chat_candidates(
        self, model: str, policy: str
    ) -> tuple[list[Candidate], list[CandidateNote]]:
        """Ordered candidates for a chat request, and notes on every provider left out."""
        return await self.task_candidates(Task.CHAT, model, policy)

    async def task_candidates(
        self, task: Task, model: str, policy: str
    ) -> tuple[list[Candidate], list[CandidateNote]]:
        """Ordered candidates of any task; custom servers take part in chat and embeddings."""
        settings = self._settings()
        creds = self.credentials
        custom_ok = task in (Task.CHAT, Task.EMBEDDINGS)
        custom = settings.custom(policy)
        if custom is not None:
            if not custom_ok:
                raise SwitchboardError(
                    f"{custom.name} is an OpenAI-compatible server; it can chat and make "
                    "embeddings, not this. Pick another provider.",
                    action="open_providers",
                )
            return [custom_candidate(custom, model, creds)], []
        hf_token = creds.hf_token()
        if policy == "hf-auto" and task == Task.CHAT:
            if not hf_token:
                raise NoCredentials(
                    "Letting Hugging Face choose needs a Hugging Face token; add one on the "
                    "Providers page."
                )
            return [hf_auto_candidate(model, self.endpoints, hf_token)], []
        only = None
        if policy == "hf-auto":
            policy = "auto"  # HF's server-side choice exists for chat only (routing.md §5.13)
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
            if custom_ok and only is None and settings.is_enabled(c.name) and model in c.models
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
            # The same model, settings and keys give the same candidates: build them once.
            key = (
                task,
                model,
                only,
                self.catalog.fetched_at(model),
                creds.version,
                tuple(settings.disabled),
            )
            cached = self._candidate_cache.get(key)
            if cached is None:
                cached = mapped_candidates(
                    entries,
                    task=task,
                    settings=settings,
                    credentials=creds,
                    endpoints=self.endpoints,
                    only=only,
                )
                if len(self._candidate_cache) > 256:
                    self._candidate_cache.clear()
                self._candidate_cache[key] = cached
            found, notes2 = list(cached[0]), list(cached[1])
            notes += notes2
        score = None
        if policy in ("fastest", "cheapest") and found:
            stats = await self.catalog.provider_stats(model)
            for cand in found:
                cand.context_length = (stats.get(cand.provider) or _NO_STATS).context_length
            score = score_for(policy, stats, self.health)
        elif found:
            # Context windows matter only after a context-length error; never make the user
            # wait for them: use what is cached and refresh it in the background.
            stats = self.catalog.cached_stats(model)
            self.catalog.refresh_stats_soon(model)
            for cand in found:
                cand.context_length = (stats.get(cand.provider) or _NO_STATS).context_length
        ordered = order_candidates(found + customs, settings, self.health, score)
        if not ordered:
            raise NoCandidates(self._no_candidates_text(model, only, notes, task))
        return ordered, notes

    @staticmethod
    def _no_candidates_text(
        model: str, only: str | None, notes: list[CandidateNote], task: Task
    ) -> str:
        if only is not None:
            why = next((n.skipped for n in notes if n.provider == only and n.skipped), None)
            if why:
                return f"{provider_label(only)} can't take this request: {why}."
            return (
                f"{provider_label(only)} does not serve {model}; choose Auto or another provider."
            )
        if notes:
            reasons = "; ".join(f"{provider_label(n.provider)}: {n.skipped}" for n in notes[:4])
            return f"No enabled provider can serve {model} right now ({reasons})."
        return (
            f"No provider you can use serves {model} for {TASK_WORDS.get(task, task.value)}; "
            "pick another model or add a key on the Providers page."
        )

    # --- Any task -----------------------------------------------------------------------

    async def run_task(
        self,
        task: Task,
        model: str,
        policy: str,
        attempt: AttemptFn[OutcomeT],
        *,
        trace: Trace,
        first_deadline_s: float,
        on_attempt: AttemptCallback | None = None,
        interactive: bool = True,
        hedge: bool = False,
        exclude: Mapping[str, str] | None = None,
    ) -> Routed[OutcomeT]:
        """Route one request of any task through the shared failover core.

        The task module supplies ``attempt`` (one exchange with one candidate, calling
        ``ctx.commit()`` once its result is validated). Raises :class:`SwitchboardError`
        when no candidate exists; every other failure comes back in ``Routed.failures``
        (turn it into a sentence with :func:`desktop.engine.failover.failure_message`).
        ``exclude`` maps providers already used up by this logical request to the reason (an
        async job that failed after it was accepted): they are noted in the trace, not tried.
        """
        trace.task = task.value
        trace.request_id = trace.request_id or uuid.uuid4().hex[:16]
        candidates, notes = await self.task_candidates(task, model, policy)
        if exclude:
            used = [c.note(exclude[c.provider]) for c in candidates if c.provider in exclude]
            notes = used + notes
            candidates = [c for c in candidates if c.provider not in exclude]
        trace.candidates = [c.note() for c in candidates] + notes
        plan = Plan(
            candidates=candidates,
            model=model,
            explicit=policy not in POLICIES,
            first_deadline_s=lambda _c: first_deadline_s,
            hedge=hedge,
            interactive=interactive,
            max_attempts=TASK_ATTEMPTS.get(task),
        )
        routed = await self.failover.run(plan, attempt, trace=trace, on_attempt=on_attempt)
        if routed.candidate is not None and routed.record is not None:
            trace.answered_by = routed.record.served_by or routed.candidate.provider
            trace.billed_to = routed.candidate.billed_to
        return routed

    # --- Chat ---------------------------------------------------------------------------

    async def chat(
        self,
        request: ChatRequest,
        *,
        on_delta: DeltaCallback | None = None,
        on_attempt: AttemptCallback | None = None,
        trace: Trace | None = None,
        hedge: bool | None = None,
    ) -> ChatResult:
        """Run one chat request to a result; cancelling the task cancels every attempt.

        Cancellation propagates as ``CancelledError``; the in-flight attempt is recorded as
        ``cancelled`` in ``trace`` (pass one in to keep it) and never counts against a provider.
        ``hedge`` (latency mode) defaults to the engine's ``latency_mode``.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        trace = trace or Trace(model=request.model, policy=request.provider)
        trace.request_id = trace.request_id or uuid.uuid4().hex[:16]
        try:
            candidates, notes = await self.chat_candidates(request.model, request.provider)
        except SwitchboardError as exc:
            return ChatResult(
                text="",
                status=FAILED,
                trace=trace,
                error=str(exc),
                error_action=exc.action,
                duration_ms=(loop.time() - started) * 1000,
            )
        trace.candidates = [c.note() for c in candidates] + notes
        if any(m.attachments for m in request.messages):
            wire = await loop.run_in_executor(self.executor, messages_to_wire, request.messages)
        else:
            wire = messages_to_wire(request.messages)
        plan = Plan(
            candidates=candidates,
            model=request.model,
            explicit=request.provider not in POLICIES,
            first_deadline_s=self._ttft_deadline,
            hedge=(self.latency_mode or self._settings().latency_mode) if hedge is None else hedge,
        )

        async def attempt(ctx: AttemptContext) -> _Outcome:
            return await self._attempt_chat(ctx, request, wire, on_delta)

        routed = await self.failover.run(plan, attempt, trace=trace, on_attempt=on_attempt)
        duration = (loop.time() - started) * 1000
        outcome, cand, record = routed.outcome, routed.candidate, routed.record
        if outcome is None or cand is None or record is None:
            message, action = failure_message(trace, routed.failures)
            return ChatResult(
                text="",
                status=FAILED,
                trace=trace,
                duration_ms=duration,
                error=message,
                error_action=action,
            )
        trace.answered_by = record.served_by or cand.provider
        trace.billed_to = cand.billed_to
        return ChatResult(
            text="".join(outcome.text_parts),
            status=outcome.status,
            trace=trace,
            provider=trace.answered_by,
            provider_model=cand.provider_model,
            via=cand.via,
            finish_reason=outcome.finish_reason,
            usage=outcome.usage,
            ttft_ms=record.ttft_ms,
            duration_ms=duration,
            error=outcome.interrupted_reason or None,
            error_action="retry" if outcome.status == INTERRUPTED else None,
            malformed_events=outcome.malformed,
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
        ctx: AttemptContext,
        request: ChatRequest,
        wire: list[dict[str, Any]],
        on_delta: DeltaCallback | None,
    ) -> _Outcome:
        loop = asyncio.get_running_loop()
        start = loop.time()
        cand, record = ctx.candidate, ctx.record
        body = build_body(request, cand.provider_model, wire)
        headers = cand.headers()
        if request.stream:
            headers["accept"] = "text/event-stream"
        if cand.via in ("router", "hf-auto"):
            headers["x-amzn-trace-id"] = str(uuid.uuid4())
        secrets = [cand.secret or ""]
        out = _Outcome()
        try:
            content = json.dumps(body).encode()
            async with asyncio.timeout_at(ctx.first_deadline_at) as timer:
                if request.stream:
                    async with self.client.stream(
                        "POST", cand.url, content=content, headers=headers
                    ) as response:
                        await self._handle(response, out, ctx, timer, start, on_delta, secrets)
                else:
                    # A whole answer: a plain POST costs less than a stream read to the end.
                    response = await self.client.post(cand.url, content=content, headers=headers)
                    await self._handle(response, out, ctx, timer, start, on_delta, secrets)
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
            out.failure = Failure(t.CONNECT_ERROR, clean(describe_error(exc), secrets))
        except httpx2.TimeoutException as exc:
            if out.committed:
                out.status = INTERRUPTED
                out.interrupted_reason = "The answer stopped arriving; the partial answer is kept."
            else:
                out.failure = Failure(t.TIMEOUT, clean(describe_error(exc), secrets))
        except httpx2.HTTPError as exc:
            # Reset, protocol error, a cut stream.
            if out.committed:
                out.status = INTERRUPTED
                out.interrupted_reason = (
                    f"The connection to {provider_label(cand.provider)} broke in the middle of "
                    "the answer; the partial answer is kept."
                )
            else:
                out.failure = Failure(t.CONNECT_ERROR, clean(describe_error(exc), secrets))
        record.duration_ms = (loop.time() - start) * 1000
        if out.committed:
            record.outcome = t.OK if out.status == COMPLETE else t.INTERRUPTED
            if out.status == INTERRUPTED:
                record.message = out.interrupted_reason
        elif out.failure is not None:
            out.failure.write_to(record)
        return out

    async def _handle(
        self,
        response: httpx2.Response,
        out: _Outcome,
        ctx: AttemptContext,
        timer: asyncio.Timeout,
        start: float,
        on_delta: DeltaCallback | None,
        secrets: list[str],
    ) -> None:
        record = ctx.record
        record.status_code = response.status_code
        record.request_id = response.headers.get("x-request-id")
        record.served_by = response.headers.get("x-inference-provider")
        if response.status_code >= 400:
            out.failure = await error_failure(response, secrets)
        else:
            await self._read_answer(response, out, ctx, timer, start, on_delta, secrets)

    async def _read_answer(
        self,
        response: httpx2.Response,
        out: _Outcome,
        ctx: AttemptContext,
        timer: asyncio.Timeout,
        start: float,
        on_delta: DeltaCallback | None,
        secrets: list[str],
    ) -> None:
        loop = asyncio.get_running_loop()
        record = ctx.record
        content_type = media_type(response.headers.get("content-type", ""))
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
            if not ctx.commit():
                return  # another (hedged) attempt already answered
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
                    if not ctx.commit():
                        return  # another (hedged) attempt already answered
                    out.committed = True
                    record.ttft_ms = (loop.time() - start) * 1000
                out.text_parts.append(chunk.text)
                if on_delta:
                    on_delta(chunk.text)
                # Push the idle deadline back only when half of it is used up: rescheduling
                # the timer on every chunk costs more than parsing the chunk.
                now = loop.time()
                idle = self.deadlines.idle_s
                when = timer.when()
                if when is None or when - now < idle / 2:
                    timer.reschedule(min(ctx.deadline_at, now + idle))
        if out.committed:
            if done or out.finish_reason:
                out.status = COMPLETE
            else:
                out.status = INTERRUPTED
                out.interrupted_reason = (
                    f"{provider_label(record.provider)} ended the answer early without "
                    "saying it was finished; the partial answer is kept."
                )
        elif (out.finish_reason or done) and ctx.commit():
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
