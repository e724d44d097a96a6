"""Issue 9: routing that holds under every fault, and says why it skipped anyone.

Each behaviour is a scenario over real HTTP against the emulator; timing uses an injected
health clock or waits bounded by a second or two, never long sleeps.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from desktop.core.chat_types import ChatMessage, ChatRequest, ChatResult
from desktop.core.table import Task
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.engine.candidates import Candidate
from desktop.engine.failover import Deadlines, Failover
from desktop.engine.health import CLOSED, OPEN, HealthBook
from desktop.engine.health_summary import provider_health, try_again_now
from desktop.services import Services
from tests.emulator import HF_TOKEN, LLAMA_8B, Emulator, direct_key

REPLY = "one two three four five six seven eight"


class FakeClock:
    def __init__(self, now: float = 2_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Heard:
    """What a listener of the engine hears: deltas, and the restart notes between them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def delta(self, text: str) -> None:
        self.events.append(("delta", text))

    def restart(self, note: str) -> None:
        self.events.append(("restart", note))

    def shown(self) -> str:
        """The text on screen at the end: deltas since the last restart (replace, not append)."""
        text = ""
        for kind, value in self.events:
            text = "" if kind == "restart" else text + value
        return text

    def notes(self) -> list[str]:
        return [v for k, v in self.events if k == "restart"]


async def ask(
    services: Services, provider: str = "auto", heard: Heard | None = None, **req: Any
) -> ChatResult:
    request = ChatRequest(
        model=req.pop("model", LLAMA_8B),
        messages=[ChatMessage("user", "Hi")],
        provider=provider,
        **req,
    )
    heard = heard or Heard()
    return await services.engine.chat(request, on_delta=heard.delta, on_restart=heard.restart)


def outcomes(result: ChatResult) -> list[tuple[str, str]]:
    return [(a.provider, a.outcome) for a in result.trace.attempts]


# --- 1. A stream that breaks mid-answer is finished by the next provider ---------------------


@pytest.mark.parametrize(
    ("kind", "params"),
    [("cut", {"after": 3}), ("stall", {"after": 2}), ("no_finish", {})],
)
async def test_an_answer_cut_mid_way_is_restarted_and_replaced_by_a_complete_one(
    open_services: Any, emulator: Emulator, kind: str, params: dict[str, Any]
) -> None:
    services = await open_services()
    emulator.set_reply(REPLY)
    emulator.fault("groq", kind, **params)
    heard = Heard()
    result = await ask(services, heard=heard)
    assert result.status == Status.COMPLETE and result.provider == "cerebras"
    assert result.text == REPLY and heard.shown() == REPLY  # replaced, never appended
    assert heard.notes() == ["Groq stopped mid-answer; Cerebras answered instead"]
    assert heard.events[0][0] == "delta"  # the partial text was shown before the restart
    assert result.notice == "Groq stopped mid-answer; Cerebras answered instead."
    cut, answered = result.trace.attempts
    assert (cut.provider, cut.outcome) == ("groq", Outcome.INTERRUPTED)
    assert cut.partial_text and REPLY.startswith(cut.partial_text)
    assert kind == "no_finish" or cut.partial_text != REPLY
    assert "restarted on the next provider" in cut.message
    assert (answered.provider, answered.outcome) == ("cerebras", Outcome.OK)
    assert result.trace.restarts == ["Groq stopped mid-answer; Cerebras answered instead"]
    assert result.error is None


async def test_a_cut_answer_nobody_can_finish_stays_interrupted_with_its_text(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services(
        deadlines=Deadlines(
            ttft_s=1, ttft_min_s=1, ttft_max_s=1, idle_s=1, total_s=20, max_attempts=2
        )
    )
    emulator.set_reply(REPLY)
    emulator.fault("groq", "cut", after=3)
    emulator.fault("cerebras", "status", status=503)
    heard = Heard()
    result = await ask(services, heard=heard)
    assert outcomes(result) == [("groq", Outcome.INTERRUPTED), ("cerebras", Outcome.SERVER_ERROR)]
    assert result.status == Status.INTERRUPTED  # never reported as complete
    assert result.text and REPLY.startswith(result.text) and result.text != REPLY
    assert heard.notes() == [] and heard.shown() == result.text  # the partial text stays
    assert result.error == (
        "The connection to Groq broke in the middle of the answer; the partial answer is kept."
    )


async def test_an_explicit_provider_cut_mid_answer_is_not_finished_by_another(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.set_reply(REPLY)
    emulator.fault("groq", "cut", after=3)
    result = await ask(services, provider="groq")
    assert result.status == Status.INTERRUPTED and outcomes(result) == [
        ("groq", Outcome.INTERRUPTED)
    ]
    assert emulator.requests_for("cerebras") == []


async def test_the_history_keeps_the_complete_answer_and_the_trace_the_partial_one(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.set_reply(REPLY)
    emulator.fault("groq", "cut", after=3)

    class Listener:
        def __init__(self) -> None:
            self.text = ""
            self.notes: list[str] = []

        def turn_started(self, turn: Any) -> None:
            pass

        def attempt_changed(self, record: Any) -> None:
            pass

        def delta(self, text: str) -> None:
            self.text += text

        def restarted(self, note: str) -> None:
            self.notes.append(note)
            self.text = ""

    listener = Listener()
    turn = await services.chat.send(None, "Hi", model=LLAMA_8B, listener=listener)
    assert listener.text == REPLY and len(listener.notes) == 1
    conv = services.history.get_conversation(turn.conversation_id)
    assert conv is not None
    answer = conv.messages[-1]
    assert answer.status == Status.COMPLETE and answer.content == REPLY
    assert answer.trace is not None
    cut = answer.trace["attempts"][0]
    assert cut["outcome"] == "interrupted" and REPLY.startswith(cut["partial_text"])


async def test_a_hedged_answer_cut_after_it_won_is_restarted_too(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services()
    services.engine.latency_mode = True
    emulator.set_reply(REPLY)
    emulator.fault("groq", "cut", after=2)
    heard = Heard()
    result = await ask(services, heard=heard)
    assert result.status == Status.COMPLETE and heard.shown() == REPLY
    assert outcomes(result) == [("groq", Outcome.INTERRUPTED), ("cerebras", Outcome.OK)]


# --- 2. Unknown is not "not larger" ----------------------------------------------------------

UNKNOWN_WINDOW = "test/unknown-window"


async def test_after_a_context_error_an_unknown_window_is_tried(
    open_services: Any, emulator: Emulator
) -> None:
    emulator.add_model(
        UNKNOWN_WINDOW,
        {
            "groq": {"providerId": "llama-3.1-8b-instant", "context_length": 8192},
            "cerebras": {"providerId": "llama3.1-8b", "context_length": None},
            "together": {"providerId": "together-llama", "context_length": 4096},
        },
    )
    services = await open_services()
    await services.catalog.provider_stats(UNKNOWN_WINDOW)
    services.settings.set_order(["groq", "together", "cerebras"])
    emulator.fault("groq", "context_length")
    result = await ask(services, model=UNKNOWN_WINDOW)
    assert outcomes(result) == [("groq", Outcome.CONTEXT_LENGTH), ("cerebras", Outcome.OK)]
    skipped = {n.provider: n.skipped for n in result.trace.candidates if n.skipped}
    assert skipped["together"] == "its context window is not larger"


# --- 3. A provider that recovers is used again within 30 s -----------------------------------


async def test_a_primary_back_after_a_long_outage_is_used_again_within_30_s(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services()
    clock = FakeClock()
    services.health.clock = clock
    outage = emulator.fault("groq", "status", status=503)
    start = clock.now
    while clock.now - start < 60:  # a 60 s outage, one request every 4 s
        result = await ask(services)
        assert result.status == Status.COMPLETE and result.provider == "cerebras"
        clock.now += 4
    assert outage.hits >= 4  # it was probed during the outage, not forgotten
    emulator.clear_faults()
    recovered = clock.now
    while (result := await ask(services)).provider != "groq":
        assert clock.now - recovered <= 30, "the recovered primary was not used within 30 s"
        clock.now += 4
    assert clock.now - recovered <= 16  # the probe interval is capped at 15 s
    for _ in range(3):  # the user's first choice stays first once it answers again
        clock.now += 4
        assert (await ask(services)).provider == "groq"


def test_the_probe_interval_never_grows_past_15_s_for_outages() -> None:
    clock = FakeClock()
    book = HealthBook(None, clock)
    for _ in range(10):
        book.record("p|c", Outcome.SERVER_ERROR)
        assert book.open_until("p|c") - clock.now <= 15
        clock.now = book.open_until("p|c") + 0.1
    book.record("q|c", Outcome.RATE_LIMITED, retry_after_s=120)
    assert book.open_until("q|c") - clock.now == 120  # a Retry-After is still honoured


# --- 4. A short Retry-After on the user's first choice is waited out -------------------------


async def test_a_short_retry_after_on_the_first_choice_is_waited_out(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.fault("groq", "status", status=429, retry_after=1, times=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await ask(services)
    waited = loop.time() - started
    assert result.status == Status.COMPLETE and result.provider == "groq"
    assert outcomes(result) == [("groq", Outcome.RATE_LIMITED), ("groq", Outcome.OK)]
    assert emulator.requests_for("cerebras") == []  # the user's order was kept
    assert 0.9 <= waited < 5
    assert result.trace.waits == [
        "waited 1 s for Groq as it asked (Retry-After), then asked it again"
    ]


async def test_a_long_retry_after_moves_on_at_once(open_services: Any, emulator: Emulator) -> None:
    services = await open_services()
    emulator.fault("groq", "status", status=429, retry_after=5, times=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await ask(services)
    assert result.provider == "cerebras" and loop.time() - started < 2
    assert result.trace.waits == []


# --- 5. First-token deadline without history -------------------------------------------------


def test_first_token_deadline_from_the_published_figure_else_10_s() -> None:
    failover = Failover(HealthBook(None), Deadlines())

    def cand(published: float | None) -> Candidate:
        return Candidate("groq", "router", "m", "u", "huggingface", published_ttft_ms=published)

    assert failover.ttft_deadline(cand(None)) == 10.0  # nothing known: 10 s (was 15 s)
    assert failover.ttft_deadline(cand(600)) == 5.0  # ×3 = 1.8 s, the floor is 5 s
    assert failover.ttft_deadline(cand(4000)) == 12.0  # ×3
    assert failover.ttft_deadline(cand(60_000)) == 30.0  # never past the cap
    failover.health.record(cand(None).health_key, Outcome.OK, ttft_ms=3000)
    assert failover.ttft_deadline(cand(100)) == 9.0  # our own history wins


async def test_a_silent_start_fails_over_at_the_published_deadline(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services(
        deadlines=Deadlines(ttft_s=10, ttft_min_s=0.3, ttft_max_s=30, idle_s=5, total_s=20)
    )
    await services.catalog.provider_stats(LLAMA_8B)  # groq publishes 180 ms: 0.54 s
    emulator.fault("groq", "slow_first_token", delay=5.0, times=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await ask(services)
    assert result.provider == "cerebras" and loop.time() - started < 3
    assert outcomes(result)[0] == ("groq", Outcome.TIMEOUT)


# --- 6. A 401/403 is scoped to the credential that was refused -------------------------------


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refusal_passed_on_from_one_provider_rests_that_provider_only(
    open_services: Any, emulator: Emulator, status: int
) -> None:
    services = await open_services()
    emulator.fault("groq", "provider_refusal", status=status)
    result = await ask(services)
    # The HF token is fine: the next routed provider is asked with it.
    assert outcomes(result) == [("groq", Outcome.AUTH), ("cerebras", Outcome.OK)]
    health = services.health
    assert health.state("groq|huggingface") == OPEN
    assert health.state("cerebras|huggingface") == CLOSED
    assert health.open_until("groq|huggingface") - health.clock() <= 3600
    again = await ask(services)
    assert outcomes(again) == [("cerebras", Outcome.OK)]
    skipped = {n.provider: n.skipped for n in again.trace.candidates}
    assert skipped["groq"] == "resting for 60 min after it refused the key"
    assert again.trace.first_choice_skipped() == (
        "Groq, your first choice, was skipped: resting for 60 min after it refused the key"
    )


async def test_the_routers_refusal_of_the_token_rests_every_routed_provider(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services(extra_env={"TOGETHER_API_KEY": direct_key("together")})
    emulator.reject_token(HF_TOKEN, status=401)
    result = await ask(services)
    assert outcomes(result) == [("groq", Outcome.AUTH), ("together", Outcome.OK)]
    health = services.health
    for provider in ("groq", "cerebras", "nscale"):
        assert health.state(f"{provider}|huggingface") == OPEN
    assert health.state("together|together") == CLOSED
    left = health.open_until("cerebras|huggingface") - health.clock()
    assert 3500 < left <= 3600  # at most an hour (was a day)
    assert provider_health(health, "cerebras", ("huggingface",)).state == OPEN
    # "Try again now" on the Providers page ends the rest at once.
    try_again_now(health, services.credentials, "cerebras")
    assert health.state("cerebras|huggingface") == CLOSED


async def test_a_key_rest_ends_with_try_again_now(open_services: Any, emulator: Emulator) -> None:
    services = await open_services(extra_env={"GROQ_API_KEY": "key-wrong"})
    result = await ask(services)
    assert outcomes(result) == [("groq", Outcome.AUTH), ("cerebras", Outcome.OK)]
    health = services.health
    assert 3500 < health.open_until("groq|groq") - health.clock() <= 3600
    try_again_now(health, services.credentials, "groq")
    assert health.state("groq|groq") == CLOSED
    assert outcomes(await ask(services))[0] == ("groq", Outcome.AUTH)  # asked again first


# --- 7. Every skip is visible ----------------------------------------------------------------


async def test_every_provider_not_tried_has_a_reason_in_words(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.fault("groq", "status", status=429, retry_after=25, times=1)
    first = await ask(services)
    assert first.provider == "cerebras"
    result = await ask(services)
    assert outcomes(result) == [("cerebras", Outcome.OK)]
    reasons = {n.provider: n.skipped for n in result.trace.candidates}
    assert reasons["groq"] in (
        "resting for 25 s after it said \u2018too many requests\u2019",
        "resting for 24 s after it said \u2018too many requests\u2019",
    )
    assert reasons["together"] == "not needed (Cerebras answered)"
    assert reasons["cerebras"] is None  # it answered
    assert all(reasons[p] for p in reasons if p != "cerebras")
    assert result.trace.first_choice == "groq"
    assert result.trace.first_choice_skipped().startswith(
        "Groq, your first choice, was skipped: resting for 2"
    )
    words = result.to_dict()["not_tried"]
    assert any(w.startswith("Groq: resting for 2") for w in words)


# --- 8. Streams as real servers send them ----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "quirks"),
    [
        ("no_final_newline", {}),  # [DONE] without its blank line or newline
        ("no_final_newline", {"done": False}),  # the finish chunk itself is unterminated
        ("stray_tail", {}),  # half an event after [DONE]
        ("stray_tail", {"done": False}),  # half an event after the finish chunk
        ("cut_after_finish", {}),  # the connection drops right after the finish chunk
        ("no_done", {}),
    ],
)
async def test_a_finished_answer_is_complete_however_the_stream_ends(
    open_services: Any, emulator: Emulator, kind: str, quirks: dict[str, Any]
) -> None:
    services = await open_services()
    emulator.set_reply(REPLY)
    if quirks:
        emulator.set_quirks("groq", **quirks)
    emulator.fault("groq", kind)
    result = await ask(services)
    assert result.status == Status.COMPLETE and result.text == REPLY
    assert result.finish_reason == "stop"
    assert outcomes(result) == [("groq", Outcome.OK)]
    assert result.usage is not None and result.usage.completion_tokens


# --- 9. The model the provider says answered -------------------------------------------------


@pytest.mark.parametrize("stream", [True, False])
async def test_the_model_the_provider_reports_is_kept(
    open_services: Any, emulator: Emulator, stream: bool
) -> None:
    services = await open_services()
    emulator.set_quirks("groq", reported_model="llama-3.1-8b-instant-2025-06")
    result = await ask(services, stream=stream)
    assert result.provider_model == "llama-3.1-8b-instant"  # the name that was sent
    assert result.provider_model_reported == "llama-3.1-8b-instant-2025-06"
    assert result.trace.attempts[0].provider_model_reported == "llama-3.1-8b-instant-2025-06"
    assert result.to_dict()["provider_model_reported"] == "llama-3.1-8b-instant-2025-06"


# --- 10. Policies stay honest under faults ---------------------------------------------------


@pytest.mark.parametrize("policy", ["fastest", "cheapest"])
async def test_policies_fall_back_in_their_own_order(
    open_services: Any, emulator: Emulator, policy: str
) -> None:
    services = await open_services()
    await services.catalog.provider_stats(LLAMA_8B)
    ordered, _ = await services.engine.task_candidates(Task.CHAT, LLAMA_8B, policy)
    own = [c.provider for c in ordered]
    user = [p for p in services.settings.ordered_providers() if p in own]
    assert own[:3] != user[:3]  # the policy's order is not the user's here
    for provider in own[:2]:
        emulator.fault(provider, "status", status=503)
    result = await ask(services, provider=policy)
    assert [a.provider for a in result.trace.attempts] == own[:3]
    assert result.status == Status.COMPLETE and result.provider == own[2]


async def test_an_explicit_provider_never_silently_becomes_another(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.fault("groq", "provider_refusal", status=403)
    result = await ask(services, provider="groq")
    assert result.status == Status.FAILED and outcomes(result) == [("groq", Outcome.AUTH)]
    assert result.error and result.error.startswith("Groq refused this request")
    chat = {r.provider for r in emulator.requests if r.provider not in (None, "hub", "models")}
    assert chat == {"groq"}


async def test_after_a_refusal_every_provider_would_give_the_others_say_why(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.fault("groq", "content_policy")
    result = await ask(services)
    assert result.status == Status.FAILED and outcomes(result) == [("groq", Outcome.CONTENT_POLICY)]
    reasons = {n.provider: n.skipped for n in result.trace.candidates if n.provider != "groq"}
    assert all(reasons.values())  # every one says why
    assert (
        reasons["cerebras"]
        == reasons["together"]
        == ("not asked: Groq refused the request itself, and every provider would")
    )


async def test_a_refused_token_that_works_again_ends_its_rest_at_the_first_answer(
    open_services: Any, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.reject_token(HF_TOKEN, status=401)
    failed = await ask(services)
    assert failed.status == Status.FAILED and len(failed.trace.attempts) == 1
    assert services.health.state("cerebras|huggingface") == OPEN
    emulator.accept_token(HF_TOKEN)  # fixed at Hugging Face (e.g. the permission was added)
    result = await ask(services)  # everyone rests, so the earliest is asked anyway
    assert result.status == Status.COMPLETE and result.provider == "groq"
    assert services.health.state("cerebras|huggingface") == CLOSED
