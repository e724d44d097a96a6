"""The provider emulator speaks the wire formats of providers.md over real loopback HTTP.

These tests pin the emulator itself, so engine tests can trust it: mapping lookups, router and
direct chat (streamed and not), credentials, every fault kind, the request record, and prompt
shutdown with held connections. No sleeps: held requests are synchronised with
``wait_for_requests`` or by reading the chunks that precede the hold.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import httpx2
import pytest

from desktop.core.table import PROVIDERS, Endpoints
from tests.emulator import (
    FAULT_KINDS,
    HF_TOKEN,
    LLAMA_8B,
    MISTRAL_7B,
    QWEN_VL,
    Emulator,
    direct_key,
)

AUTH = {"Authorization": f"Bearer {HF_TOKEN}"}
MESSAGES = [{"role": "user", "content": "Say hello"}]
GROQ_MODEL = "llama-3.1-8b-instant"


def groq_url(emu: Emulator) -> str:
    return emu.router_url + "/groq/openai/v1/chat/completions"


def chat_body(model: str = GROQ_MODEL, *, stream: bool = False, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": MESSAGES, "stream": stream, **extra}


async def sse_data(
    client: httpx2.AsyncClient,
    url: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> tuple[httpx2.Response, list[str]]:
    """Every event's data of one streamed answer."""
    async with client.stream("POST", url, json=body, headers=headers or AUTH) as response:
        assert response.status_code == 200
        events = [event.data async for event in httpx2.EventSource(response)]
    return response, events


async def raw_lines(client: httpx2.AsyncClient, url: str, body: dict[str, Any]) -> list[str]:
    async with client.stream("POST", url, json=body, headers=AUTH) as response:
        return [line async for line in response.aiter_lines() if line]


def chunks(events: list[str]) -> list[dict[str, Any]]:
    return [json.loads(e) for e in events if e != "[DONE]"]


def content_of(events: list[str]) -> str:
    return "".join(
        c["choices"][0]["delta"].get("content") or "" for c in chunks(events) if c["choices"]
    )


# -- lifecycle and addresses ----------------------------------------------------------------


def test_urls_and_env_redirect_every_origin(emu: Emulator) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", emu.base_url)
    env = emu.env()
    endpoints = Endpoints.from_env(env)
    assert endpoints.hub == emu.hub_url == emu.base_url + "/hub"
    assert endpoints.router == emu.router_url == emu.base_url + "/router"
    for spec in PROVIDERS.values():
        if spec.direct_base is None:
            assert spec.env_url_var not in env
        else:
            assert endpoints.direct[spec.id] == emu.direct_url(spec.id)
    assert env["SWITCHBOARD_FIREWORKS_AI_URL"] == emu.base_url + "/direct/fireworks-ai"


def test_sync_client_and_stop_are_quick() -> None:
    emulator = Emulator().start()
    try:
        with httpx2.Client(timeout=2.0, trust_env=False) as c:
            r = c.post(groq_url(emulator), json=chat_body(), headers=AUTH)
        assert r.json()["choices"][0]["message"]["content"] == "Hello from groq."
    finally:
        started = time.monotonic()
        emulator.stop()
    assert time.monotonic() - started < 1.0
    emulator.stop()  # idempotent


async def test_closed_url_refuses_connections(client: httpx2.AsyncClient) -> None:
    with pytest.raises(httpx2.ConnectError):
        await client.get(Emulator.closed_url() + "/v1/models")


# -- Hub ------------------------------------------------------------------------------------


@pytest.mark.parametrize("expand_key", ["expand", "expand[]"])
async def test_mapping_lookup_returns_dict_form_in_order(
    emu: Emulator, client: httpx2.AsyncClient, expand_key: str
) -> None:
    r = await client.get(
        f"{emu.hub_url}/api/models/{LLAMA_8B}", params={expand_key: "inferenceProviderMapping"}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == LLAMA_8B and re.fullmatch(r"[0-9a-f]{24}", body["_id"])
    mapping = body["inferenceProviderMapping"]
    assert list(mapping)[:4] == ["groq", "together", "cerebras", "fireworks-ai"]
    assert mapping["groq"] == {"status": "live", "providerId": GROQ_MODEL, "task": "conversational"}
    assert mapping["fireworks-ai"]["providerId"] == (
        "accounts/fireworks/models/llama-v3p1-8b-instruct"
    )
    assert r.headers["x-request-id"].startswith("Root=1-")


async def test_model_info_without_expand_and_unknown_model(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    r = await client.get(f"{emu.hub_url}/api/models/{QWEN_VL}")
    assert r.json()["pipeline_tag"] == "image-text-to-text"
    assert "conversational" in r.json()["tags"]
    assert "inferenceProviderMapping" not in r.json()
    r = await client.get(
        f"{emu.hub_url}/api/models/nobody/nothing", params={"expand": "inferenceProviderMapping"}
    )
    assert r.status_code == 404
    assert r.json() == {"error": "Repository not found"}


async def test_hub_rejects_bad_token_but_allows_anonymous(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    url = f"{emu.hub_url}/api/models/{LLAMA_8B}"
    assert (await client.get(url)).status_code == 200
    assert (await client.get(url, headers=AUTH)).status_code == 200
    bad = await client.get(url, headers={"Authorization": "Bearer hf_nope"})
    assert bad.status_code == 401


async def test_add_model_keeps_order_and_list_form(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    emu.add_model(
        "acme/Tiny-Chat",
        {
            "novita": {"providerId": "acme/tiny", "task": "conversational", "status": "live"},
            "groq": {"providerId": "tiny-groq"},
        },
    )
    r = await client.get(
        f"{emu.hub_url}/api/models/acme/Tiny-Chat", params={"expand[]": "inferenceProviderMapping"}
    )
    assert list(r.json()["inferenceProviderMapping"]) == ["novita", "groq"]
    assert r.json()["inferenceProviderMapping"]["groq"]["status"] == "live"
    r = await client.get(
        f"{emu.hub_url}/api/models",
        params={
            "inference_provider": "all",
            "pipeline_tag": "text-generation",
            "expand[]": "inferenceProviderMapping",
        },
    )
    listed = {m["id"]: m for m in r.json()}
    assert {LLAMA_8B, MISTRAL_7B, "acme/Tiny-Chat"} <= set(listed)
    assert QWEN_VL not in listed  # other pipeline tag
    assert listed["acme/Tiny-Chat"]["inferenceProviderMapping"] == [
        {
            "provider": "novita",
            "status": "live",
            "providerId": "acme/tiny",
            "task": "conversational",
        },
        {"provider": "groq", "status": "live", "providerId": "tiny-groq", "task": "conversational"},
    ]
    r = await client.get(f"{emu.hub_url}/api/models", params={"inference_provider": "cerebras"})
    assert [m["id"] for m in r.json()] == [LLAMA_8B]


async def test_router_model_list_carries_provider_stats(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    r = await client.get(emu.router_url + "/v1/models")
    assert r.json()["object"] == "list"
    models = {m["id"]: m for m in r.json()["data"]}
    llama = {p["provider"]: p for p in models[LLAMA_8B]["providers"]}
    assert "sambanova" not in llama  # the router no longer serves it
    assert llama["groq"]["status"] == "live"
    assert set(llama["groq"]) >= {
        "context_length",
        "pricing",
        "first_token_latency_ms",
        "throughput",
    }
    assert {p["provider"]: p["status"] for p in models[MISTRAL_7B]["providers"]}[
        "together"
    ] == "error"
    assert "image" in models[QWEN_VL]["architecture"]["input_modalities"]
    one = await client.get(f"{emu.router_url}/v1/models/{LLAMA_8B}")
    assert one.json()["id"] == LLAMA_8B


# -- router chat ----------------------------------------------------------------------------


async def test_auto_router_answers_as_first_live_provider(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    r = await client.post(
        emu.router_url + "/v1/chat/completions",
        json=chat_body(LLAMA_8B),
        headers={**AUTH, "X-Amzn-Trace-Id": "trace-123"},
    )
    assert r.status_code == 200
    assert r.headers["x-inference-provider"] == "groq"
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};trace-123", r.headers["x-request-id"])
    body = r.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == GROQ_MODEL
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "Hello from groq."}
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["total_tokens"] == (
        body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    )
    [rec] = emu.requests_for("auto")
    assert rec.resolved == "groq" and rec.routed and rec.status == 200


@pytest.mark.parametrize(
    ("suffix", "provider"),
    [
        (":fastest", "cerebras"),
        (":cheapest", "novita"),
        (":preferred", "groq"),
        (":together", "together"),
        ("", "groq"),
    ],
)
async def test_auto_router_policies(
    emu: Emulator, client: httpx2.AsyncClient, suffix: str, provider: str
) -> None:
    r = await client.post(
        emu.router_url + "/v1/chat/completions", json=chat_body(LLAMA_8B + suffix), headers=AUTH
    )
    assert r.headers["x-inference-provider"] == provider
    assert r.json()["choices"][0]["message"]["content"] == f"Hello from {provider}."


async def test_auto_router_skips_error_entries_and_rejects_unknown_models(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    url = emu.router_url + "/v1/chat/completions"
    r = await client.post(url, json=chat_body(MISTRAL_7B), headers=AUTH)
    assert r.headers["x-inference-provider"] == "novita"
    for model in ("nobody/nothing", LLAMA_8B + ":sambanova"):
        r = await client.post(url, json=chat_body(model), headers=AUTH)
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "model_not_supported"


async def test_routed_stream_with_done(emu: Emulator, client: httpx2.AsyncClient) -> None:
    response, events = await sse_data(client, groq_url(emu), chat_body(stream=True))
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["x-inference-provider"] == "groq"
    assert events[-1] == "[DONE]"
    parsed = chunks(events)
    assert parsed[0]["choices"][0]["delta"] == {"role": "assistant"}
    assert all(c["object"] == "chat.completion.chunk" for c in parsed)
    assert len(parsed) >= 5  # role, several content deltas, finish
    assert content_of(events) == "Hello from groq."
    assert parsed[-1]["choices"][0]["finish_reason"] == "stop"
    assert parsed[-1]["usage"]["completion_tokens"] == 3


async def test_provider_stream_quirks(emu: Emulator, client: httpx2.AsyncClient) -> None:
    _, cerebras = await sse_data(
        client,
        emu.router_url + "/cerebras/v1/chat/completions",
        chat_body("llama3.1-8b", stream=True),
    )
    assert cerebras[-1] != "[DONE]"
    assert chunks(cerebras)[-1]["choices"][0]["finish_reason"] == "stop"
    assert "time_info" in chunks(cerebras)[-1]

    url = f"{emu.router_url}/hf-inference/models/{LLAMA_8B}/v1/chat/completions"
    _, tgi = await sse_data(client, url, chat_body("tgi", stream=True))
    assert all(c["choices"][0]["delta"].get("role") == "assistant" for c in chunks(tgi))
    assert all(c["usage"] is None for c in chunks(tgi))
    assert chunks(tgi)[0]["id"] == ""

    _, fireworks = await sse_data(
        client,
        emu.router_url + "/fireworks-ai/inference/v1/chat/completions",
        chat_body("accounts/fireworks/models/llama-v3p1-8b-instruct", stream=True),
    )
    parsed = chunks(fireworks)
    assert all(c["usage"] is None for c in parsed[:-1])
    assert parsed[-1]["usage"]["total_tokens"] > 0

    emu.set_quirks("cerebras", done=True)
    _, fixed = await sse_data(
        client,
        emu.router_url + "/cerebras/v1/chat/completions",
        chat_body("llama3.1-8b", stream=True),
    )
    assert fixed[-1] == "[DONE]"


async def test_include_usage_adds_usage_only_chunk(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    _, events = await sse_data(
        client, groq_url(emu), chat_body(stream=True, stream_options={"include_usage": True})
    )
    last = chunks(events)[-1]
    assert last["choices"] == [] and last["usage"]["completion_tokens"] == 3
    assert events[-1] == "[DONE]"


async def test_routed_requires_registered_provider_model(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    r = await client.post(groq_url(emu), json=chat_body("not-a-groq-model"), headers=AUTH)
    assert r.status_code == 400
    assert r.json() == {"error": "Model not supported by provider groq"}
    url = emu.router_url + "/hf-inference/models/nobody/nothing/v1/chat/completions"
    r = await client.post(url, json=chat_body("x"), headers=AUTH)
    assert r.json() == {"error": "Model not supported by provider hf-inference"}
    # Mistral's together entry is in error: still served, as the real router does.
    r = await client.post(
        emu.router_url + "/together/v1/chat/completions",
        json=chat_body("mistralai/Mistral-7B-Instruct-v0.3"),
        headers=AUTH,
    )
    assert r.status_code == 200
    # Dropped from the router: only reachable directly.
    r = await client.post(
        emu.router_url + "/sambanova/v1/chat/completions",
        json=chat_body("Meta-Llama-3.1-8B-Instruct"),
        headers=AUTH,
    )
    assert r.status_code == 404
    assert "not available" in r.json()["error"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer hf_wrong"},
        {"Authorization": f"Bearer {direct_key('groq')}"},
    ],
)
async def test_router_rejects_bad_credentials(
    emu: Emulator, client: httpx2.AsyncClient, headers: dict[str, str]
) -> None:
    r = await client.post(groq_url(emu), json=chat_body(), headers=headers)
    assert r.status_code == 401
    assert r.json() == {"error": "Invalid username or password."}
    assert r.headers["x-error-message"] == "Invalid username or password."
    assert r.headers["x-request-id"].startswith("Root=1-")


@pytest.mark.parametrize(
    ("status", "needle"),
    [
        (401, "Invalid username"),
        (402, "exceeded your monthly included credits"),
        (403, "sufficient permissions"),
    ],
)
async def test_reject_and_accept_tokens(
    emu: Emulator, client: httpx2.AsyncClient, status: int, needle: str
) -> None:
    token = "hf_user_token_with_problems"
    emu.accept_token(token)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.post(groq_url(emu), json=chat_body(), headers=headers)).is_success
    emu.reject_token(token, status=status)
    r = await client.post(groq_url(emu), json=chat_body(), headers=headers)
    assert r.status_code == status and needle in r.json()["error"]


# -- direct ---------------------------------------------------------------------------------


async def test_direct_routes_take_provider_keys(emu: Emulator, client: httpx2.AsyncClient) -> None:
    url = emu.direct_url("groq") + "/openai/v1/chat/completions"
    ok = await client.post(
        url,
        json=chat_body("any-model-at-all"),
        headers={"Authorization": f"Bearer {direct_key('groq')}"},
    )
    assert ok.status_code == 200
    assert ok.json()["model"] == "any-model-at-all"
    assert "x-inference-provider" not in ok.headers
    for bad in (AUTH, {"Authorization": f"Bearer {direct_key('together')}"}, {}):
        r = await client.post(url, json=chat_body(), headers=bad)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_api_key"
    emu.accept_token("gsk_mine", provider="groq")
    r = await client.post(url, json=chat_body(), headers={"Authorization": "Bearer gsk_mine"})
    assert r.status_code == 200
    [first, *_] = emu.requests_for("groq")
    assert not first.routed and first.json["model"] == "any-model-at-all"


async def test_direct_fal_wants_key_scheme(emu: Emulator, client: httpx2.AsyncClient) -> None:
    url = emu.direct_url("fal-ai") + "/fal-ai/flux/dev"
    key = direct_key("fal-ai")
    bearer = await client.post(
        url, json={"prompt": "x"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert bearer.status_code == 401
    with_key = await client.post(url, json={"prompt": "x"}, headers={"Authorization": f"Key {key}"})
    assert with_key.status_code == 200  # past auth: fal's sync image API answers
    assert with_key.json()["images"][0]["url"].startswith(emu.base_url + "/media/")


@pytest.mark.parametrize(
    "provider", [p.id for p in PROVIDERS.values() if p.chat_route and p.direct_base]
)
async def test_every_direct_chat_route_answers(
    emu: Emulator, client: httpx2.AsyncClient, provider: str
) -> None:
    route = PROVIDERS[provider].chat_route_for("m")
    scheme = PROVIDERS[provider].auth_scheme
    r = await client.post(
        emu.direct_url(provider) + route,
        json=chat_body("m"),
        headers={"Authorization": f"{scheme} {direct_key(provider)}"},
    )
    assert r.json()["choices"][0]["message"]["content"] == f"Hello from {provider}."


async def test_reply_text_and_image_echo(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.set_reply("Custom {provider} says {model} {braces}")
    r = await client.post(groq_url(emu), json=chat_body(), headers=AUTH)
    assert r.json()["choices"][0]["message"]["content"] == (
        "Custom groq says llama-3.1-8b-instant {braces}"
    )
    emu.set_reply("Only novita", provider="novita")
    vision = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            ],
        }
    ]
    r = await client.post(
        emu.router_url + "/v1/chat/completions",
        json={"model": QWEN_VL, "messages": vision},
        headers=AUTH,
    )
    assert r.json()["choices"][0]["message"]["content"] == "Only novita (saw 1 image)"


async def test_request_record(emu: Emulator, client: httpx2.AsyncClient) -> None:
    await client.post(groq_url(emu), json=chat_body(), headers={**AUTH, "X-Custom": "1"})
    await client.get(
        f"{emu.hub_url}/api/models/{LLAMA_8B}", params={"expand": "inferenceProviderMapping"}
    )
    await client.get(emu.base_url + "/nowhere")
    chat, hub, nowhere = emu.requests
    assert (chat.method, chat.provider, chat.routed, chat.status) == ("POST", "groq", True, 200)
    assert chat.headers["x-custom"] == "1"
    assert chat.authorization == f"Bearer {HF_TOKEN}"
    assert chat.json == chat_body()
    assert hub.provider == "hub" and hub.query == {"expand": "inferenceProviderMapping"}
    assert nowhere.provider is None and nowhere.status == 404
    assert chat.time <= hub.time <= time.monotonic()
    assert emu.requests_for("hub") == [hub]
    emu.clear_requests()
    assert emu.requests == []


# -- faults ---------------------------------------------------------------------------------


def test_fault_arguments_are_checked(emu: Emulator) -> None:
    assert "reset" in FAULT_KINDS
    with pytest.raises(ValueError, match="unknown fault kind"):
        emu.fault("groq", "explode")
    with pytest.raises(ValueError, match="unknown fault target"):
        emu.fault("grok", "reset")
    with pytest.raises(TypeError):
        emu.fault("groq", "cut", aftr=2)
    with pytest.raises(TypeError):
        emu.fault("groq", "status")


async def test_reset_drops_connection_then_recovers(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    fault = emu.fault("groq", "reset", times=1)
    with pytest.raises(httpx2.TransportError):
        await client.post(groq_url(emu), json=chat_body(), headers=AUTH)
    assert (await client.post(groq_url(emu), json=chat_body(), headers=AUTH)).status_code == 200
    assert fault.hits == 1
    assert [r.status for r in emu.requests_for("groq")] == [None, 200]


async def test_silent_times_out_client(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.fault("groq", "silent")
    with pytest.raises(httpx2.ReadTimeout):
        await client.post(groq_url(emu), json=chat_body(), headers=AUTH, timeout=0.3)


async def test_faults_are_per_provider_and_auto_has_its_own(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    emu.fault("together", "reset")
    emu.fault("auto", "status", status=503)
    assert (await client.post(groq_url(emu), json=chat_body(), headers=AUTH)).status_code == 200
    r = await client.post(
        emu.router_url + "/v1/chat/completions", json=chat_body(LLAMA_8B), headers=AUTH
    )
    assert r.status_code == 503 and r.headers["x-inference-provider"] == "groq"
    emu.clear_faults()
    r = await client.post(
        emu.router_url + "/together/v1/chat/completions",
        json=chat_body("meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo"),
        headers=AUTH,
    )
    assert r.status_code == 200


async def test_slow_first_token_delays_after_headers(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    emu.fault("groq", "slow_first_token", delay=0.25)
    async with client.stream(
        "POST", groq_url(emu), json=chat_body(stream=True), headers=AUTH
    ) as response:
        lines = response.aiter_lines()
        assert json.loads((await anext(lines))[6:])["choices"][0]["delta"] == {"role": "assistant"}
        started = time.monotonic()
        rest = [line async for line in lines if line]
    assert time.monotonic() - started >= 0.2
    assert rest[-1] == "data: [DONE]"


async def test_cut_ends_stream_without_finish(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.set_reply("one two three four five")
    emu.fault("groq", "cut", after=2)
    seen: list[str] = []
    with pytest.raises(httpx2.RemoteProtocolError):
        async with client.stream(
            "POST", groq_url(emu), json=chat_body(stream=True), headers=AUTH
        ) as response:
            async for event in httpx2.EventSource(response):
                seen.append(event.data)
    assert content_of(seen) == "one two"
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks(seen))
    assert emu.requests_for("groq")[0].status == 200


async def test_cut_non_stream_truncates_body(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.fault("groq", "cut")
    with pytest.raises(httpx2.RemoteProtocolError):
        await client.post(groq_url(emu), json=chat_body(), headers=AUTH)


async def test_stall_holds_after_chunks(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.fault("groq", "stall", after=1)
    seen: list[str] = []
    with pytest.raises(httpx2.ReadTimeout):
        async with client.stream(
            "POST", groq_url(emu), json=chat_body(stream=True), headers=AUTH, timeout=0.3
        ) as response:
            async for event in httpx2.EventSource(response):
                seen.append(event.data)
    assert content_of(seen) == "Hello"


async def test_malformed_inserts_bad_events(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.fault("groq", "malformed", after=1, count=2)
    lines = await raw_lines(client, groq_url(emu), chat_body(stream=True))
    assert lines[2:4] == ["data: {oops", "data: {oops"]
    assert lines[-1] == "data: [DONE]"
    emu.clear_faults()
    emu.fault("groq", "malformed")
    r = await client.post(groq_url(emu), json=chat_body(), headers=AUTH)
    with pytest.raises(ValueError):
        r.json()


@pytest.mark.parametrize(
    ("kind", "finish", "done"),
    [
        ("no_done", True, False),
        ("no_finish", False, False),
    ],
)
async def test_stream_end_variants(
    emu: Emulator, client: httpx2.AsyncClient, kind: str, finish: bool, done: bool
) -> None:
    emu.fault("groq", kind)
    _, events = await sse_data(client, groq_url(emu), chat_body(stream=True))
    assert ("[DONE]" in events) is done
    finishes = [c["choices"][0]["finish_reason"] for c in chunks(events)]
    assert ("stop" in finishes) is finish
    assert content_of(events) == "Hello from groq."


async def raw_body(client: httpx2.AsyncClient, url: str, body: dict[str, Any]) -> bytes:
    """Every byte of a streamed answer, up to the end or the point the server cut it."""
    out = bytearray()
    async with client.stream("POST", url, json=body, headers=AUTH) as response:
        try:
            async for piece in response.aiter_bytes():
                out += piece
        except httpx2.HTTPError:
            pass
    return bytes(out)


async def test_stream_endings_real_servers_send(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.fault("groq", "no_final_newline", times=1)
    body = await raw_body(client, groq_url(emu), chat_body(stream=True))
    assert body.endswith(b"data: [DONE]")  # no newline, no blank line
    emu.fault("groq", "stray_tail", times=1)
    body = await raw_body(client, groq_url(emu), chat_body(stream=True))
    assert body.endswith(b'data: [DONE]\n\ndata: {"id":"chatcmpl-tail","choices":[{"delta":{"con')
    emu.fault("groq", "cut_after_finish", times=1)
    body = await raw_body(client, groq_url(emu), chat_body(stream=True))
    last = json.loads(body.rstrip(b"\n").rsplit(b"\n\n", 1)[-1].removeprefix(b"data: "))
    assert last["choices"][0]["finish_reason"] == "stop" and b"[DONE]" not in body


async def test_reported_model_quirk(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.set_quirks("groq", reported_model="llama-3.1-8b-instant-2025-06")
    r = await client.post(groq_url(emu), json=chat_body(), headers=AUTH)
    assert r.json()["model"] == "llama-3.1-8b-instant-2025-06"
    _, events = await sse_data(client, groq_url(emu), chat_body(stream=True))
    assert {c["model"] for c in chunks(events)} == {"llama-3.1-8b-instant-2025-06"}


@pytest.mark.parametrize("status", [401, 403])
async def test_a_providers_refusal_passed_on_is_not_the_routers_own(
    emu: Emulator, client: httpx2.AsyncClient, status: int
) -> None:
    emu.fault("groq", "provider_refusal", status=status)
    r = await client.post(groq_url(emu), json=chat_body(), headers=AUTH)
    assert r.status_code == status
    assert "x-error-message" not in r.headers  # the router's own refusals carry it
    assert r.headers["x-inference-provider"] == "groq"
    assert isinstance(r.json()["error"], dict) and r.json()["error"]["message"]


async def test_data_without_space(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.fault("groq", "data_no_space")
    lines = await raw_lines(client, groq_url(emu), chat_body(stream=True))
    assert all(line.startswith("data:{") for line in lines[:-1])
    assert lines[-1] == "data:[DONE]"


async def test_error_event_in_band(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.fault("groq", "error_event", after=1, message="upstream exploded")
    _, events = await sse_data(client, groq_url(emu), chat_body(stream=True))
    assert json.loads(events[-1]) == {
        "error": {"message": "upstream exploded", "type": "server_error"}
    }
    assert content_of(events[:-1]) == "Hello"


async def test_status_429_retry_after_variants(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.fault("groq", "status", status=429, times=1)
    emu.fault("groq", "status", status=429, retry_after=None, retry_after_ms=250, times=1)
    emu.fault(
        "groq", "status", status=429, retry_after=7, headers={"x-ratelimit-remaining": "0"}, times=1
    )
    first = await client.post(groq_url(emu), json=chat_body(), headers=AUTH)
    second = await client.post(groq_url(emu), json=chat_body(), headers=AUTH)
    third = await client.post(groq_url(emu), json=chat_body(), headers=AUTH)
    assert [r.status_code for r in (first, second, third)] == [429, 429, 429]
    assert first.headers["retry-after"] == "1"
    assert "retry-after" not in second.headers and second.headers["retry-after-ms"] == "250"
    assert third.headers["retry-after"] == "7" and third.headers["x-ratelimit-remaining"] == "0"
    assert first.json()["error"]["code"] == "rate_limit_exceeded"
    assert (await client.post(groq_url(emu), json=chat_body(), headers=AUTH)).status_code == 200


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, "Invalid username or password."),
        (402, "You have exceeded your monthly included credits"),
        (403, "This authentication method does not have sufficient permissions"),
        (404, f"Model {GROQ_MODEL} does not exist"),
        (500, "Internal Error, please report to us"),
        (503, "Service Unavailable"),
    ],
)
async def test_status_default_bodies(
    emu: Emulator, client: httpx2.AsyncClient, status: int, error: str
) -> None:
    emu.fault("groq", "status", status=status)
    r = await client.post(groq_url(emu), json=chat_body(stream=True), headers=AUTH)
    assert r.status_code == status
    assert r.json()["error"].startswith(error)


async def test_status_custom_text_body(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.fault("groq", "status", status=422, body="Failed to deserialize the JSON body")
    r = await client.post(groq_url(emu), json=chat_body(), headers=AUTH)
    assert r.status_code == 422 and r.text == "Failed to deserialize the JSON body"
    assert r.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("context_length", "context_length_exceeded"),
        ("content_policy", "content_policy_violation"),
    ],
)
async def test_openai_style_400s(
    emu: Emulator, client: httpx2.AsyncClient, kind: str, code: str
) -> None:
    emu.fault("groq", kind)
    r = await client.post(groq_url(emu), json=chat_body(), headers=AUTH)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["type"] == "invalid_request_error"


async def test_hub_faults(emu: Emulator, client: httpx2.AsyncClient) -> None:
    emu.fault("hub", "status", status=500, times=1)
    emu.fault("hub", "reset", times=1)
    url = f"{emu.hub_url}/api/models/{LLAMA_8B}"
    assert (await client.get(url)).status_code == 500
    with pytest.raises(httpx2.TransportError):
        await client.get(url)
    assert (await client.get(url)).status_code == 200


async def test_stop_is_prompt_with_held_connections(client: httpx2.AsyncClient) -> None:
    emulator = Emulator().start()
    emulator.fault("groq", "silent", times=1)
    emulator.fault("groq", "stall", after=1, times=1)
    silent = asyncio.create_task(
        client.post(groq_url(emulator), json=chat_body(), headers=AUTH, timeout=5.0)
    )
    await asyncio.to_thread(emulator.wait_for_requests, 1, "groq")
    async with client.stream(
        "POST", groq_url(emulator), json=chat_body(stream=True), headers=AUTH, timeout=5.0
    ) as response:
        lines = response.aiter_lines()
        assert (await anext(lines)).startswith("data: ")  # role chunk: the stall is in place
        started = time.monotonic()
        await asyncio.to_thread(emulator.stop)
        assert time.monotonic() - started < 1.0
        with pytest.raises(httpx2.RemoteProtocolError):
            async for _ in lines:
                pass
    with pytest.raises(httpx2.TransportError):
        await silent
