"""Shared, thread-safe state of one emulator: models, tokens, faults, replies and the record.

The test thread mutates it (``add_model``, ``fault`` …) while the server thread reads it from
request handlers, so every access goes through one lock. Nothing here knows about aiohttp; the
handlers only ask questions ("is this token valid for the router?", "which fault applies?").
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from desktop.core.table import PROVIDERS

from .chat import DEFAULT_QUIRKS, Quirks
from .faults import Fault, make_fault
from .record import RecordedRequest

HF_TOKEN = "hf_test_valid_token_0123456789abcdef"
"""The Hugging Face token the emulated router (and Hub) accepts out of the box."""

DEFAULT_REPLY = "Hello from {provider}."
"""Reply template; ``{provider}`` and ``{model}`` are substituted per answer."""

FAULT_TARGETS_EXTRA = ("auto", "hub", "models", "media", "custom")
"""Fault targets besides provider ids: the router's own chat route, the Hub, ``/v1/models``,
the static media host (``/media/…``) and the custom OpenAI-compatible server (``/custom/…``)."""


DEFAULT_CUSTOM_MODELS = ("llama3.2:3b", "qwen2.5:7b-instruct", "nomic-embed-text")
"""Names an Ollama-like server lists: two chat models and an embeddings one."""


def direct_key(provider_id: str) -> str:
    """The provider key the emulated direct route of ``provider_id`` accepts."""
    return f"key-{provider_id}"


@dataclass
class ModelEntry:
    """A model registered on the emulated Hub; ``mapping`` keeps insertion order."""

    hf_id: str
    mapping: dict[str, dict[str, Any]]
    pipeline_tag: str
    tags: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    """Hub list fields: ``likes``, ``downloads``, ``trendingScore``, ``createdAt``, ``cardData``."""


class State:
    """Everything handlers read and tests write, behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)
        self._models: dict[str, ModelEntry] = {}
        self._router_tokens: set[str] = {HF_TOKEN}
        self._limited: set[str] = set()
        self._direct_keys: dict[str, set[str]] = {pid: {direct_key(pid)} for pid in PROVIDERS}
        self._rejected: dict[str, int] = {}
        self._faults: dict[str, deque[Fault]] = {}
        self._reply: str = DEFAULT_REPLY
        self._provider_replies: dict[str, str] = {}
        self._quirks: dict[str, Quirks] = dict(DEFAULT_QUIRKS)
        self._requests: list[RecordedRequest] = []
        self.routed_providers: set[str] = {p.id for p in PROVIDERS.values() if p.routed}
        self.custom_models: list[str] = list(DEFAULT_CUSTOM_MODELS)
        """What the custom OpenAI-compatible server lists at ``GET /custom/v1/models``."""

    # -- models ---------------------------------------------------------------------------

    def add_model(
        self,
        hf_id: str,
        mapping: dict[str, dict[str, Any]],
        *,
        pipeline_tag: str | None = None,
        tags: list[str] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        for provider, entry in mapping.items():
            if "providerId" not in entry:
                raise ValueError(f"mapping entry for {provider!r} needs a providerId")
        tasks = [str(e.get("task", "conversational")) for e in mapping.values()]
        if pipeline_tag is None:
            pipeline_tag = "text-generation" if "conversational" in tasks or not tasks else tasks[0]
        if tags is None:
            tags = [pipeline_tag] + (["conversational"] if "conversational" in tasks else [])
        entries = {
            p: {"status": "live", "task": "conversational", **dict(e)} for p, e in mapping.items()
        }
        with self._lock:
            self._models[hf_id] = ModelEntry(
                hf_id, entries, pipeline_tag, list(tags), dict(meta or {})
            )

    def remove_model(self, hf_id: str) -> None:
        with self._lock:
            self._models.pop(hf_id, None)

    def model(self, hf_id: str) -> ModelEntry | None:
        with self._lock:
            entry = self._models.get(hf_id)
            return None if entry is None else _copy_model(entry)

    def models(self) -> list[ModelEntry]:
        with self._lock:
            return [_copy_model(m) for m in self._models.values()]

    def provider_serves(self, provider: str, provider_model: str) -> bool:
        """Whether ``provider_model`` is a registered chat providerId (live, error or staging).

        Staging entries answer too, as for a member of the provider's organisation: HF's
        clients call them with a warning, and so does Switchboard when the user names one."""
        with self._lock:
            for model in self._models.values():
                entry = model.mapping.get(provider)
                if (
                    entry is not None
                    and entry.get("providerId") == provider_model
                    and entry.get("task") == "conversational"
                    and entry.get("status") in ("live", "error", "staging")
                ):
                    return True
        return False

    # -- tokens ---------------------------------------------------------------------------

    def accept_token(self, token: str, provider: str | None = None) -> None:
        with self._lock:
            self._rejected.pop(token, None)
            if provider is None:
                self._router_tokens.add(token)
            else:
                self._direct_keys.setdefault(provider, set()).add(token)

    def reject_token(self, token: str, status: int = 401) -> None:
        if status not in (401, 402, 403):
            raise ValueError("reject_token status must be 401, 402 or 403")
        with self._lock:
            self._rejected[token] = status

    def limit_token(self, token: str) -> None:
        """Accept ``token`` but, as a fine-grained token without "Make calls to Inference
        Providers", let whoami report it without that right."""
        with self._lock:
            self._router_tokens.add(token)
            self._limited.add(token)

    def token_is_limited(self, token: str) -> bool:
        with self._lock:
            return token in self._limited

    def check_router_token(self, token: str | None) -> int | None:
        """None when the HF token is good, else the status to answer with."""
        with self._lock:
            if token is not None and token in self._rejected:
                return self._rejected[token]
            return None if token in self._router_tokens else 401

    def check_direct_key(self, provider: str, key: str | None) -> int | None:
        with self._lock:
            if key is not None and key in self._rejected:
                return self._rejected[key]
            return None if key in self._direct_keys.get(provider, set()) else 401

    def check_hub_token(self, token: str | None) -> int | None:
        """Anonymous Hub calls are fine; a token that is sent must be valid."""
        if token is None:
            return None
        return self.check_router_token(token)

    # -- faults ---------------------------------------------------------------------------

    def add_fault(self, target: str, kind: str, times: int | None, params: dict[str, Any]) -> Fault:
        if target not in PROVIDERS and target not in FAULT_TARGETS_EXTRA:
            known = ", ".join([*PROVIDERS, *FAULT_TARGETS_EXTRA])
            raise ValueError(f"unknown fault target {target!r}; use one of {known}")
        fault = make_fault(target, kind, times, params)
        with self._lock:
            self._faults.setdefault(target, deque()).append(fault)
        return fault

    def take_fault(self, target: str) -> Fault | None:
        """The fault that applies to this request, consuming one use of it."""
        with self._lock:
            queue = self._faults.get(target)
            if not queue:
                return None
            fault = queue[0]
            fault.hits += 1
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
            return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- replies and quirks ---------------------------------------------------------------

    def set_reply(self, text: str, provider: str | None = None) -> None:
        with self._lock:
            if provider is None:
                self._reply = text
                self._provider_replies.clear()
            else:
                self._provider_replies[provider] = text

    def reply_template(self, provider: str) -> str:
        with self._lock:
            return self._provider_replies.get(provider, self._reply)

    def set_quirks(self, provider: str, **changes: Any) -> None:
        with self._lock:
            self._quirks[provider] = dataclasses.replace(
                self._quirks.get(provider, Quirks()), **changes
            )

    def quirks(self, provider: str) -> Quirks:
        with self._lock:
            return self._quirks.get(provider, Quirks())

    # -- record ---------------------------------------------------------------------------

    def record(self, rec: RecordedRequest) -> None:
        with self._recorded:
            self._requests.append(rec)
            self._recorded.notify_all()

    def wait_for_requests(
        self, count: int, provider: str | None, timeout: float
    ) -> list[RecordedRequest]:
        """Block until ``count`` requests (of ``provider``, if given) have arrived."""

        def matching() -> list[RecordedRequest]:
            return [r for r in self._requests if provider is None or r.provider == provider]

        with self._recorded:
            if not self._recorded.wait_for(lambda: len(matching()) >= count, timeout):
                raise TimeoutError(
                    f"saw {len(matching())} of {count} requests"
                    + (f" for {provider}" if provider else "")
                )
            return matching()

    def update_record(self, rec: RecordedRequest, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(rec, name, value)

    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()


def _copy_model(entry: ModelEntry) -> ModelEntry:
    return ModelEntry(
        entry.hf_id,
        {p: dict(e) for p, e in entry.mapping.items()},
        entry.pipeline_tag,
        list(entry.tags),
        dict(entry.meta),
    )
