"""Request and result types of a chat turn, shared by the engine, the UI and the command line."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.cost_types import Cost, cost_of
from desktop.core.trace import Trace
from desktop.core.vocab import FixAction, Status


@dataclass(frozen=True)
class Attachment:
    """An image stored in the media folder, already downscaled for sending."""

    path: str
    mime: str
    name: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "mime": self.mime, "name": self.name}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attachment:
        return cls(str(data["path"]), str(data.get("mime", "image/png")), str(data.get("name", "")))

    def data_url(self) -> str:
        """Read the file (blocking: call it off the loop) and make a ``data:`` URL."""
        raw = Path(self.path).read_bytes()
        return f"data:{self.mime};base64,{base64.b64encode(raw).decode('ascii')}"


@dataclass
class ChatMessage:
    role: str  # "system", "user" or "assistant"
    content: str
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class ChatRequest:
    """One logical chat request.

    ``provider`` is a policy ("auto", "fastest", "cheapest", "hf-auto") or one provider id /
    custom endpoint name; an explicit provider means only that provider.
    """

    model: str
    messages: list[ChatMessage]
    provider: str = "auto"
    max_tokens: int | None = None
    temperature: float | None = None
    stream: bool = True


_NUMBER = (int, float)


@dataclass
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None

    @classmethod
    def from_wire(cls, data: Any) -> Usage | None:
        if not isinstance(data, dict):
            return None

        get = data.get
        prompt, completion, total = (
            get("prompt_tokens"),
            get("completion_tokens"),
            get("total_tokens"),
        )
        return cls(
            int(prompt) if isinstance(prompt, _NUMBER) else None,
            int(completion) if isinstance(completion, _NUMBER) else None,
            int(total) if isinstance(total, _NUMBER) else None,
        )

    def to_dict(self) -> dict[str, int | None]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass
class ChatResult:
    """What a chat turn produced. ``status`` is complete, interrupted or failed.

    An interrupted result keeps the partial ``text``; a failed one has ``error`` (one sentence
    for a person) and ``error_action`` (a button the UI may offer).
    """

    text: str
    status: Status
    trace: Trace
    provider: str | None = None
    provider_model: str | None = None
    provider_model_reported: str | None = None
    """The model the provider says answered (its ``model`` field), when it said."""
    via: str | None = None
    finish_reason: str | None = None
    usage: Usage | None = None
    ttft_ms: float | None = None
    duration_ms: float | None = None
    error: str | None = None
    error_action: FixAction | None = None
    malformed_events: int = 0
    notice: str | None = None
    """A sentence for a complete answer that replaced a cut one ("Groq stopped mid-answer;
    Together AI answered instead.")."""

    @property
    def cost(self) -> Cost:
        """The estimate the engine wrote into the trace (or "no estimate")."""
        return cost_of(self.trace)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "status": self.status,
            "provider": self.provider,
            "provider_model": self.provider_model,
            "provider_model_reported": self.provider_model_reported,
            "via": self.via,
            "finish_reason": self.finish_reason,
            "usage": self.usage.to_dict() if self.usage else None,
            "ttft_ms": self.ttft_ms,
            "duration_ms": self.duration_ms,
            "error": self.error,
            "cost": cost_of(self.trace).to_dict(),
            "notice": self.notice,
            "not_tried": self.trace.not_tried(),
            "trace": self.trace.to_dict(),
        }
