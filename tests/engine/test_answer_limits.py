"""Hostile answer sizes: every body read into memory has a limit that says what happened."""

from __future__ import annotations

import pytest

from desktop.core.chat_types import ChatMessage, ChatRequest
from desktop.core.vocab import Status
from desktop.providers import answer_limits
from desktop.providers.chat_wire import MAX_EVENT_CHARS
from tests.emulator import LLAMA_8B, Emulator

TOO_LARGE = "sent an answer too large to read"


def request(stream: bool = True) -> ChatRequest:
    return ChatRequest(LLAMA_8B, [ChatMessage("user", "Hi")], provider="groq", stream=stream)


async def test_a_whole_answer_past_the_limit_is_refused_with_the_reason(
    open_services, emulator: Emulator
):
    services = await open_services()
    emulator.fault("groq", "huge", size=answer_limits.MAX_WHOLE_ANSWER_BYTES + 1024)
    result = await services.engine.chat(request(stream=False))
    assert result.status == Status.FAILED and not result.text
    assert result.error and TOO_LARGE in result.error and "Groq" in result.error
    assert "internet" not in result.error


async def test_a_huge_event_says_too_large_not_a_broken_connection(
    open_services, emulator: Emulator
):
    services = await open_services()
    emulator.fault("groq", "huge", after=2, size=2 * MAX_EVENT_CHARS)
    deltas: list[str] = []
    result = await services.engine.chat(request(), on_delta=deltas.append)
    assert result.status == Status.INTERRUPTED
    assert result.text == "".join(deltas) and result.text
    assert result.error and f"Groq {TOO_LARGE} (one event over 4 MB)" in result.error
    assert "connection" not in result.error


@pytest.mark.parametrize("after", [0, 1])
async def test_a_line_that_never_ends_is_cut_at_the_event_limit(
    open_services, emulator: Emulator, after: int
):
    services = await open_services()
    emulator.fault("groq", "huge", after=after, size=2 * MAX_EVENT_CHARS, line=True)
    result = await services.engine.chat(request())
    assert result.error and TOO_LARGE in result.error
    # Before any text the answer fails (no other provider was allowed); after, it is kept.
    assert result.status == (Status.FAILED if after == 0 else Status.INTERRUPTED)


async def test_an_endless_stream_stops_at_the_text_limit_with_that_reason(
    open_services, emulator: Emulator
):
    services = await open_services()
    emulator.fault("groq", "endless", size=256 * 1024)
    result = await services.engine.chat(request())
    assert result.status == Status.INTERRUPTED
    assert len(result.text) == answer_limits.MAX_ANSWER_CHARS
    assert result.error and "more than 8 MB of text" in result.error
    assert "stopped sending" not in result.error
