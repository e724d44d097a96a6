"""The routing trace: what the engine considered, tried, and who answered.

Every result, successful or not, carries one. The UI shows its summary ("Together 429 → Groq")
and expands it; the command line prints it with ``--json``; the history stores it as JSON. It
never holds a secret: credentials appear only as "HF token" or "<provider> key".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from desktop.providers.table import provider_label

# Outcome classes of one attempt (routing.md §5.3). "ok" is the only success.
OK = "ok"
CONNECT_ERROR = "connect_error"
TIMEOUT = "timeout"
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
AUTH = "auth"
BILLING = "billing"
NOT_FOUND = "not_found"
CONTEXT_LENGTH = "context_length"
CONTENT_POLICY = "content_policy"
INVALID_REQUEST = "invalid_request"
REJECTED = "rejected"
"""One provider refused the request as sent (its own schema, e.g. Replicate 422 or fal's
"Unsupported data URL"); unlike ``invalid_request`` the next provider may well take it."""
BAD_RESPONSE = "bad_response"
INTERRUPTED = "interrupted"
CANCELLED = "cancelled"

_SHORT = {
    CONNECT_ERROR: "unreachable",
    TIMEOUT: "timed out",
    RATE_LIMITED: "429",
    SERVER_ERROR: "server error",
    AUTH: "key refused",
    BILLING: "no credits",
    NOT_FOUND: "model not found",
    CONTEXT_LENGTH: "prompt too long",
    CONTENT_POLICY: "refused by content filter",
    INVALID_REQUEST: "rejected the request",
    REJECTED: "refused these settings",
    BAD_RESPONSE: "bad response",
    INTERRUPTED: "interrupted",
    CANCELLED: "stopped",
}


def seconds_text(seconds: float) -> str:
    """How long something took, for people: "<0.01 s", "0.04 s", "0.4 s", "13 s"."""
    if seconds < 0.01:
        return "<0.01 s"  # a local server: "0.0 s" would read as "nothing happened"
    if seconds < 0.1:
        return f"{seconds:.2f} s"
    if seconds < 10:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s"


@dataclass
class CandidateNote:
    """One candidate the engine considered; ``skipped`` says why it was not tried."""

    provider: str
    via: str  # "router", "direct", "custom" or "hf-auto"
    provider_model: str
    skipped: str | None = None


@dataclass
class AttemptRecord:
    """One HTTP exchange with one candidate."""

    provider: str
    via: str
    provider_model: str
    started_at: float
    outcome: str = ""
    status_code: int | None = None
    message: str = ""
    ttft_ms: float | None = None
    duration_ms: float | None = None
    retry_after_s: float | None = None
    request_id: str | None = None
    served_by: str | None = None  # x-inference-provider when HF's router chose
    breaker: str | None = None  # breaker state before the attempt

    def short(self) -> str:
        """ "Groq 429" / "Together ✓" for one-line summaries."""
        who = provider_label(self.served_by or self.provider)
        if self.outcome == OK:
            return f"{who} ✓"
        reason = _SHORT.get(self.outcome, self.outcome)
        if self.outcome == RATE_LIMITED and self.retry_after_s:
            reason += f" (retry after {self.retry_after_s:g} s)"
        return f"{who} {reason}"


@dataclass
class Trace:
    """The whole routing story of one logical request."""

    model: str
    policy: str
    task: str = "conversational"
    candidates: list[CandidateNote] = field(default_factory=list)
    attempts: list[AttemptRecord] = field(default_factory=list)
    answered_by: str | None = None
    billed_to: str | None = None  # "huggingface" (HF account) or the provider id (own key)
    request_id: str = ""

    def summary(self) -> str:
        """Failed attempts then the winner: "Together 429 → Groq ✓"."""
        return " → ".join(a.short() for a in self.attempts)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trace:
        trace = cls(
            model=str(data.get("model", "")),
            policy=str(data.get("policy", "")),
            task=str(data.get("task", "conversational")),
            answered_by=data.get("answered_by"),
            billed_to=data.get("billed_to"),
            request_id=str(data.get("request_id", "")),
        )
        trace.candidates = [CandidateNote(**c) for c in data.get("candidates", [])]
        trace.attempts = [AttemptRecord(**a) for a in data.get("attempts", [])]
        return trace
