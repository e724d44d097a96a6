"""The routing trace: what the engine considered, tried, and who answered.

Every result, successful or not, carries one. The UI tells it in words
("Together was busy (too many requests), so Groq answered")
and expands it; the command line prints it with ``--json``; the history stores it as JSON. It
never holds a secret: credentials appear only as "HF token" or "<provider> key".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from desktop.core.table import provider_label


class Outcome(StrEnum):
    """How one attempt ended (routing.md §5.3). ``ok`` is the only success."""

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


_SHORT: dict[str, str] = {
    Outcome.CONNECT_ERROR: "unreachable",
    Outcome.TIMEOUT: "timed out",
    Outcome.RATE_LIMITED: "busy (too many requests)",
    Outcome.SERVER_ERROR: "server error",
    Outcome.AUTH: "key refused",
    Outcome.BILLING: "no credits",
    Outcome.NOT_FOUND: "model not found",
    Outcome.CONTEXT_LENGTH: "prompt too long",
    Outcome.CONTENT_POLICY: "refused by content filter",
    Outcome.INVALID_REQUEST: "rejected the request",
    Outcome.REJECTED: "refused these settings",
    Outcome.BAD_RESPONSE: "bad response",
    Outcome.INTERRUPTED: "interrupted",
    Outcome.CANCELLED: "stopped",
}


_SENTENCE: dict[str, tuple[str, str]] = {
    Outcome.CONNECT_ERROR: ("could not be reached", "could not be reached"),
    Outcome.TIMEOUT: ("took too long", "took too long"),
    Outcome.RATE_LIMITED: ("was busy (too many requests)", "were busy (too many requests)"),
    Outcome.SERVER_ERROR: ("had a server problem", "had server problems"),
    Outcome.AUTH: ("refused the key", "refused the key"),
    Outcome.BILLING: ("has no credits left", "have no credits left"),
    Outcome.NOT_FOUND: ("does not have this model", "do not have this model"),
    Outcome.CONTEXT_LENGTH: ("found the prompt too long", "found the prompt too long"),
    Outcome.CONTENT_POLICY: ("refused it (content filter)", "refused it (content filter)"),
    Outcome.INVALID_REQUEST: ("rejected the request", "rejected the request"),
    Outcome.REJECTED: ("refused these settings", "refused these settings"),
    Outcome.BAD_RESPONSE: ("sent back something unreadable", "sent back something unreadable"),
    Outcome.INTERRUPTED: ("was cut off", "were cut off"),
    Outcome.CANCELLED: ("was stopped", "were stopped"),
}
"""The same outcomes as whole clauses, for the story under a result."""


def outcome_clause(outcome: str, *, many: bool = False) -> str:
    """The predicate for one outcome: "was busy (too many requests)"; ``many`` for several
    providers at once ("were busy (too many requests)")."""
    pair = _SENTENCE.get(outcome)
    if pair is None:
        return _SHORT.get(outcome, outcome)
    return pair[1] if many else pair[0]


def seconds_text(seconds: float) -> str:
    """How long something took, for people: "<0.01 s", "0.04 s", "0.4 s", "13 s"."""
    if seconds < 0.01:
        return "<0.01 s"  # a local server: "0.0 s" would read as "nothing happened"
    if seconds < 0.1:
        return f"{seconds:.2f} s"
    if seconds < 10:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s"


@dataclass(frozen=True)
class CandidateNote:
    """One candidate the engine considered; ``skipped`` says why it was not tried.

    Frozen: the engine shares one note between the traces of many requests (a candidate
    keeps its own, :meth:`desktop.engine.candidates.Candidate.planned_note`), so a reason is
    given by putting :meth:`skipped_for` in the note's place, never by changing it."""

    provider: str
    via: str  # "router", "direct", "custom" or "hf-auto"
    provider_model: str
    skipped: str | None = None
    note: str = ""  # said even when tried: "test-only (staging) …" for a provider named by hand

    def skipped_for(self, why: str) -> CandidateNote:
        """This note with ``why`` as the reason it was not tried."""
        return CandidateNote(self.provider, self.via, self.provider_model, why, self.note)


@dataclass
class AttemptRecord:
    """One HTTP exchange with one candidate."""

    provider: str
    via: str
    provider_model: str
    started_at: float
    outcome: str = ""
    """An :class:`Outcome` once the attempt ended; "" while it runs."""
    status_code: int | None = None
    message: str = ""
    ttft_ms: float | None = None
    duration_ms: float | None = None
    retry_after_s: float | None = None
    request_id: str | None = None
    served_by: str | None = None  # x-inference-provider when HF's router chose
    breaker: str | None = None  # breaker state before the attempt
    provider_model_reported: str | None = None
    """The ``model`` the provider says answered (may differ from ``provider_model`` sent)."""
    partial_text: str = ""
    """What an answer cut after its first text had shown (kept here when it was replaced)."""
    billed: bool = False
    """This attempt made something the provider bills (failed attempts never are)."""

    def short(self) -> str:
        """ "Groq busy (too many requests)" / "Together ✓" for one-line summaries.

        Plain words only: the status code and Retry-After stay in the details table."""
        who = provider_label(self.served_by or self.provider)
        if self.outcome == Outcome.OK:
            return f"{who} ✓"
        return f"{who} {_SHORT.get(self.outcome, self.outcome)}"

    def sentence(self) -> str:
        """What went wrong, as a clause: "Groq was busy (too many requests)"."""
        return f"{provider_label(self.served_by or self.provider)} {outcome_clause(self.outcome)}"


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
    first_choice: str | None = None
    """The provider the user's own order puts first (policy ``auto``), to say when it was
    skipped."""
    waits: list[str] = field(default_factory=list)
    """Waits the engine chose, in words ("waited 1 s for Groq as it asked …")."""
    restarts: list[str] = field(default_factory=list)
    """Answers cut mid-way and restarted elsewhere ("Groq stopped mid-answer; Together AI
    answered instead")."""
    bill_to: str | None = None
    """The organisation sent as ``X-HF-Bill-To`` on the answering routed request, if any."""
    cost: dict[str, Any] | None = None
    """The estimate (:class:`desktop.core.cost_types.Cost` as a dict) once the result is in."""

    def summary(self) -> str:
        """Failed attempts then the winner: "Together busy (too many requests) → Groq ✓"."""
        return " → ".join(a.short() for a in self.attempts)

    def not_tried(self) -> list[str]:
        """Every candidate not tried, with the reason, in words ("Groq: resting for 25 s
        after it said ‘too many requests’")."""
        return [f"{provider_label(c.provider)}: {c.skipped}" for c in self.candidates if c.skipped]

    def first_choice_skipped(self) -> str:
        """ "Groq, your first choice, was skipped: resting for 25 s …", or "" when the user's
        first choice was tried (or the policy was not the user's own order)."""
        first = self.first_choice
        if not first or any(a.provider == first for a in self.attempts):
            return ""
        why = next((c.skipped for c in self.candidates if c.provider == first and c.skipped), "")
        if not why or why.startswith("not needed"):
            return ""
        return f"{provider_label(first)}, your first choice, was skipped: {why}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; fields added later are left out while empty, so a trace
        stored before them is written back byte for byte."""
        data = asdict(self)
        for key, empty in _LATER_TRACE_FIELDS.items():
            if data.get(key) == empty:
                del data[key]
        for attempt in data["attempts"]:
            for key, empty in _LATER_ATTEMPT_FIELDS.items():
                if attempt.get(key) == empty:
                    del attempt[key]
        for note in data["candidates"]:  # added later: absent unless said, as older traces
            if not note.get("note"):
                note.pop("note", None)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trace:
        trace = cls(
            model=str(data.get("model", "")),
            policy=str(data.get("policy", "")),
            task=str(data.get("task", "conversational")),
            answered_by=data.get("answered_by"),
            billed_to=data.get("billed_to"),
            request_id=str(data.get("request_id", "")),
            first_choice=data.get("first_choice"),
            bill_to=data.get("bill_to"),
            cost=data.get("cost") if isinstance(data.get("cost"), dict) else None,
        )
        trace.waits = [str(w) for w in data.get("waits", [])]
        trace.restarts = [str(r) for r in data.get("restarts", [])]
        trace.candidates = [CandidateNote(**c) for c in data.get("candidates", [])]
        trace.attempts = [_attempt_from_dict(a) for a in data.get("attempts", [])]
        return trace


_LATER_TRACE_FIELDS: dict[str, Any] = {
    "first_choice": None,
    "waits": [],
    "restarts": [],
    "bill_to": None,
    "cost": None,
}
_LATER_ATTEMPT_FIELDS: dict[str, Any] = {
    "provider_model_reported": None,
    "partial_text": "",
    "billed": False,
}


def _attempt_from_dict(data: dict[str, Any]) -> AttemptRecord:
    """A stored attempt; its outcome string becomes the :class:`Outcome` it names."""
    record = AttemptRecord(**data)
    if record.outcome in Outcome._value2member_map_:
        record.outcome = Outcome(record.outcome)
    return record
