"""What is measured: throughput batches per contender, and the cost of one failover.

Throughput: ``requests`` chat requests, ``concurrency`` in flight, through one contender; the
client's CPU is the ``time.process_time()`` delta of this process (the emulator is another
process, see :mod:`tests.bench.emulator_process`), wall time is ``perf_counter``. Within a
round each contender's requests go in slices, the contenders' slices alternating (and who
goes first rotating), so drift (CPU frequency, caches, another process waking up, the
emulator's record growing) falls on every contender alike instead of on whichever batch it
struck; the report takes the median of the rounds.

Failover: sequential streamed requests through the engine, each healthy request followed by
one whose first candidate (Groq) fails, so both see the same conditions. The engine's circuit
breaker would keep Groq out after its first failure, so every request starts with a fresh
``HealthBook(None)`` (assigned to ``services.health``, ``services.engine.health`` and
``services.engine.failover.health``): each failing request is a *first* failure, the
per-request cost a user meets.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.core.chat_types import ChatResult
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.engine.failover import Deadlines
from desktop.engine.health import HealthBook
from desktop.services import Services
from tests.emulator import Emulator, direct_key

from .clients import Contender, EngineContender, Target
from .emulator_process import EmulatorProcess

SHORT_REPLY = "Hello from {provider}."
"""The emulator's default answer: what the non-streaming batches receive."""


def long_reply(words: int) -> str:
    """An answer the emulator streams as ``words`` content chunks (one per word)."""
    return " ".join(f"word{i}" for i in range(words)) + "."


# --- Throughput ---------------------------------------------------------------------------


@dataclass
class Batch:
    """One measured batch of one contender."""

    contender: str
    stream: bool
    round: int
    requests: int
    concurrency: int
    ok: int = 0
    errors: int = 0
    wrong_text: int = 0
    chunks: int = 0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    server_cpu_s: float = 0.0
    first_error: str | None = None

    def absorb(self, part: Batch) -> None:
        """Add one slice of the same contender's batch (see :func:`run_throughput`)."""
        self.ok += part.ok
        self.errors += part.errors
        self.wrong_text += part.wrong_text
        self.chunks += part.chunks
        self.cpu_s += part.cpu_s
        self.wall_s += part.wall_s
        self.server_cpu_s += part.server_cpu_s
        self.first_error = self.first_error or part.first_error

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_s / max(self.ok, 1)

    @property
    def requests_per_s(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_us_per_chunk(self) -> float:
        return 1e6 * self.cpu_s / max(self.chunks, 1)

    @property
    def server_cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / max(self.ok, 1)


async def run_batch(
    contender: Contender,
    emu: EmulatorProcess,
    *,
    stream: bool,
    requests: int,
    concurrency: int,
    expected: str,
    round_no: int,
) -> Batch:
    """Send ``requests`` chat requests with ``concurrency`` workers and measure the client."""
    batch = Batch(contender.name, stream, round_no, requests, concurrency)
    left = requests

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            try:
                reply = await contender.chat(stream)
            except Exception as exc:
                batch.errors += 1
                batch.first_error = batch.first_error or f"{type(exc).__name__}: {exc}"
                continue
            batch.ok += 1
            batch.chunks += reply.chunks
            if reply.text != expected:
                batch.wrong_text += 1

    emu.clear_requests()  # keep the emulator's record (and its lock) small
    gc.collect()
    server_before = emu.cpu_seconds()
    cpu_before = time.process_time()
    wall_before = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    batch.wall_s = time.perf_counter() - wall_before
    batch.cpu_s = time.process_time() - cpu_before
    batch.server_cpu_s = emu.cpu_seconds() - server_before
    return batch


@dataclass
class ThroughputPlan:
    requests: int
    stream_requests: int
    stream_words: int
    concurrency: int
    rounds: int
    warmup: int
    slices: int = 10
    """Each round's batch of each contender is sent in this many slices, the contenders'
    slices alternating, so a change of load on the machine falls on every contender alike."""


async def run_throughput(
    contenders: Sequence[Contender],
    emu: EmulatorProcess,
    plan: ThroughputPlan,
    *,
    log: bool = True,
) -> list[Batch]:
    """Warm every contender up, then ``rounds`` rounds of non-streaming and streaming batches."""
    short = SHORT_REPLY.replace("{provider}", "groq")
    stream_text = long_reply(plan.stream_words)
    for contender in contenders:
        for stream, reply, expected in (
            (False, SHORT_REPLY, short),
            (True, stream_text, stream_text),
        ):
            if contender.streams_only and not stream:
                continue
            emu.set_reply(reply)
            warm = await run_batch(
                contender,
                emu,
                stream=stream,
                requests=plan.warmup,
                concurrency=plan.concurrency,
                expected=expected,
                round_no=0,
            )
            if warm.errors or warm.wrong_text:
                raise RuntimeError(
                    f"{contender.label} failed its warm-up (stream={stream}): "
                    f"{warm.errors} errors, {warm.wrong_text} wrong answers; "
                    f"first error: {warm.first_error}"
                )
    batches: list[Batch] = []
    slices = max(1, plan.slices)
    for round_no in range(1, plan.rounds + 1):
        shift = (round_no - 1) % len(contenders)
        order = [*contenders[shift:], *contenders[:shift]]
        for stream, reply, expected, count in (
            (False, SHORT_REPLY, short, plan.requests),
            (True, stream_text, stream_text, plan.stream_requests),
        ):
            emu.set_reply(reply)
            taking = [c for c in order if stream or not c.streams_only]
            totals = {c.name: Batch(c.name, stream, round_no, 0, plan.concurrency) for c in taking}
            for part_no in range(slices):
                size = count // slices + (1 if part_no < count % slices else 0)
                turn = part_no % len(taking)  # who goes first changes from slice to slice
                for contender in [*taking[turn:], *taking[:turn]]:
                    part = await run_batch(
                        contender,
                        emu,
                        stream=stream,
                        requests=size,
                        concurrency=plan.concurrency,
                        expected=expected,
                        round_no=round_no,
                    )
                    total = totals[contender.name]
                    total.requests += size
                    total.absorb(part)
            for contender in taking:
                batch = totals[contender.name]
                batches.append(batch)
                if log:
                    what = (
                        f"{batch.chunks_per_s:8.0f} chunks/s"
                        if stream
                        else f"{batch.requests_per_s:8.0f} req/s"
                    )
                    print(
                        f"  round {round_no} {'stream' if stream else 'chat  '} "
                        f"{contender.name:16} {batch.cpu_ms_per_request:6.3f} ms CPU/req "
                        f"{what}  errors {batch.errors}",
                        flush=True,
                    )
    emu.set_reply(SHORT_REPLY)
    return batches


# --- Failover -----------------------------------------------------------------------------


def failover_deadlines(ttft_s: float) -> Deadlines:
    """A fixed time-to-first-token deadline (no adaptation), as the engine tests use."""
    return Deadlines(ttft_s=ttft_s, ttft_min_s=ttft_s, ttft_max_s=ttft_s, idle_s=5.0, total_s=60.0)


@dataclass
class FailoverCase:
    """One fault kind: healthy and failing first candidates, interleaved, wall ms each.

    ``answered_by`` is who must answer the failing request: the second candidate (Cerebras),
    or Groq itself when routing.md §5.3 has the engine wait for it. ``asked_wait_ms`` is a
    wait the provider asked for and routing.md tells the engine to honour (a Retry-After of
    at most 2 s on the user's first choice): it is the provider's time, not the engine's, so
    :attr:`added_ms` leaves it out (the row says so).
    """

    name: str
    label: str
    answered_by: str = "cerebras"
    asked_wait_ms: float = 0.0
    healthy_ms: list[float] = field(default_factory=list)
    failover_ms: list[float] = field(default_factory=list)
    first_attempt_ms: list[float] = field(default_factory=list)
    """How long the failing attempt itself lasted (from the trace)."""
    unexpected: list[str] = field(default_factory=list)

    @property
    def healthy_median(self) -> float:
        return statistics.median(self.healthy_ms) if self.healthy_ms else float("nan")

    @property
    def failover_median(self) -> float:
        return statistics.median(self.failover_ms) if self.failover_ms else float("nan")

    @property
    def added_ms(self) -> float:
        """What the failure cost beyond the healthy request and any wait it asked for."""
        return self.failover_median - self.healthy_median - self.asked_wait_ms


@dataclass
class FailoverPlan:
    requests: int
    silent_requests: int
    ttft_s: float
    warmup: int = 3


def reset_health(services: Services) -> None:
    """A fresh, file-less ``HealthBook`` everywhere the engine keeps one.

    The engine reads breakers in candidate ordering (``engine.health``) and in the failover
    loop (``engine.failover.health``); both must see the same fresh book, or Groq would be
    skipped after its first failure. ``_check`` verifies Groq really was tried first.
    """
    fresh = HealthBook(None)
    services.health = fresh
    services.engine.health = fresh
    failover = getattr(services.engine, "failover", None)
    if failover is not None:
        failover.health = fresh


async def _one(engine: EngineContender) -> tuple[float, ChatResult]:
    services = engine.services
    assert services is not None
    reset_health(services)
    request = engine.request(stream=True)
    start = time.perf_counter()
    result = await services.engine.chat(request)
    return (time.perf_counter() - start) * 1000, result


def _check(result: ChatResult, provider: str, outcomes: list[str]) -> str | None:
    got = [a.outcome for a in result.trace.attempts]
    if result.status != Status.COMPLETE or result.provider != provider or got != outcomes:
        return (
            f"status {result.status}, provider {result.provider}, attempts {got} "
            f"(expected {provider} after {outcomes})"
        )
    return None


async def _measure_case(
    case: FailoverCase,
    healthy: EngineContender,
    failing: EngineContender,
    emu: EmulatorProcess,
    *,
    count: int,
    warmup: int,
    fault: str | None,
    fault_params: dict[str, Any] | None = None,
    failed_outcome: str,
) -> None:
    for i in range(warmup + count):
        if fault is not None:
            emu.fault("groq", fault, times=1, **(fault_params or {}))
        fail_ms, fail_result = await _one(failing)
        ok_ms, ok_result = await _one(healthy)
        problem = _check(fail_result, case.answered_by, [failed_outcome, Outcome.OK]) or _check(
            ok_result, "groq", [Outcome.OK]
        )
        if problem is not None:
            case.unexpected.append(problem)
            emu.clear_faults()
            continue
        if i < warmup:
            continue
        case.failover_ms.append(fail_ms)
        case.healthy_ms.append(ok_ms)
        case.first_attempt_ms.append(fail_result.trace.attempts[0].duration_ms or 0.0)
    emu.clear_faults()


async def run_failover(
    target: Target, emu: EmulatorProcess, plan: FailoverPlan, *, log: bool = True
) -> list[FailoverCase]:
    """Refused connection, 429 and a silent provider, each against its healthy twin."""
    deadlines = failover_deadlines(plan.ttft_s)
    direct = {"GROQ_API_KEY": direct_key("groq")}
    routed = EngineContender(target, deadlines=deadlines)
    direct_ok = EngineContender(target, extra_env=direct, deadlines=deadlines)
    refused = EngineContender(
        target,
        extra_env={**direct, "SWITCHBOARD_GROQ_URL": Emulator.closed_url()},
        deadlines=deadlines,
    )
    engines = (routed, direct_ok, refused)
    for engine in engines:
        await engine.open()
    cases = [
        FailoverCase("refused", "refused connection (direct URL, nothing listening)"),
        # routing.md §5.3 (the 429 row): a Retry-After of at most 2 s on the user's first
        # choice under "auto" is waited out and the same provider asked again, keeping the
        # user's order; Groq answers after the 1 s it asked for.
        FailoverCase(
            "429",
            "429 Too Many Requests (Retry-After: 1, waited)",
            answered_by="groq",
            asked_wait_ms=1000.0,
        ),
        FailoverCase("silent", f"never answers (TTFT deadline {plan.ttft_s:g} s)"),
    ]
    try:
        await _measure_case(
            cases[0],
            direct_ok,
            refused,
            emu,
            count=plan.requests,
            warmup=plan.warmup,
            fault=None,
            failed_outcome=Outcome.CONNECT_ERROR,
        )
        await _measure_case(
            cases[1],
            routed,
            routed,
            emu,
            count=plan.requests,
            warmup=plan.warmup,
            fault="status",
            fault_params={"status": 429},
            failed_outcome=Outcome.RATE_LIMITED,
        )
        await _measure_case(
            cases[2],
            routed,
            routed,
            emu,
            count=plan.silent_requests,
            warmup=1,
            fault="silent",
            failed_outcome=Outcome.TIMEOUT,
        )
    finally:
        for engine in engines:
            await engine.aclose()
    if log:
        for case in cases:
            print(
                f"  failover {case.name:8} healthy {case.healthy_median:8.2f} ms  "
                f"with failover {case.failover_median:8.2f} ms  "
                f"unexpected {len(case.unexpected)}",
                flush=True,
            )
    return cases
