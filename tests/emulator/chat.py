"""Chat-completion bodies and SSE chunk sequences, shaped like the recordings.

See providers.md §4.1 (bodies) and §6 (streaming).

Pure functions and dataclasses, no aiohttp, so each shape can be read side by side with the
reference. Provider differences that real clients trip over (Cerebras without ``[DONE]``,
TGI repeating ``role`` and sending ``usage: null``, Fireworks' ``usage: null`` on every chunk)
are data in :data:`DEFAULT_QUIRKS`, so a test can switch them on or off per provider.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Quirks:
    """How one provider deviates from the plain OpenAI stream.

    Attributes:
        done: send ``data: [DONE]`` at the end (Cerebras does not).
        role_every_delta: repeat ``"role": "assistant"`` in every delta (TGI / hf-inference).
        usage_null_each_chunk: put ``"usage": null`` on every chunk (Fireworks, TGI).
        usage_in_final: the finish chunk carries the usage object (TGI leaves it null).
        empty_id: completion id is ``""`` (TGI).
        system_fingerprint: value sent on every chunk/body when not None.
        final_extra: extra top-level keys on the finish chunk / body (Cerebras ``time_info``).
        body_extra: extra top-level keys on the non-stream body (Together ``prompt: []``).
        reports_usage: False for a server that never reports token usage (some self-hosted
            and older providers), whatever ``stream_options.include_usage`` asks.
        reported_model: the ``model`` named in bodies and chunks, when the provider reports
            another id than the one asked (a dated snapshot, a quantised variant).
    """

    done: bool = True
    role_every_delta: bool = False
    usage_null_each_chunk: bool = False
    usage_in_final: bool = True
    reports_usage: bool = True
    empty_id: bool = False
    system_fingerprint: str | None = None
    final_extra: Mapping[str, Any] = field(default_factory=dict)
    body_extra: Mapping[str, Any] = field(default_factory=dict)
    reported_model: str | None = None


_CEREBRAS_TIME_INFO = {
    "queue_time": 0.000112,
    "prompt_time": 0.002,
    "completion_time": 0.009,
    "total_time": 0.013,
    "created": 1741627526,
}

DEFAULT_QUIRKS: dict[str, Quirks] = {
    "cerebras": Quirks(
        done=False,
        system_fingerprint="fp_5fb719f1e4",
        final_extra={"time_info": _CEREBRAS_TIME_INFO},
    ),
    "hf-inference": Quirks(
        role_every_delta=True,
        usage_null_each_chunk=True,
        usage_in_final=False,
        empty_id=True,
        system_fingerprint="3.2.1-native",
    ),
    "fireworks-ai": Quirks(usage_null_each_chunk=True),
    "together": Quirks(body_extra={"prompt": []}),
}
"""Per-provider defaults, taken from providers.md §6.5 and §4.1 (provider extras)."""


@dataclass(frozen=True)
class Answer:
    """Everything needed to render one assistant answer, streamed or not."""

    provider: str
    model: str
    text: str
    prompt_tokens: int
    completion_id: str
    created: int
    quirks: Quirks
    include_usage: bool = False

    @property
    def deltas(self) -> list[str]:
        return split_deltas(self.text)

    @property
    def usage(self) -> dict[str, int]:
        completion = len(self.deltas)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
        }


def render_reply(template: str, provider: str, model: str, messages: Any) -> str:
    """The reply text: the template with ``{provider}``/``{model}`` filled, plus an image echo.

    ``str.replace`` rather than ``str.format`` so replies may contain other braces.
    """
    text = template.replace("{provider}", provider).replace("{model}", model)
    images = count_images(messages)
    if images:
        text += f" (saw {images} image{'s' if images != 1 else ''})"
    return text


def count_images(messages: Any) -> int:
    """``image_url`` parts in the last user message, so vision tests see the image arrived."""
    if not isinstance(messages, list):
        return 0
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if not isinstance(content, list):
                return 0
            return sum(
                1 for part in content if isinstance(part, dict) and part.get("type") == "image_url"
            )
    return 0


def estimate_prompt_tokens(messages: Any) -> int:
    """Words in every text the caller sent: a stable, plausible ``prompt_tokens``."""
    words = 0
    if isinstance(messages, list):
        for message in messages:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                words += len(content.split())
            elif isinstance(content, list):
                for part in content:
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        words += len(part["text"].split())
    return max(words, 1)


def split_deltas(text: str) -> list[str]:
    """Word-sized pieces that join back to ``text`` exactly ("Hello", " from", " groq.")."""
    pieces = re.findall(r"\s*\S+", text)
    tail = text[len("".join(pieces)) :]
    if tail:
        if pieces:
            pieces[-1] += tail
        else:
            pieces = [tail]
    return pieces


def _common(answer: Answer, obj: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "" if answer.quirks.empty_id else answer.completion_id,
        "object": obj,
        "created": answer.created,
        "model": answer.quirks.reported_model or answer.model,
    }
    if answer.quirks.system_fingerprint is not None:
        body["system_fingerprint"] = answer.quirks.system_fingerprint
    return body


def completion_body(answer: Answer) -> dict[str, Any]:
    """A non-streamed ``chat.completion``."""
    message: dict[str, Any] = {"role": "assistant", "content": answer.text}
    if "prompt" in answer.quirks.body_extra:  # Together also sends an empty tool_calls list
        message["tool_calls"] = []
    body = _common(answer, "chat.completion")
    body.update(answer.quirks.body_extra)
    body["choices"] = [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}]
    if answer.quirks.reports_usage:
        body["usage"] = answer.usage
    body.update(answer.quirks.final_extra)
    return body


@dataclass(frozen=True)
class StreamPlan:
    """The chunks of one streamed answer, in order; faults cut into ``contents``."""

    role: dict[str, Any]
    contents: list[dict[str, Any]]
    final: dict[str, Any]
    usage_only: dict[str, Any] | None
    done: bool


def stream_plan(answer: Answer) -> StreamPlan:
    """Role chunk, one chunk per word, finish chunk, optional usage-only chunk, ``[DONE]``."""
    q = answer.quirks

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        body = _common(answer, "chat.completion.chunk")
        if q.role_every_delta and "role" not in delta:
            delta = {"role": "assistant", **delta}
        choice: dict[str, Any] = {"index": 0, "delta": delta}
        if q.role_every_delta:
            choice["logprobs"] = None
        choice["finish_reason"] = finish
        body["choices"] = [choice]
        if q.usage_null_each_chunk:
            body["usage"] = None
        return body

    role = chunk({"role": "assistant"})
    contents = [chunk({"content": piece}) for piece in answer.deltas]
    final = chunk({}, "stop")
    if q.usage_in_final and q.reports_usage:
        final["usage"] = answer.usage
    final.update(q.final_extra)
    usage_only = None
    if answer.include_usage and q.reports_usage:
        usage_only = _common(answer, "chat.completion.chunk")
        usage_only["choices"] = []
        usage_only["usage"] = answer.usage
    return StreamPlan(role, contents, final, usage_only, q.done)


def sse_event(data: Mapping[str, Any] | str, *, space: bool = True) -> bytes:
    """One ``data:`` event; ``space=False`` gives TGI's ``data:{...}``."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data:{' ' if space else ''}{text}\n\n".encode()
