"""An offline machine is not the providers' fault (issue 12): their health stays as it was.

Over real sockets: the emulator stopped (every provider refuses), a router address whose name
cannot be looked up (DNS failure), and, for contrast, one provider refusing while another
answers, which does count against that one.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from desktop.core.chat_types import ChatMessage, ChatRequest, ChatResult
from desktop.core.classify import OFFLINE_SENTENCE
from desktop.core.media_types import ImageRequest
from desktop.core.trace import Outcome
from desktop.core.vocab import FixAction, Status
from desktop.services import Services
from tests.emulator import LLAMA_8B, Emulator, direct_key
from tests.emulator.media_models import FLUX_SCHNELL

UNKNOWN_HOST = "http://switchboard-test-router.invalid"
"""``.invalid`` never resolves (RFC 2606): a DNS failure without touching the internet."""


async def ask(services: Services, provider: str = "auto") -> ChatResult:
    request = ChatRequest(model=LLAMA_8B, messages=[ChatMessage("user", "Hi")], provider=provider)
    return await services.engine.chat(request, on_delta=lambda _t: None)


def health_of(services: Services) -> dict[str, dict[str, Any]]:
    """Every breaker's counts and state, without the timestamps an attempt may touch."""
    out = {}
    for key, item in services.health.snapshot().items():
        row = asdict(item)
        row.pop("updated_at")
        out[key] = row
    return out


async def test_emulator_stopped_leaves_every_providers_health_unchanged(
    open_services, emulator: Emulator
):
    services = await open_services()
    assert (await ask(services)).status == Status.COMPLETE  # the mapping is now known
    before = health_of(services)
    emulator.stop()  # the machine "goes offline": every connection is refused
    result = await ask(services)
    assert result.status == Status.FAILED
    attempts = result.trace.attempts
    assert len({a.provider for a in attempts}) >= 2
    assert all(a.outcome == Outcome.CONNECT_ERROR for a in attempts)
    assert result.error == OFFLINE_SENTENCE
    assert result.error_action == FixAction.RETRY
    assert health_of(services) == before
    # Over and over: still no breaker opens, so the first request back online goes first-choice.
    for _ in range(3):
        await ask(services)
    assert health_of(services) == before


async def test_dns_failure_for_every_attempt_counts_against_nobody(open_services):
    services = await open_services(extra_env={"SWITCHBOARD_ROUTER_URL": UNKNOWN_HOST})
    result = await ask(services)
    assert result.status == Status.FAILED
    assert result.trace.attempts and all(
        a.outcome == Outcome.CONNECT_ERROR for a in result.trace.attempts
    )
    assert result.error == OFFLINE_SENTENCE
    for item in services.health.snapshot().values():
        assert item.failures == 0 and item.consecutive_failures == 0 and item.open_until == 0


async def test_dns_failure_of_a_single_pinned_provider_is_also_offline(open_services):
    services = await open_services(extra_env={"SWITCHBOARD_ROUTER_URL": UNKNOWN_HOST})
    result = await ask(services, provider="groq")
    assert [a.outcome for a in result.trace.attempts] == [Outcome.CONNECT_ERROR]
    assert result.error == OFFLINE_SENTENCE
    assert all(item.failures == 0 for item in services.health.snapshot().values())


async def test_one_provider_refusing_while_another_answers_counts_against_it(open_services):
    services = await open_services(
        extra_env={
            "GROQ_API_KEY": direct_key("groq"),
            "SWITCHBOARD_GROQ_URL": Emulator.closed_url(),
        }
    )
    result = await ask(services)
    assert result.status == Status.COMPLETE and result.provider == "cerebras"
    assert result.trace.attempts[0].outcome == Outcome.CONNECT_ERROR
    groq = [i for k, i in services.health.snapshot().items() if k.startswith("groq|")]
    assert [i.failures for i in groq] == [1]
    assert groq[0].recent == [False]


async def test_a_single_provider_refusing_alone_still_counts(open_services):
    """Pinned to one provider whose port is closed: that says nothing about this machine."""
    services = await open_services(
        extra_env={
            "GROQ_API_KEY": direct_key("groq"),
            "SWITCHBOARD_GROQ_URL": Emulator.closed_url(),
        }
    )
    result = await ask(services, provider="groq")
    assert result.status == Status.FAILED
    assert result.error != OFFLINE_SENTENCE
    groq = [i for k, i in services.health.snapshot().items() if k.startswith("groq|")]
    assert groq and groq[0].failures >= 1


async def test_a_picture_asked_while_offline_says_so_and_counts_against_nobody(
    open_services, emulator: Emulator
):
    services = await open_services()
    request = ImageRequest(model=FLUX_SCHNELL, prompt="a lighthouse", width=96, height=64)
    assert (await services.images.generate(request)).status == Status.COMPLETE
    before = health_of(services)
    emulator.stop()
    result = await services.images.generate(request)
    assert result.status == Status.FAILED
    assert len({a.provider for a in result.trace.attempts}) >= 2
    assert result.error == OFFLINE_SENTENCE
    assert health_of(services) == before
