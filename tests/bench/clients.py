"""The contenders: four ways to send the same chat request to the same routed URL.

Every contender talks to the emulator's HF-router route of Groq
(``<router>/groq/openai/v1/chat/completions``) with the HF token and the provider's model id
``llama-3.1-8b-instant``, which is what Switchboard's engine picks for ``LLAMA_8B`` under the
default order. Each one returns the assistant text and how many content chunks it saw, so the
runner can check every contender really got the whole answer.

- ``httpx2``: the floor. One pooled ``httpx2.AsyncClient`` configured exactly like the app's
  (``desktop.services.make_http_client``), a JSON body posted by hand, SSE lines split by hand.
- ``engine``: ``Services.open(paths, env)`` with temporary XDG paths and ``HF_TOKEN``, then
  ``services.engine.chat(ChatRequest(...))``: candidate list from the (cached) Hub mapping,
  ordering, breaker bookkeeping, deadlines, SSE parsing, the trace.
- ``huggingface_hub``: ``AsyncInferenceClient(base_url=<router>/groq/openai/v1, api_key=HF_TOKEN)``.
  ``provider="groq"`` cannot be used: the client builds routed URLs from the hard-coded
  ``constants.INFERENCE_PROXY_TEMPLATE`` (``https://router.huggingface.co/{provider}``, no
  environment override), so it would leave loopback. With ``base_url`` the client takes its
  "URL as model" path (the ``hf-inference`` helper with a URL): it appends ``/chat/completions``
  and sends the ``model=`` argument in the body, which is exactly the routed request.
- ``openai``: ``AsyncOpenAI(base_url=<router>/groq/openai/v1, api_key=HF_TOKEN, max_retries=0)``.
"""

from __future__ import annotations

import json
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import keyring
from keyring.backend import KeyringBackend

from desktop.core.chat_types import ChatMessage, ChatRequest
from desktop.core.vocab import Status
from desktop.engine.failover import Deadlines
from desktop.services import Services, make_http_client
from desktop.store.paths import AppPaths
from tests.emulator import HF_TOKEN, LLAMA_8B
from tests.memory_keyring import MemoryKeyring

GROQ_MODEL = "llama-3.1-8b-instant"
"""Groq's id for ``LLAMA_8B`` in the emulator's mapping: what every contender sends."""

PROMPT = "Say hello."


@dataclass(frozen=True)
class Target:
    """The one request every contender makes."""

    router_url: str
    env: dict[str, str]
    token: str = HF_TOKEN
    hf_model: str = LLAMA_8B
    provider_model: str = GROQ_MODEL

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL of the routed Groq route."""
        return f"{self.router_url}/groq/openai/v1"

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def messages(self) -> list[dict[str, Any]]:
        return [{"role": "user", "content": PROMPT}]

    def body(self, stream: bool) -> dict[str, Any]:
        """The body the engine builds (``build_body``): ``model`` first, usage in streams."""
        body: dict[str, Any] = {
            "model": self.provider_model,
            "messages": self.messages(),
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body


@dataclass(frozen=True)
class Reply:
    text: str
    chunks: int
    """Content-bearing chunks (non-streaming: 1)."""


class Contender(ABC):
    """One client under test. ``open`` and ``aclose`` are never timed."""

    name: str = ""
    label: str = ""
    streams_only = False
    """Only measured streaming (the chat service never asks for a whole answer)."""

    def __init__(self, target: Target) -> None:
        self.target = target

    async def open(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    async def chat(self, stream: bool) -> Reply:
        """Send one chat request and read the whole answer; raise on any failure."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        pass


class RawHttpx2(Contender):
    name = "httpx2"
    label = "raw httpx2"

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self._client: httpx2.AsyncClient | None = None
        self._headers = {
            "content-type": "application/json",
            "authorization": f"Bearer {target.token}",
        }
        self._stream_headers = {**self._headers, "accept": "text/event-stream"}

    async def open(self) -> None:
        self._client = make_http_client()

    async def chat(self, stream: bool) -> Reply:
        client = self._client
        assert client is not None
        content = json.dumps(self.target.body(stream)).encode()
        if not stream:
            response = await client.post(
                self.target.chat_url, content=content, headers=self._headers
            )
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}")
            data = json.loads(response.content)
            return Reply(data["choices"][0]["message"]["content"], 1)
        parts: list[str] = []
        async with client.stream(
            "POST", self.target.chat_url, content=content, headers=self._stream_headers
        ) as response:
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}")
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                choices = json.loads(payload).get("choices")
                if choices:
                    text = choices[0].get("delta", {}).get("content")
                    if text:
                        parts.append(text)
        return Reply("".join(parts), len(parts))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


class EngineContender(Contender):
    """Switchboard's engine, wired the way the app and the engine tests wire it."""

    name = "engine"
    label = "Switchboard engine"

    def __init__(
        self,
        target: Target,
        *,
        extra_env: dict[str, str] | None = None,
        deadlines: Deadlines | None = None,
    ) -> None:
        super().__init__(target)
        self.extra_env = extra_env or {}
        self.deadlines = deadlines
        self.services: Services | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    async def open(self) -> None:
        use_memory_keyring()
        self._tmp = tempfile.TemporaryDirectory(prefix="switchboard-bench-")
        root = Path(self._tmp.name)
        paths = AppPaths(
            data_dir=root / "data", config_dir=root / "config", cache_dir=root / "cache"
        )
        env = {**self.target.env, "HF_TOKEN": self.target.token, **self.extra_env}
        self.services = await Services.open(paths=paths, env=env)
        if self.deadlines is not None:
            self.services.engine.deadlines = self.deadlines

    @property
    def provider_limit(self) -> int | None:
        """The engine's per-provider in-flight limit (routing.md §5.11), if it has one."""
        services = self.services
        failover = getattr(services.engine, "failover", None) if services else None
        limiter = getattr(failover, "limiter", None)
        limit = getattr(limiter, "limit", None)
        return limit if isinstance(limit, int) else None

    def request(self, stream: bool) -> ChatRequest:
        return ChatRequest(
            model=self.target.hf_model,
            messages=[ChatMessage("user", PROMPT)],
            provider="auto",
            stream=stream,
        )

    async def chat(self, stream: bool) -> Reply:
        services = self.services
        assert services is not None
        chunks = 0

        def on_delta(_text: str) -> None:
            nonlocal chunks
            chunks += 1

        result = await services.engine.chat(self.request(stream), on_delta=on_delta)
        if result.status != Status.COMPLETE:
            raise RuntimeError(f"engine: {result.status}: {result.error}")
        return Reply(result.text, chunks if stream else 1)

    async def aclose(self) -> None:
        if self.services is not None:
            await self.services.aclose()
            self.services = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


class ChatServiceContender(EngineContender):
    """The engine behind ChatService, as the chat page and ``switchboard chat`` use it: every
    request is a new conversation whose question and answer are stored (the end-to-end
    figure, persistence included)."""

    name = "engine+history"
    label = "ChatService (engine + persistence)"
    streams_only = True

    async def chat(self, stream: bool) -> Reply:
        services = self.services
        assert services is not None
        chunks = 0

        class Listener:
            def turn_started(self, turn: object) -> None:
                pass

            def attempt_changed(self, record: object) -> None:
                pass

            def delta(self, text: str) -> None:
                nonlocal chunks
                chunks += 1

        if not stream:
            raise RuntimeError("ChatService always streams")
        turn = await services.chat.send(
            None, PROMPT, model=self.target.hf_model, provider="auto", listener=Listener()
        )
        result = turn.result
        if result is None or result.status != Status.COMPLETE:
            raise RuntimeError(f"chat service: {result and result.status}")
        return Reply(result.text, chunks)


class HubInferenceClient(Contender):
    name = "huggingface_hub"
    label = "huggingface_hub AsyncInferenceClient"

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self._client: Any = None

    async def open(self) -> None:
        from huggingface_hub import AsyncInferenceClient

        self._client = AsyncInferenceClient(
            base_url=self.target.base_url, api_key=self.target.token
        )

    async def chat(self, stream: bool) -> Reply:
        client = self._client
        messages = self.target.messages()
        model = self.target.provider_model
        if not stream:
            out = await client.chat_completion(messages, model=model)
            return Reply(out.choices[0].message.content or "", 1)
        parts: list[str] = []
        events = await client.chat_completion(
            messages, model=model, stream=True, stream_options={"include_usage": True}
        )
        async for chunk in events:
            if chunk.choices:
                text = chunk.choices[0].delta.content
                if text:
                    parts.append(text)
        return Reply("".join(parts), len(parts))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()


class OpenAIClient(Contender):
    name = "openai"
    label = "openai AsyncOpenAI"

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self._client: Any = None

    async def open(self) -> None:
        from openai import AsyncOpenAI

        self._client = AsyncOpenAI(
            base_url=self.target.base_url, api_key=self.target.token, max_retries=0
        )

    async def chat(self, stream: bool) -> Reply:
        client = self._client
        messages = self.target.messages()
        model = self.target.provider_model
        if not stream:
            out = await client.chat.completions.create(model=model, messages=messages)
            return Reply(out.choices[0].message.content or "", 1)
        parts: list[str] = []
        events = await client.chat.completions.create(
            model=model, messages=messages, stream=True, stream_options={"include_usage": True}
        )
        async for chunk in events:
            if chunk.choices:
                text = chunk.choices[0].delta.content
                if text:
                    parts.append(text)
        return Reply("".join(parts), len(parts))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()


CONTENDERS: dict[str, type[Contender]] = {
    c.name: c
    for c in (RawHttpx2, EngineContender, ChatServiceContender, HubInferenceClient, OpenAIClient)
}
"""In table order; ``httpx2`` is the baseline every ratio divides by."""

BASELINE = RawHttpx2.name

_memory_keyring: KeyringBackend | None = None


def use_memory_keyring() -> None:
    """Give ``Services.open`` an in-memory keyring, as the engine tests do (no D-Bus here)."""
    global _memory_keyring
    if _memory_keyring is None:
        _memory_keyring = MemoryKeyring()
        keyring.set_keyring(_memory_keyring)
