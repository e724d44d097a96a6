"""The app's HTTP client sends chat requests straight to its pool, as the client would have
sent them, and honours a proxy set in the environment (issue 8, CPU per whole answer)."""

from __future__ import annotations

import asyncio
import json

import httpx2
import pytest

from desktop.core.chat_types import ChatMessage, ChatRequest
from desktop.core.vocab import Status
from desktop.providers.chat_wire import picked_headers
from desktop.providers.http_client import PooledClient, environment_proxied
from tests.emulator import HF_TOKEN, LLAMA_8B, Emulator
from tests.engine.conftest import OpenServices

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy from the machine's environment: each test sets its own."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _chat_body() -> bytes:
    return json.dumps(
        {"model": "llama-3.1-8b-instant", "messages": [{"role": "user", "content": "Hi"}]}
    ).encode()


async def _post(client: PooledClient, url: str, extra: dict[str, str]) -> httpx2.Response:
    headers = {"content-type": "application/json", "authorization": f"Bearer {HF_TOKEN}"}
    response = await asyncio.wait_for(client.open_post(url, headers, _chat_body(), extra), 20)
    try:
        await asyncio.wait_for(response.aread(), 20)
    finally:
        await response.aclose()
    return response


async def test_the_short_way_sends_what_the_client_would(emulator: Emulator) -> None:
    assert not environment_proxied()
    url = f"{emulator.router_url}/groq/openai/v1/chat/completions"
    client = PooledClient()
    try:
        first = await _post(client, url, {"x-amzn-trace-id": "trace-1"})
        # The same candidate's headers again, with this request's own: nothing carried over.
        second = await _post(client, url, {"x-amzn-trace-id": "trace-2", "accept": "text/plain"})
        plain = await asyncio.wait_for(
            client.post(url, content=_chat_body(), headers={"authorization": f"Bearer {HF_TOKEN}"}),
            20,
        )
    finally:
        await client.aclose()
    assert first.status_code == second.status_code == plain.status_code == 200
    assert json.loads(first.content)["choices"][0]["message"]["content"] == "Hello from groq."
    seen = [r.headers for r in emulator.requests if r.path.endswith("/chat/completions")]
    assert len(seen) == 3
    short_one, short_two, by_client = seen
    for name in ("user-agent", "accept-encoding", "host", "content-length"):
        assert short_one[name] == by_client[name], name
    assert short_one["user-agent"] == "Switchboard/0.1"
    assert short_one["authorization"] == f"Bearer {HF_TOKEN}"
    assert short_one["accept"] == "*/*" and short_two["accept"] == "text/plain"
    assert short_one["x-amzn-trace-id"] == "trace-1"
    assert short_two["x-amzn-trace-id"] == "trace-2"


async def test_a_closed_client_refuses_the_short_way() -> None:
    client = PooledClient()
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.open_post("http://127.0.0.1:9/x", {}, b"{}")


async def test_a_proxy_in_the_environment_carries_chat_requests_too(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HTTP_PROXY set, a chat request goes to the proxy (here nothing listens there, so
    it cannot connect), not around it to the provider."""
    monkeypatch.setenv("HTTP_PROXY", Emulator.closed_url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert environment_proxied()
    client = PooledClient()
    try:
        with pytest.raises(httpx2.ConnectError):
            await _post(client, f"{emulator.router_url}/groq/openai/v1/chat/completions", {})
    finally:
        await client.aclose()
    assert not [r for r in emulator.requests if r.path.endswith("/chat/completions")]


async def test_a_whole_answer_through_the_engine_is_read_and_traced(
    open_services: OpenServices,
) -> None:
    services = await open_services()
    result = await asyncio.wait_for(
        services.engine.chat(
            ChatRequest(LLAMA_8B, [ChatMessage("user", "Hi")], provider="auto", stream=False)
        ),
        30,
    )
    assert result.status == Status.COMPLETE and result.text == "Hello from groq."
    attempt = result.trace.attempts[0]
    assert attempt.status_code == 200 and attempt.served_by == "groq"
    assert attempt.request_id and attempt.request_id.startswith("Root=1-")


async def test_a_compressed_whole_answer_is_read_uncompressed(
    open_services: OpenServices, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.fault("groq", "gzip", times=1)
    request = ChatRequest(LLAMA_8B, [ChatMessage("user", "Hi")], provider="auto", stream=False)
    compressed = await asyncio.wait_for(services.engine.chat(request), 30)
    plain = await asyncio.wait_for(services.engine.chat(request), 30)
    assert compressed.status == plain.status == Status.COMPLETE
    assert compressed.text == plain.text == "Hello from groq."
    assert compressed.provider == "groq"


def test_picked_headers_join_a_repeated_name_in_any_case() -> None:
    names = (b"x-request-id", b"content-type")
    usual = httpx2.Headers([(b"x-request-id", b"a"), (b"content-type", b"t"), (b"other", b"o")])
    assert picked_headers(usual, names) == {b"x-request-id": "a", b"content-type": "t"}
    as_sent = httpx2.Headers([(b"X-Request-Id", b"a"), (b"Content-Type", b"t")])
    assert picked_headers(as_sent, names) == {b"x-request-id": "a", b"content-type": "t"}
    repeated = httpx2.Headers([(b"X-Request-Id", b"a"), (b"x-request-id", b"b")])
    assert picked_headers(repeated, names) == {b"x-request-id": "a, b"}
    latin = httpx2.Headers([(b"x-request-id", b"a"), (b"x-request-id", b"\xe9")])
    assert picked_headers(latin, names) == {b"x-request-id": "a, \xe9"}
