"""What one message widget shows, and the words for badges, markers and trace details.

Why a separate, Qt-free module: the same message comes from two places (a stored row when a
conversation opens, a live ChatResult when a turn ends) and the wording rules ("via Groq ·
0.4 s", "Stopped — partial answer kept", "Together AI was busy (too many requests), so
Groq answered") deserve plain unit tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.core.chat_types import Attachment, ChatResult
from desktop.core.cost_types import Cost
from desktop.core.table import provider_label
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.core.vocab import FixAction, Status
from desktop.store.history import StoredMessage
from desktop.ui.widgets.routing_words import attempt_row, failover_text, seconds, user_wait_ms

STREAMING = "streaming"
"""UI-only status of the answer that is arriving right now."""

STOPPED_TEXT = "Stopped — partial answer kept"
LOST_TEXT = "Connection lost — partial answer kept"
CRASHED_TEXT = "Interrupted — partial answer kept"
SAVED_PART_TEXT = "Stopped — the part that could be saved is kept"
SAVING_STOPPED = "Saving stopped"
"""How the engine's sentence for an answer whose saving failed begins
(``desktop.engine.conversations.saving_stopped_text``)."""


@dataclass
class MessageData:
    """One message as the chat view shows it."""

    id: int | None
    role: str
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    model: str | None = None
    provider: str | None = None
    via: str | None = None
    status: str = Status.COMPLETE
    error: str | None = None
    error_action: str | None = None
    trace: Trace | None = None
    ttft_ms: float | None = None
    duration_ms: float | None = None
    usage: dict[str, Any] | None = None
    stopped_by_user: bool = False
    version: int = 1
    version_count: int = 1

    @classmethod
    def from_stored(cls, message: StoredMessage) -> MessageData:
        """Build from a history row (trace JSON decoded; a damaged trace is dropped)."""
        trace: Trace | None = None
        if message.trace:
            try:
                trace = Trace.from_dict(message.trace)
            except (TypeError, ValueError, KeyError):
                trace = None
        data = cls(
            id=message.id,
            role=message.role,
            text=message.content,
            attachments=[Attachment.from_dict(a) for a in message.attachments],
            model=message.model,
            provider=message.provider,
            status=message.status,
            error=message.error,
            trace=trace,
            ttft_ms=message.ttft_ms,
            duration_ms=message.duration_ms,
            usage=message.usage,
            version=message.version,
            version_count=message.version_count,
        )
        data.via = _winning_via(trace)
        data.stopped_by_user = _was_cancelled(trace)
        if data.status == Status.FAILED and data.role == "assistant":
            data.error_action = FixAction.RETRY
        return data

    def apply_result(self, result: ChatResult) -> None:
        """Take over what a finished turn produced."""
        self.text = result.text
        self.status = result.status
        self.provider = result.provider
        self.via = result.via
        self.error = result.error
        self.error_action = result.error_action
        self.trace = result.trace
        self.ttft_ms = result.ttft_ms
        self.duration_ms = result.duration_ms
        self.usage = result.usage.to_dict() if result.usage else None
        self.stopped_by_user = False


def _winning_via(trace: Trace | None) -> str | None:
    if trace is None:
        return None
    for attempt in reversed(trace.attempts):
        if (
            attempt.outcome in (Outcome.OK, Outcome.INTERRUPTED, Outcome.CANCELLED)
            and attempt.ttft_ms is not None
        ):
            return attempt.via
    return None


def _was_cancelled(trace: Trace | None) -> bool:
    return bool(trace and trace.attempts and trace.attempts[-1].outcome == Outcome.CANCELLED)


def wait_ms(data: MessageData) -> float | None:
    """How long the person waited for the first words, failovers included (the answering
    provider's own time is in the tooltip and Details)."""
    waited = user_wait_ms(data.trace, first_word=True)
    return waited if waited is not None else data.ttft_ms


def version_text(data: MessageData) -> str:
    """``"2/3"`` for the second of three versions of a turn, ``""`` when there is one."""
    return f"{data.version}/{data.version_count}" if data.version_count > 1 else ""


def badge_text(data: MessageData) -> str:
    """``"via Groq · 0.4 s"`` (the user's wait for the first words), or ``""`` when nobody
    answered."""
    if data.role != "assistant" or not data.provider:
        return ""
    text = f"via {provider_label(data.provider)}"
    waited = wait_ms(data)
    if waited is not None:
        text += f" · {seconds(waited)}"
    return text


def badge_tooltip(data: MessageData) -> str:
    """The longer story behind the badge."""
    if not data.provider:
        return ""
    who = provider_label(data.provider)
    route = {
        "router": "through the Hugging Face router (billed to your HF account)",
        "direct": "directly, with your own key",
        "custom": "on your own server",
        "hf-auto": "chosen by Hugging Face",
    }.get(data.via or "", "")
    parts = [f"Answered by {who} {route}".strip() + "."]
    waited = wait_ms(data)
    if waited is not None:
        parts.append(f"First words after {seconds(waited)}.")
    if data.ttft_ms is not None and (waited is None or abs(waited - data.ttft_ms) >= 10):
        parts.append(f"{who} itself took {seconds(data.ttft_ms)}.")
    if data.duration_ms is not None:
        parts.append(f"Finished in {seconds(data.duration_ms)}.")
    if data.usage and data.usage.get("total_tokens"):
        parts.append(f"{data.usage['total_tokens']} tokens.")
    return " ".join(parts)


def answer_cost(data: MessageData) -> Cost | None:
    """The estimate kept with an answer, or None when there is none to show (a question,
    a live answer, an answer from before costs were estimated)."""
    if data.role != "assistant" or data.status == STREAMING or data.trace is None:
        return None
    return Cost.from_dict(data.trace.cost)


def cost_text(data: MessageData) -> str:
    """ "≈ $0.0004, estimate" under an answer; "" when there is nothing to say (no estimate,
    or a failed answer, which costs nothing)."""
    cost = answer_cost(data)
    if cost is None or (cost.usd == 0.0 and data.status == Status.FAILED):
        return ""
    if cost.usd is None:
        return "Price unknown"
    return f"{cost.short()}, estimate"


def cost_tooltip(data: MessageData) -> str:
    """How the estimate was made, in words (tokens × price, or estimated tokens)."""
    cost = answer_cost(data)
    if cost is None:
        return ""
    return f"Estimated cost: {cost.basis}."


def failover_summary(data: MessageData) -> str:
    """``"Together AI was busy (too many requests), so Groq answered"`` when more than one
    provider was tried, after "Groq, your first choice, was skipped: resting …" when it was;
    else ``""``."""
    trace = data.trace
    if trace is None or data.status == Status.FAILED:
        return ""  # a failed turn's error sentence already tells the story
    first = first_choice_text(data)
    earlier = trace.attempts[:-1]
    if not any(a.outcome not in (Outcome.OK, Outcome.CANCELLED, "") for a in earlier):
        return first + "." if first else ""
    story = failover_text(trace, "answered")
    return f"{first}. {story}" if first else story


def restart_text(data: MessageData) -> str:
    """ "Groq stopped mid-answer; Together AI answered instead." for a complete answer that
    replaced a cut one, else ``""``."""
    if data.status != Status.COMPLETE or data.trace is None or not data.trace.restarts:
        return ""
    return data.trace.restarts[-1] + "."


def first_choice_text(data: MessageData) -> str:
    """ "Groq, your first choice, was skipped: resting …" when it was, else ``""``."""
    if data.trace is None or data.status == Status.FAILED:
        return ""
    return data.trace.first_choice_skipped()


def interruption_text(data: MessageData) -> str:
    """The marker of an answer cut short, or ``""`` if it was not."""
    if data.status != Status.INTERRUPTED:
        return ""
    if data.stopped_by_user:
        return STOPPED_TEXT
    if data.error and data.error.startswith(SAVING_STOPPED):
        return SAVED_PART_TEXT  # the connection was fine: the disk was not
    if data.trace is None or not data.trace.attempts:
        return CRASHED_TEXT
    return LOST_TEXT


def attempt_rows(trace: Trace) -> list[list[str]]:
    """One row per attempt for the details table (provider, route, status, outcome, …)."""
    return [_attempt_row(a) for a in trace.attempts]


ATTEMPT_HEADERS = [
    "Provider",
    "Route",
    "HTTP",
    "Outcome",
    "Message",
    "First token",
    "Duration",
    "Retry after",
]


def _attempt_row(a: AttemptRecord) -> list[str]:
    return attempt_row(a, ok_word="answered", duration=seconds)
