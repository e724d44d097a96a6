"""The OpenAI-compatible chat wire family: request bodies and stream/completion parsing.

Every chat provider we serve (and every custom server) speaks this dialect; the differences
between them (no ``[DONE]``, ``data:`` without a space, usage-only final chunk, ``usage: null``
on every chunk, in-band error events) are absorbed by :class:`StreamParser`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from desktop.core.chat_types import ChatMessage, ChatRequest, Usage


def message_to_wire(message: ChatMessage) -> dict[str, Any]:
    """One message; images become ``image_url`` parts with data URLs (reads files: off-loop)."""
    if not message.attachments:
        return {"role": message.role, "content": message.content}
    parts: list[dict[str, Any]] = []
    if message.content:
        parts.append({"type": "text", "text": message.content})
    for attachment in message.attachments:
        parts.append({"type": "image_url", "image_url": {"url": attachment.data_url()}})
    return {"role": message.role, "content": parts}


def messages_to_wire(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    return [message_to_wire(m) for m in messages]


def build_body(
    request: ChatRequest, provider_model: str, wire_messages: list[dict[str, Any]]
) -> dict[str, Any]:
    """The JSON body; ``model`` first, since the router reads the body's prefix to route."""
    body: dict[str, Any] = {"model": provider_model, "messages": wire_messages}
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    body["stream"] = request.stream
    if request.stream:
        body["stream_options"] = {"include_usage": True}
    return body


@dataclass
class Chunk:
    """What one SSE event contributed."""

    text: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None
    error: Any = None
    done: bool = False
    malformed: bool = False
    model: str | None = None


_decode = json.JSONDecoder().raw_decode
"""``json.loads`` without its wrappers: the data is already stripped, so the whole of it
must be one JSON value (anything after it is "extra data", a ``ValueError`` as before)."""


class StreamParser:
    """Parses the ``data`` of each SSE event of a chat completion stream."""

    def feed(self, data: str) -> Chunk:
        stripped = data.strip()
        if not stripped:
            return Chunk()
        if stripped == "[DONE]":
            return Chunk(done=True)
        try:
            obj, end = _decode(stripped)
        except ValueError:
            return Chunk(malformed=True)
        if end != len(stripped) or not isinstance(obj, dict):
            return Chunk(malformed=True)
        get = obj.get
        if get("error") is not None:
            return Chunk(error=obj["error"])
        usage = get("usage")
        model = get("model")
        text = ""
        reason = None
        choices = get("choices")
        if isinstance(choices, list) and choices:
            choice = choices[0] if isinstance(choices[0], dict) else {}
            delta = choice.get("delta")
            if isinstance(delta, dict):
                content = delta.get("content")
                if isinstance(content, str):
                    text = content
            elif isinstance(choice.get("text"), str):
                text = choice["text"]
            reason = choice.get("finish_reason") or choice.get("stop_reason")
        return Chunk(
            text=text,
            finish_reason=reason if isinstance(reason, str) and reason else None,
            usage=Usage.from_wire(usage) if usage is not None else None,
            model=model if isinstance(model, str) else None,
        )


def parse_completion(obj: Any) -> Chunk | None:
    """A non-streamed ``chat.completion`` as its one finished chunk; None when the shape is
    not one. The chunk is made directly (no completion object copied into one, issue 8)."""
    if not isinstance(obj, dict):
        return None
    choices = obj.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    choice = choices[0]
    message = choice.get("message")
    text = message.get("content") if isinstance(message, dict) else None
    if not isinstance(text, str):
        text = ""
    reason = choice.get("finish_reason")
    model = obj.get("model")
    return Chunk(  # positional, in the fields' order: keywords cost more
        text,
        reason if isinstance(reason, str) else None,  # finish_reason
        Usage.from_wire(obj.get("usage")),
        None,  # error
        True,  # done
        False,  # malformed
        model if isinstance(model, str) else None,
    )
