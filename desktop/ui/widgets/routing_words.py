"""The words of the routing badge and trace table, for every task tab (no Qt here).

Why a Qt-free module: the same wording ("via fal · 2.1 s", "Together AI was busy (too many
requests), so fal delivered", "fal is working on it…") is shown by the Images, Video, Speech
and Embeddings tabs and the Library,
and rules like "a picture request of four images has four winners" deserve plain unit tests.

A media trace may merge several logical requests (four pictures are four routed requests, see
:func:`desktop.engine.images.merge_traces`), so the failover line lists each distinct failure
once, then the providers that delivered, instead of repeating "fal ✓" four times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from desktop.core.table import provider_label
from desktop.core.trace import AttemptRecord, Outcome, Trace, outcome_clause, seconds_text
from desktop.core.vocab import FixAction

ACTION_LABELS: dict[str, str] = {
    FixAction.ADD_TOKEN: "Add a token",
    FixAction.OPEN_PROVIDERS: "Open Providers",
    FixAction.RETRY: "Try again",
    FixAction.OTHER_PROVIDER: "Use another provider",
}
"""The button offered with an error, by the engine's ``error_action``."""

ROUTE_LABELS: dict[str, str] = {
    "router": "HF router",
    "direct": "own key",
    "custom": "your server",
    "hf-auto": "HF chooses",
}

ATTEMPT_HEADERS: tuple[str, ...] = (
    "Provider",
    "Route",
    "HTTP",
    "Outcome",
    "Message",
    "First result",
    "Duration",
    "Retry after",
)

_NOT_A_FAILURE = frozenset({Outcome.OK, Outcome.CANCELLED, ""})


def seconds(ms: float | None) -> str:
    """``420`` → ``"0.4 s"``; ``12600`` → ``"13 s"``; ``95000`` → ``"1:35"``; None → ``""``."""
    if ms is None:
        return ""
    s = ms / 1000
    return seconds_text(s) if s < 60 else clock(s)


def clock(total_s: float) -> str:
    """``65`` → ``"1:05"``; ``3725`` → ``"1:02:05"`` (elapsed times and video positions)."""
    whole = max(0, int(total_s))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def winners(trace: Trace | None) -> list[str]:
    """Providers that delivered (who really served, when HF's router chose), in order."""
    if trace is None:
        return []
    return _unique(a.served_by or a.provider for a in trace.attempts if a.outcome == Outcome.OK)


def joined_names(providers: Sequence[str]) -> str:
    """``["fal-ai"]`` → ``"fal"``; three → ``"fal, Together AI and Replicate"``."""
    names = [provider_label(p) for p in providers]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def badge_text(providers: Sequence[str], duration_ms: float | None = None) -> str:
    """``"via fal · 2.1 s"``, or ``""`` when nobody delivered."""
    if not providers:
        return ""
    text = f"via {joined_names(providers)}"
    if duration_ms is not None:
        text += f" · {seconds(duration_ms)}"
    return text


def failover_text(trace: Trace | None, verb: str = "delivered") -> str:
    """``"Together AI was busy (too many requests), so fal delivered"`` when some provider
    failed before, else ``""``. Codes, routes and request ids stay in Details."""
    if trace is None:
        return ""
    by_outcome: dict[str, list[str]] = {}
    for a in trace.attempts:
        if a.outcome not in _NOT_A_FAILURE:
            by_outcome.setdefault(a.outcome, []).append(a.served_by or a.provider)
    if not by_outcome:
        return ""
    clauses = []
    for outcome, providers in by_outcome.items():
        names = _unique(providers)
        clauses.append(f"{joined_names(names)} {outcome_clause(outcome, many=len(names) > 1)}")
    story = _and(clauses)
    delivered = winners(trace)
    if delivered:
        story += f", so {joined_names(delivered)} {verb}"
    return story


def _and(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def user_wait_ms(trace: Trace | None, *, first_word: bool = False) -> float | None:
    """How long the person waited: from the first attempt's start to the winner's end (or
    its first word), failovers included. None when the trace cannot tell."""
    if trace is None or not trace.attempts:
        return None
    ok = [a for a in trace.attempts if a.outcome == Outcome.OK]
    if not ok:
        return None
    start = min(a.started_at for a in trace.attempts)
    ends = [
        (a.started_at - start) * 1000 + own
        for a in ok
        if (own := a.ttft_ms if first_word else a.duration_ms) is not None
    ]
    return max(0.0, max(ends)) if ends else None


def badge_tooltip(trace: Trace | None, providers: Sequence[str]) -> str:
    """The longer story: who answered, over which route, who is billed."""
    if trace is None or not providers:
        return ""
    routes = _unique(
        ROUTE_LABELS.get(a.via, a.via) for a in trace.attempts if a.outcome == Outcome.OK
    )
    text = f"Made by {joined_names(providers)}"
    if routes:
        text += f" ({', '.join(routes)})"
    text += "."
    if trace.billed_to == "huggingface":
        text += " Billed to your Hugging Face account."
    elif trace.billed_to:
        text += f" Billed to your {provider_label(trace.billed_to)} account."
    return text


def live_text(record: AttemptRecord) -> str:
    """What one attempt is doing right now, in a few words ("Groq was busy (too many
    requests) — trying the next provider…")."""
    who = provider_label(record.provider)
    if record.outcome == "":
        return f"{who} is working on it…"
    if record.outcome == Outcome.OK:
        return f"Done by {provider_label(record.served_by or record.provider)}"
    if record.outcome == Outcome.CANCELLED:
        return "Stopped"
    return f"{record.sentence()} — trying the next provider…"


def attempt_row(
    a: AttemptRecord,
    *,
    ok_word: str = "delivered",
    duration: Callable[[float | None], str] = seconds,
) -> list[str]:
    """One row of the trace table (see :data:`ATTEMPT_HEADERS`); the Chat tab says
    ``ok_word="answered"`` and times its rows its own way."""
    who = provider_label(a.provider)
    if a.served_by and a.served_by != a.provider:
        who += f" (served by {provider_label(a.served_by)})"
    if a.outcome == Outcome.OK:
        outcome = ok_word
    elif a.outcome == "":
        outcome = "running"
    else:
        outcome = a.outcome.replace("_", " ")
    return [
        who,
        ROUTE_LABELS.get(a.via, a.via),
        str(a.status_code) if a.status_code is not None else "",
        outcome,
        a.message,
        duration(a.ttft_ms),
        duration(a.duration_ms),
        f"{a.retry_after_s:g} s" if a.retry_after_s else "",
    ]


def attempt_rows(trace: Trace) -> list[list[str]]:
    return [attempt_row(a) for a in trace.attempts]


def skipped_notes(trace: Trace) -> list[str]:
    """Candidates not tried, with the reason ("Nebius AI Studio: needs its own key")."""
    return trace.not_tried()


def routing_notes(trace: Trace) -> list[str]:
    """Sentences for Details besides the tables: a first choice skipped, answers restarted
    elsewhere (with the partial text they had shown), waits the engine chose."""
    notes: list[str] = []
    first = trace.first_choice_skipped()
    if first:
        notes.append(first + ".")
    notes += [r + "." for r in trace.restarts]
    for a in trace.attempts:
        if a.partial_text and a.outcome == Outcome.INTERRUPTED and trace.restarts:
            notes.append(
                f"{provider_label(a.served_by or a.provider)} had written: \u201c"
                f"{_clip(a.partial_text)}\u201d"
            )
    notes += [w[0].upper() + w[1:] + "." for w in trace.waits]
    for a in trace.attempts:
        reported = a.provider_model_reported
        if a.outcome == Outcome.OK and reported:
            asked = f" (asked for {a.provider_model})" if reported != a.provider_model else ""
            notes.append(
                f"{provider_label(a.served_by or a.provider)} says the model that answered "
                f"was {reported}{asked}."
            )
    return notes


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
