"""Chat through the engine over real HTTP against the emulator: routing, failover, commit point."""

from __future__ import annotations

import asyncio

from desktop.core.chat_types import ChatMessage, ChatRequest, ChatResult
from desktop.core.trace import AttemptRecord, Outcome
from desktop.core.vocab import Status
from desktop.services import Services
from tests.emulator import HF_TOKEN, LLAMA_8B, Emulator, direct_key


async def ask(
    services: Services, provider: str = "auto", model: str = LLAMA_8B, text: str = "Hi"
) -> tuple[ChatResult, list[str], list[tuple[str, str]]]:
    deltas: list[str] = []
    heard: list[tuple[str, str]] = []  # (provider, outcome) as heard at callback time
    request = ChatRequest(model=model, messages=[ChatMessage("user", text)], provider=provider)
    result = await services.engine.chat(
        request,
        on_delta=deltas.append,
        on_attempt=lambda r: heard.append((r.provider, r.outcome)),
    )
    return result, deltas, heard


async def test_streams_through_the_router_with_the_hf_token(open_services, emulator: Emulator):
    services = await open_services()
    result, deltas, _ = await ask(services)
    assert result.status == Status.COMPLETE
    assert result.text == "Hello from groq."
    assert "".join(deltas) == result.text and len(deltas) > 1  # really streamed
    assert result.provider == "groq" and result.via == "router"
    assert result.trace.billed_to == "huggingface"
    assert result.usage is not None and result.usage.total_tokens
    (req,) = emulator.requests_for("groq")
    assert req.routed and req.authorization == f"Bearer {HF_TOKEN}"
    assert req.json["model"] == "llama-3.1-8b-instant" and req.json["stream"] is True
    assert next(iter(req.json)) == "model"  # the router reads the body prefix


async def test_own_key_goes_direct_to_the_provider(open_services, emulator: Emulator):
    services = await open_services(extra_env={"GROQ_API_KEY": direct_key("groq")})
    result, _, _ = await ask(services)
    assert result.status == Status.COMPLETE and result.via == "direct"
    assert result.trace.billed_to == "groq"
    (req,) = emulator.requests_for("groq")
    assert not req.routed and req.path.endswith("/openai/v1/chat/completions")
    assert req.authorization == f"Bearer {direct_key('groq')}"


async def test_user_order_decides_the_first_candidate(open_services, emulator: Emulator):
    services = await open_services()
    services.settings.set_order(["together", "groq"])
    result, _, _ = await ask(services)
    assert result.provider == "together"


async def test_a_changed_order_or_switched_off_provider_counts_from_the_next_request(
    open_services, emulator: Emulator
):
    """Candidates are ordered once while nobody rests; a new order, a provider switched off
    (in place) or turned back on still takes effect at once."""
    services = await open_services()
    assert (await ask(services))[0].provider == "groq"
    services.settings.set_order(["together", "groq"])
    assert (await ask(services))[0].provider == "together"
    services.settings.disabled.append("together")
    assert (await ask(services))[0].provider == "groq"
    services.settings.disabled.remove("together")
    assert (await ask(services))[0].provider == "together"


async def test_429_fails_over_at_once_and_keeps_the_provider_out(open_services, emulator):
    services = await open_services()
    emulator.fault("groq", "status", status=429, retry_after=30)
    result, _, attempts = await ask(services)
    assert result.status == Status.COMPLETE and result.provider == "cerebras"
    assert [a.outcome for a in result.trace.attempts] == [Outcome.RATE_LIMITED, Outcome.OK]
    assert result.trace.attempts[0].retry_after_s == 30
    assert result.trace.summary() == "Groq busy (too many requests) → Cerebras ✓"
    # The listener heard each attempt start and end.
    assert attempts == [
        ("groq", ""),
        ("groq", Outcome.RATE_LIMITED),
        ("cerebras", ""),
        ("cerebras", Outcome.OK),
    ]
    # The next request does not knock on Groq's door during its Retry-After.
    emulator.clear_requests()
    result2, _, _ = await ask(services)
    assert result2.provider == "cerebras"
    assert emulator.requests_for("groq") == []


async def test_reset_before_headers_fails_over(open_services, emulator: Emulator):
    services = await open_services()
    emulator.fault("groq", "reset", times=1)
    result, _, _ = await ask(services)
    assert result.status == Status.COMPLETE and result.provider == "cerebras"
    assert result.trace.attempts[0].outcome == Outcome.CONNECT_ERROR


async def test_refused_connection_fails_over(open_services, emulator: Emulator):
    services = await open_services(
        extra_env={
            "GROQ_API_KEY": direct_key("groq"),
            "SWITCHBOARD_GROQ_URL": Emulator.closed_url(),
        }
    )
    result, _, _ = await ask(services)
    assert result.status == Status.COMPLETE and result.provider == "cerebras"
    assert result.trace.attempts[0].outcome == Outcome.CONNECT_ERROR


async def test_silent_provider_is_abandoned_at_the_first_token_deadline(open_services, emulator):
    services = await open_services()
    emulator.fault("groq", "silent")
    result, _, _ = await ask(services)
    assert result.status == Status.COMPLETE and result.provider == "cerebras"
    first = result.trace.attempts[0]
    assert first.outcome == Outcome.TIMEOUT
    assert first.duration_ms is not None and 900 <= first.duration_ms < 3000


async def test_last_candidate_gets_no_first_token_cut_off(open_services, emulator: Emulator):
    services = await open_services()
    emulator.fault("groq", "slow_first_token", delay=1.5)
    result, _, _ = await ask(services, provider="groq")
    assert result.status == Status.COMPLETE and result.provider == "groq"
    assert result.ttft_ms is not None and result.ttft_ms >= 1400


async def test_cut_stream_with_restarting_off_is_interrupted_and_never_retried(
    open_services, emulator
):
    services = await open_services()
    services.settings.restart_cut_answers = False
    emulator.set_reply("one two three four five six seven eight")
    emulator.fault("groq", "cut", after=3)
    result, deltas, _ = await ask(services)
    assert result.status == Status.INTERRUPTED
    assert result.text and result.text == "".join(deltas)
    assert len(result.trace.attempts) == 1  # no silent failover after the commit point
    assert result.error and "partial answer is kept" in result.error
    assert emulator.requests_for("cerebras") == []


async def test_stall_after_commit_ends_interrupted_at_the_idle_deadline(open_services, emulator):
    services = await open_services()
    emulator.set_reply("one two three four five six")
    emulator.fault("groq", "stall", after=2)
    result, _, _ = await ask(services, provider="groq")  # nobody else to finish it
    assert result.status == Status.INTERRUPTED and result.text
    assert result.trace.attempts[0].outcome == Outcome.INTERRUPTED


async def test_stream_without_done_but_with_finish_reason_is_complete(open_services, emulator):
    services = await open_services()
    services.settings.set_order(["cerebras"])  # cerebras sends no [DONE]
    result, _, _ = await ask(services)
    assert result.status == Status.COMPLETE and result.provider == "cerebras"
    assert result.finish_reason == "stop"


async def test_stream_ending_without_any_terminal_signal_is_interrupted(open_services, emulator):
    services = await open_services()
    emulator.fault("groq", "no_finish")
    result, _, _ = await ask(services, provider="groq")  # nobody else to finish it
    assert result.status == Status.INTERRUPTED and result.text


async def test_data_without_space_and_one_malformed_event_still_complete(open_services, emulator):
    services = await open_services()
    emulator.fault("groq", "data_no_space", times=1)
    result, _, _ = await ask(services)
    assert result.status == Status.COMPLETE and result.text == "Hello from groq."
    emulator.fault("groq", "malformed", times=1, after=1)
    result, _, _ = await ask(services)
    assert result.status == Status.COMPLETE and result.malformed_events == 1


async def test_in_band_error_before_content_fails_over(open_services, emulator: Emulator):
    services = await open_services()
    emulator.fault("groq", "error_event", times=1, after=0, message="Model is overloaded")
    result, _, _ = await ask(services)
    assert result.status == Status.COMPLETE and result.provider == "cerebras"
    assert result.trace.attempts[0].outcome == Outcome.SERVER_ERROR


async def test_bad_hf_token_blocks_only_routed_candidates(open_services, emulator: Emulator):
    services = await open_services(extra_env={"TOGETHER_API_KEY": direct_key("together")})
    emulator.reject_token(HF_TOKEN, status=401)
    result, _, _ = await ask(services)
    assert result.status == Status.COMPLETE and result.provider == "together"
    assert result.via == "direct"
    outcomes = [(a.provider, a.outcome) for a in result.trace.attempts]
    assert outcomes == [
        ("groq", Outcome.AUTH),
        ("together", Outcome.OK),
    ]  # cerebras (HF token) skipped


async def test_no_credits_on_the_hf_account_stops_routed_candidates(open_services, emulator):
    services = await open_services()
    emulator.reject_token(HF_TOKEN, status=402)
    result, _, _ = await ask(services)
    assert result.status == Status.FAILED
    assert len(result.trace.attempts) == 1
    assert result.error and "no inference credits" in result.error
    assert HF_TOKEN not in result.error


async def test_content_policy_refusal_is_not_shopped_around(open_services, emulator: Emulator):
    services = await open_services()
    emulator.fault("groq", "content_policy")
    result, _, _ = await ask(services)
    assert result.status == Status.FAILED and len(result.trace.attempts) == 1
    assert result.error and "content filter" in result.error


async def test_explicit_provider_means_only_that_provider(open_services, emulator: Emulator):
    services = await open_services()
    emulator.fault("together", "status", status=503)
    result, _, _ = await ask(services, provider="together")
    assert result.status == Status.FAILED
    assert {a.provider for a in result.trace.attempts} == {"together"}
    assert "Together AI had a server problem" in (result.error or "")


async def test_mapping_entry_in_error_state_is_skipped_with_a_reason(open_services, emulator):
    services = await open_services()
    emulator.add_model(
        "acme/flaky-chat",
        {
            "groq": {"providerId": "flaky-groq", "task": "conversational", "status": "error"},
            "together": {"providerId": "acme/flaky", "task": "conversational", "status": "live"},
        },
    )
    result, _, _ = await ask(services, model="acme/flaky-chat")
    assert result.status == Status.COMPLETE and result.provider == "together"
    notes = {n.provider: n.skipped for n in result.trace.candidates if n.skipped}
    assert "health check" in notes["groq"]


async def test_no_credentials_says_how_to_get_one(open_services):
    services = await open_services(hf=False)
    result, _, _ = await ask(services)
    assert result.status == Status.FAILED and result.error_action == "add_token"
    assert "huggingface.co/settings/tokens" in (result.error or "")


async def test_unknown_model_is_one_clear_sentence(open_services):
    services = await open_services()
    result, _, _ = await ask(services, model="nobody/no-such-model")
    assert result.status == Status.FAILED
    assert result.error and "no public model called nobody/no-such-model" in result.error
    assert result.error_action is None  # no "Open Providers": keys cannot fix a misspelt id


async def test_mapping_is_cached_for_offline_use(open_services, emulator: Emulator):
    services = await open_services()
    assert (await ask(services))[0].status == Status.COMPLETE
    services.catalog.invalidate(LLAMA_8B)  # stale: the next request asks the Hub again
    emulator.fault("hub", "status", status=503)
    result, _, _ = await ask(services)
    assert result.status == Status.COMPLETE
    assert LLAMA_8B in services.catalog.cached_models("conversational")


async def test_custom_openai_compatible_server(open_services, emulator: Emulator):
    from desktop.store.settings import CustomEndpoint

    services = await open_services(hf=False)
    services.settings.add_custom(
        CustomEndpoint(
            name="my-llama",
            base_url=emulator.direct_url("groq") + "/openai/v1",
            models={"local-llama": "llama-3.1-8b-instant"},
            needs_key=True,
        )
    )
    await services.set_secret("my-llama", direct_key("groq"))
    result, _, _ = await ask(services, model="local-llama")
    assert result.status == Status.COMPLETE and result.provider == "my-llama"
    (req,) = emulator.requests_for("groq")
    assert req.json["model"] == "llama-3.1-8b-instant"
    assert req.authorization == f"Bearer {direct_key('groq')}"


async def test_hf_auto_records_who_the_router_chose(open_services, emulator: Emulator):
    services = await open_services()
    result, _, _ = await ask(services, provider="hf-auto")
    assert result.status == Status.COMPLETE
    assert result.trace.attempts[0].served_by == result.provider
    assert result.provider not in (None, "hf-auto")


async def test_cancel_mid_stream_stops_promptly(open_services, emulator: Emulator):
    services = await open_services()
    emulator.set_reply("one two three four five")
    emulator.fault("groq", "stall", after=2)
    got_text = asyncio.Event()
    attempts: list[AttemptRecord] = []
    request = ChatRequest(model=LLAMA_8B, messages=[ChatMessage("user", "Hi")])
    task = asyncio.create_task(
        services.engine.chat(
            request, on_delta=lambda _t: got_text.set(), on_attempt=attempts.append
        )
    )
    await asyncio.wait_for(got_text.wait(), 5)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=1.0)
    assert task in done and task.cancelled()
    assert attempts[-1].outcome == Outcome.CANCELLED
    # A user's stop is not the provider's fault.
    assert services.health.state(services.health.key("groq", "huggingface")) == "closed"


async def test_non_streaming_chat(open_services, emulator: Emulator):
    services = await open_services()
    request = ChatRequest(model=LLAMA_8B, messages=[ChatMessage("user", "Hi")], stream=False)
    result = await services.engine.chat(request)
    assert result.status == Status.COMPLETE and result.text == "Hello from groq."
    assert result.finish_reason == "stop" and result.usage and result.usage.total_tokens
    (req,) = emulator.requests_for("groq")
    assert req.json["stream"] is False and "stream_options" not in req.json
