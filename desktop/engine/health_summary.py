"""Health of a provider in plain words, for the Providers page and the command line.

A provider may be reached with several credentials (HF token, own key); the summary shows the
one that matters most: a resting (open) breaker first, then the most recently used one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop.core.table import HF_CREDENTIAL
from desktop.core.trace import Outcome, seconds_text
from desktop.engine.credentials import Credentials
from desktop.engine.health import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    WHOLE_CREDENTIAL,
    HealthBook,
    ProviderHealth,
)

_REASONS: dict[str, str] = {
    Outcome.RATE_LIMITED: "rate-limited",
    Outcome.AUTH: "key refused",
    Outcome.BILLING: "no credits",
    Outcome.TIMEOUT: "too slow",
    Outcome.CONNECT_ERROR: "unreachable",
    Outcome.SERVER_ERROR: "server errors",
    Outcome.NOT_FOUND: "model missing",
    Outcome.BAD_RESPONSE: "bad answers",
}


_AFTER: dict[str, str] = {
    Outcome.RATE_LIMITED: "after it said \u2018too many requests\u2019",
    Outcome.AUTH: "after it refused the key",
    Outcome.BILLING: "after it said the account has no credits",
    Outcome.TIMEOUT: "after it was too slow to answer",
    Outcome.CONNECT_ERROR: "after it could not be reached",
    Outcome.SERVER_ERROR: "after server errors",
    Outcome.NOT_FOUND: "after it said the model is missing",
    Outcome.BAD_RESPONSE: "after answers Switchboard could not read",
    Outcome.INTERRUPTED: "after it stopped in the middle of answers",
}


def rest_words(book: HealthBook, key: str) -> str | None:
    """Why ``key`` is not being asked, in words for a skip note; None when it is not resting.

    "resting for 25 s after it said ‘too many requests’"; a whole-credential rest
    says whose key it is: "resting for 60 min after Hugging Face refused the token".
    """
    item = book.resting(key)
    if item is None:
        return None
    left = _duration(item.open_until - book.clock())
    if item is book.credential_rest(key):
        return f"resting for {left} after Hugging Face refused the token"
    return f"resting for {left} {_AFTER.get(item.reason, 'after failures')}"


@dataclass(frozen=True)
class HealthView:
    """What the page shows for one provider."""

    state: str  # closed, open, half-open, or "unknown" (never used)
    resting_s: float  # seconds until an open breaker lets a request through again
    reason: str  # why it is resting, in words
    ttft_s: float | None  # typical time to first token, seconds
    success_rate: float | None  # of the last 20 attempts
    attempts: int
    recent_ok: int = 0  # of the last 20 attempts, how many answered
    recent_total: int = 0

    def verdict(self) -> str:
        """One honest word-group from the recent record: "working well", "some failures
        lately", "mostly failing lately" ("" before anything is known)."""
        if self.recent_total == 0:
            return ""
        rate = self.recent_ok / self.recent_total
        if rate >= 0.9:
            return "working well"
        if rate >= 0.5:
            return "some failures lately"
        return "mostly failing lately"

    def short(self) -> str:
        """A few words for a list row: "resting 24 s (rate-limited)", "working well · first
        words in 0.4 s"."""
        if self.state == OPEN:
            return f"resting {_duration(self.resting_s)} ({self.reason})"
        if self.state == HALF_OPEN:
            return "trying again on the next request"
        if self.attempts == 0:
            return ""
        parts = [self.verdict()]
        if self.ttft_s is not None:
            parts.append(f"first words in {seconds_text(self.ttft_s)}")
        return " · ".join(p for p in parts if p)

    def sentence(self) -> str:
        """One line for the details panel."""
        if self.state == OPEN:
            return (
                f"Resting for {_duration(self.resting_s)} ({self.reason}); Auto tries the "
                "others first until then."
            )
        if self.state == HALF_OPEN:
            return "Recovering: the next request that needs it will test it."
        if self.attempts == 0:
            return "Not used yet in this session or recently."
        text = self.verdict().capitalize() or "Used recently"
        if self.recent_total:
            text += f": answered {self.recent_ok} of the last {self.recent_total} requests"
        if self.ttft_s is not None:
            text += f", first words after about {seconds_text(self.ttft_s)}"
        return text + "."


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{math.ceil(seconds)} s"
    if seconds < 5400:
        return f"{math.ceil(seconds / 60)} min"
    return f"{math.ceil(seconds / 3600)} h"


def reached_with(credentials: Credentials, provider_id: str) -> tuple[str, ...]:
    """The credential a request to ``provider_id`` would use now: its own key, else the HF
    token (through the router)."""
    return (provider_id,) if credentials.provider_key(provider_id) else (HF_CREDENTIAL,)


def try_again_now(book: HealthBook, credentials: Credentials, provider_id: str) -> None:
    """End every rest of ``provider_id`` (the "Try again now" button): its own breakers and a
    rest of the credential it is reached with; the next request asks it first again."""
    book.try_again(provider_id, reached_with(credentials, provider_id))
    book.save()


def provider_health(
    book: HealthBook, provider_id: str, credentials: tuple[str, ...] = ()
) -> HealthView:
    """The view of ``provider_id``; ``credentials`` (those it is reached with now) bring in a
    rest of a whole credential, such as the HF token refused by the router."""
    now = book.clock()
    items: list[ProviderHealth] = [
        item for key, item in book.snapshot().items() if key.split("|", 1)[0] == provider_id
    ]
    wides: list[ProviderHealth] = []
    for credential in credentials:
        wide = book.credential_rest(f"{WHOLE_CREDENTIAL}|{credential}")
        if wide is not None:
            wides.append(wide)
    items += wides
    if not items:
        return HealthView("unknown", 0.0, "", None, None, 0)
    rank = {OPEN: 0, HALF_OPEN: 1, CLOSED: 2}
    item = min(items, key=lambda i: (rank[i.state(now)], -i.updated_at))
    state = item.state(now)
    return HealthView(
        state=state,
        resting_s=max(0.0, item.open_until - now) if state == OPEN else 0.0,
        reason="Hugging Face refused the token"
        if any(item is w for w in wides)
        else _REASONS.get(item.reason, item.reason or "failures"),
        ttft_s=item.ttft_ewma_ms / 1000.0 if item.ttft_ewma_ms is not None else None,
        success_rate=item.success_rate(),
        attempts=item.successes + item.failures,
        recent_ok=sum(item.recent),
        recent_total=len(item.recent),
    )
