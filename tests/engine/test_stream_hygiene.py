"""Every streamed answer is closed properly, and its connection goes back to the pool (issue 8).

A stream left half-read used to end in "async generator ignored GeneratorExit" and an
httpcore lock error when it was collected, and its connection was thrown away. These tests
fail on any such warning or unraisable exception, and count TCP connections on the emulator.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import sys
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest

from desktop.core.chat_types import ChatMessage, ChatRequest
from desktop.core.vocab import Status
from desktop.services import Services
from tests.emulator import LLAMA_8B, Emulator


@pytest.fixture
async def unraisable() -> AsyncIterator[list[str]]:
    """Unraisable exceptions, loop error reports and warnings seen while the test runs."""
    seen: list[str] = []
    previous = sys.unraisablehook
    loop = asyncio.get_running_loop()
    previous_handler = loop.get_exception_handler()

    def hook(info: Any) -> None:
        seen.append(f"{info.exc_type.__name__}: {info.exc_value} ({info.object!r})")

    sys.unraisablehook = hook
    loop.set_exception_handler(lambda _loop, context: seen.append(str(context)))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield seen
            gc.collect()
            seen.extend(str(w.message) for w in caught)
    finally:
        sys.unraisablehook = previous
        loop.set_exception_handler(previous_handler)


def _suspended_generators() -> list[str]:
    """Async generators of the app or its HTTP stack left open (suspended, never closed)."""
    names = []
    for obj in gc.get_objects():
        if inspect.isasyncgen(obj) and obj.ag_frame is not None:
            code = obj.ag_code
            if "httpx" in code.co_filename or "desktop" in code.co_filename:
                names.append(f"{code.co_filename}:{code.co_name}")
    return names


async def _ask(services: Services) -> str:
    request = ChatRequest(model=LLAMA_8B, messages=[ChatMessage("user", "Hi")], provider="groq")
    deltas: list[str] = []
    result = await services.engine.chat(request, on_delta=deltas.append)
    assert result.status == Status.COMPLETE
    assert "".join(deltas) == result.text and len(deltas) > 1  # it really streamed
    return result.text


async def test_a_streamed_answer_leaves_nothing_unclosed(
    open_services: Any, emulator: Emulator, unraisable: list[str]
) -> None:
    services = await open_services()
    for _ in range(3):
        assert await _ask(services) == "Hello from groq."
    assert _suspended_generators() == []
    gc.collect()
    await asyncio.sleep(0)  # let the loop run any finaliser it was handed
    assert unraisable == []


async def test_sequential_streams_reuse_pooled_connections(
    open_services: Any, emulator: Emulator, unraisable: list[str]
) -> None:
    services = await open_services()
    for _ in range(100):
        await _ask(services)
    assert len(emulator.requests_for("groq")) == 100
    # One connection carries them all (a second may appear if the server closes one).
    assert emulator.connections_for("groq") <= 2
    gc.collect()
    assert unraisable == []


async def test_whole_answers_reuse_pooled_connections_and_leave_nothing_unclosed(
    open_services: Any, emulator: Emulator, unraisable: list[str]
) -> None:
    """A whole (non-streamed) answer is read without generators and its connection goes back
    to the pool as soon as it is read."""
    services = await open_services()
    request = ChatRequest(
        model=LLAMA_8B, messages=[ChatMessage("user", "Hi")], provider="groq", stream=False
    )
    for _ in range(50):
        result = await services.engine.chat(request)
        assert result.status == Status.COMPLETE and result.text == "Hello from groq."
    assert len(emulator.requests_for("groq")) == 50
    assert emulator.connections_for("groq") <= 2
    assert _suspended_generators() == []
    gc.collect()
    assert unraisable == []
