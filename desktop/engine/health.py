"""Per provider and credential: a circuit breaker and latency statistics.

States follow routing.md §5.6: closed → open → half-open → closed. A breaker opens on three
consecutive failures, at once on 429 (for exactly Retry-After, or an exponential cooldown), and
on auth/billing refusals until the credential changes, the user presses "Try again now", or an
hour passes. The cooldown never shortens an existing expiry, but after availability failures
(server errors, timeouts, unreachable, cut answers) the probe interval never grows past 15 s:
a provider that recovers is back in rotation within 30 s however long it was down. A refusal
of the HF token by the router itself rests the *credential* (every routed provider) rather than
one provider. State is saved to a small JSON file so a restart does not hit a provider that was down
a minute ago; breaker entries older than 10 minutes are dropped on load.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from desktop.core.trace import Outcome
from desktop.store.atomic import atomic_write_text

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half-open"

FAILURES_TO_OPEN = 3
BASE_COOLDOWN_S = 5.0
MAX_COOLDOWN_S = 300.0
PROBE_INTERVAL_CAP_S = 15.0
"""Longest rest after availability failures: the next real request probes within 15 s."""
CREDENTIAL_BLOCK_S = 3600.0
"""A refused key or an empty account rests at most an hour (or until the key changes)."""
WHOLE_CREDENTIAL = "*"
"""Provider part of the key of a rest that covers every provider using one credential."""
BREAKER_TTL_S = 600.0
EWMA_ALPHA = 0.3
SAMPLES = 20
BUDGET_WINDOW_S = 60.0
RETRY_BUDGET_RATIO = 0.1
RETRY_BUDGET_MIN = 3
HEDGE_WINDOW_S = 600.0
HEDGE_BUDGET_RATIO = 0.05

# Rests that only a person can end (new key, credits): they last up to CREDENTIAL_BLOCK_S.
_ACCOUNT = {Outcome.AUTH, Outcome.BILLING}
# Outcomes that say nothing about the provider's health.
_NEUTRAL = {
    Outcome.OK,
    Outcome.CANCELLED,
    Outcome.CONTENT_POLICY,
    Outcome.CONTEXT_LENGTH,
    Outcome.INVALID_REQUEST,
    Outcome.REJECTED,
    "",
}


@dataclass
class ProviderHealth:
    """Health of one (provider, credential) pair."""

    consecutive_failures: int = 0
    opens: int = 0
    open_until: float = 0.0
    reason: str = ""
    probing: bool = False
    ttft_ewma_ms: float | None = None
    successes: int = 0
    failures: int = 0
    updated_at: float = 0.0
    recent: list[bool] = field(default_factory=list)
    ttft_samples: list[float] = field(default_factory=list)

    def state(self, now: float) -> str:
        if self.open_until <= 0.0:
            return CLOSED
        return OPEN if now < self.open_until else HALF_OPEN

    def success_rate(self) -> float | None:
        return sum(self.recent) / len(self.recent) if self.recent else None


_OK = Outcome.OK
"""Bound once: reading an enum member goes through its metaclass's attribute hook, about a
Python call's cost, and every attempt's outcome is compared with it (issue 8)."""


def _prune(stamps: deque[float], cutoff: float) -> deque[float]:
    """``stamps`` without the times before ``cutoff`` (the oldest are first)."""
    while stamps and stamps[0] < cutoff:
        stamps.popleft()
    return stamps


class HealthBook:
    """All breakers and statistics, keyed by ``provider|credential``."""

    def __init__(self, path: Path | None, clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self.clock = clock
        self._items: dict[str, ProviderHealth] = {}
        # Keys whose breaker is not closed (``open_until`` set). Usually none: then every
        # check a request makes is answered without looking (issue 8, CPU per request).
        self._unclosed: set[str] = set()
        # Rolling, in-memory only: attempts and same-candidate retries per provider, hedges.
        self._attempts: dict[str, deque[float]] = {}
        self._retries: dict[str, deque[float]] = {}
        self._requests: deque[float] = deque()
        self._hedges: deque[float] = deque()
        self._load()

    @staticmethod
    def key(provider: str, credential: str) -> str:
        return f"{provider}|{credential}"

    def get(self, key: str) -> ProviderHealth:
        item = self._items.get(key)
        if item is None:
            item = self._items[key] = ProviderHealth()
        return item

    def credential_rest(self, key: str) -> ProviderHealth | None:
        """The open rest of ``key``'s whole credential (the HF token refused by the router)."""
        if not self._unclosed:
            return None
        credential = key.split("|", 1)[-1]
        item = self._items.get(f"{WHOLE_CREDENTIAL}|{credential}")
        if item is None or item.state(self.clock()) != OPEN:
            return None
        return item

    def resting(self, key: str) -> ProviderHealth | None:
        """What keeps ``key`` resting now (its own breaker or its credential's), if anything."""
        if not self._unclosed:
            return None
        wide = self.credential_rest(key)
        if wide is not None:
            return wide
        item = self._items.get(key)
        return item if item is not None and item.state(self.clock()) == OPEN else None

    def state(self, key: str) -> str:
        if self.credential_rest(key) is not None:
            return OPEN
        return self.get(key).state(self.clock())

    def open_until(self, key: str) -> float:
        wide = self.credential_rest(key)
        own = self.get(key).open_until
        return max(own, wide.open_until) if wide is not None else own

    def quiet(self) -> bool:
        """No breaker and no credential is resting or probing: every candidate is allowed."""
        return not self._unclosed

    def allows(self, key: str) -> bool:
        """Closed, or half-open with no probe in flight (and its credential not resting)."""
        if not self._unclosed:
            self.get(key)
            return True
        if self.credential_rest(key) is not None:
            return False
        item = self.get(key)
        state = item.state(self.clock())
        return state == CLOSED or (state == HALF_OPEN and not item.probing)

    def begin(self, key: str) -> str:
        """Note an attempt is starting; a half-open breaker lets exactly this one through."""
        item = self.get(key)
        if not self._unclosed:  # every breaker is closed (``_unclosed`` holds the others)
            return CLOSED
        state = item.state(self.clock())
        if state == HALF_OPEN:
            item.probing = True
        return state

    def release(self, key: str) -> None:
        """An attempt ended without a verdict yet: a half-open probe slot is free again."""
        item = self._items.get(key)
        if item is not None:
            item.probing = False

    def ttft_p95_ms(self, key: str) -> float | None:
        samples = sorted(self.get(key).ttft_samples)
        if not samples:
            return None
        return samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]

    # --- Budgets (routing.md §5.5 and §5.8) ----------------------------------------------

    def _window(self, stamps: deque[float], span: float) -> deque[float]:
        cutoff = self.clock() - span
        while stamps and stamps[0] < cutoff:
            stamps.popleft()
        return stamps

    def note_attempt(self, key: str) -> None:
        now = self.clock()
        stamps = self._attempts.get(key)
        if stamps is None:  # not ``setdefault``: that makes a deque every time (issue 8)
            stamps = self._attempts[key] = deque()
        # Pruned as they grow, so a long session does not accumulate timestamps.
        _prune(stamps, now - BUDGET_WINDOW_S).append(now)
        _prune(self._requests, now - HEDGE_WINDOW_S).append(now)

    def note_retry(self, key: str) -> None:
        self._retries.setdefault(key, deque()).append(self.clock())

    def retry_allowed(self, key: str) -> bool:
        """Same-provider retries stay under 10 % of its attempts in a minute (at least 3)."""
        attempts = len(self._window(self._attempts.setdefault(key, deque()), BUDGET_WINDOW_S))
        retries = len(self._window(self._retries.setdefault(key, deque()), BUDGET_WINDOW_S))
        return retries < max(RETRY_BUDGET_MIN, RETRY_BUDGET_RATIO * attempts)

    def note_hedge(self) -> None:
        self._hedges.append(self.clock())

    def hedge_allowed(self) -> bool:
        """Hedges stay at or under 5 % of recent attempts (one is allowed to start with)."""
        requests = len(self._window(self._requests, HEDGE_WINDOW_S))
        hedges = len(self._window(self._hedges, HEDGE_WINDOW_S))
        return hedges + 1 <= max(1.0, HEDGE_BUDGET_RATIO * requests)

    def record(
        self,
        key: str,
        outcome: str,
        *,
        ttft_ms: float | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        item = self.get(key)
        now = self.clock()
        item.updated_at = now
        item.probing = False
        if outcome == _OK:
            if self._unclosed:  # else nothing rests, the credential as a whole neither
                # A success with a credential proves it works: a rest of it as a whole ends.
                wide_key = f"{WHOLE_CREDENTIAL}|{key.split('|', 1)[-1]}"
                wide = self._items.get(wide_key)
                if wide is not None and wide is not item:
                    self._close(wide_key, wide)
                self._unclosed.discard(key)
            item.consecutive_failures = 0
            item.opens = 0
            item.open_until = 0.0
            item.reason = ""
            item.successes += 1
            item.recent = [*item.recent[-19:], True]
            if ttft_ms is not None:
                item.ttft_samples = [*item.ttft_samples[-(SAMPLES - 1) :], ttft_ms]
                prev = item.ttft_ewma_ms
                item.ttft_ewma_ms = (
                    ttft_ms if prev is None else prev + EWMA_ALPHA * (ttft_ms - prev)
                )
            return
        if outcome in _NEUTRAL:
            return
        item.failures += 1
        item.consecutive_failures += 1
        item.recent = [*item.recent[-19:], False]
        if outcome in _ACCOUNT:
            self._open(key, item, now, CREDENTIAL_BLOCK_S, outcome)
        elif outcome == Outcome.RATE_LIMITED:
            cooldown = retry_after_s if retry_after_s else self._backoff(item)
            self._open(key, item, now, cooldown, outcome)
        elif item.consecutive_failures >= FAILURES_TO_OPEN or item.state(now) == HALF_OPEN:
            # Availability failures: the probe interval is capped, so a recovered provider
            # is used again within seconds (routing.md §5.6), however often the probe failed.
            self._open(key, item, now, min(PROBE_INTERVAL_CAP_S, self._backoff(item)), outcome)

    def rest_credential(self, credential: str, outcome: str) -> None:
        """The router refused the credential itself: every provider using it rests (≤ 1 h)."""
        key = f"{WHOLE_CREDENTIAL}|{credential}"
        item = self.get(key)
        item.updated_at = self.clock()
        self._open(key, item, item.updated_at, CREDENTIAL_BLOCK_S, outcome)

    def _backoff(self, item: ProviderHealth) -> float:
        return float(min(MAX_COOLDOWN_S, BASE_COOLDOWN_S * 2**item.opens))

    def _open(
        self, key: str, item: ProviderHealth, now: float, cooldown: float, reason: str
    ) -> None:
        self._unclosed.add(key)
        item.opens += 1
        item.open_until = max(item.open_until, now + cooldown)
        item.reason = reason

    def _close(self, key: str, item: ProviderHealth) -> None:
        self._unclosed.discard(key)
        item.open_until = 0.0
        item.opens = 0
        item.consecutive_failures = 0
        item.reason = ""
        item.probing = False

    def forget_credential(self, credential: str) -> None:
        """A key changed: its auth/billing blocks no longer apply."""
        for key, item in self._items.items():
            if key.endswith("|" + credential) and item.reason in _ACCOUNT:
                self._close(key, item)

    def try_again(self, provider: str, credentials: tuple[str, ...] = ()) -> None:
        """The person pressed "Try again now": end every rest of ``provider`` at once.

        ``credentials`` are the ones it would be reached with now; a rest of one of them as
        a whole (the HF token refused by the router) ends too.
        """
        wide = {f"{WHOLE_CREDENTIAL}|{c}" for c in credentials}
        for key, item in self._items.items():
            if key.split("|", 1)[0] == provider or key in wide:
                self._close(key, item)

    def snapshot(self) -> dict[str, ProviderHealth]:
        return dict(self._items)

    # --- Persistence --------------------------------------------------------------------

    def _load(self) -> None:
        if self._path is None:
            return
        try:
            data = json.loads(self._path.read_text("utf-8"))
        except (OSError, ValueError):
            return
        now = self.clock()
        for key, raw in (data.get("items") or {}).items() if isinstance(data, dict) else ():
            try:
                item = ProviderHealth(**raw)
            except TypeError:
                continue
            item.probing = False
            if now - item.updated_at > BREAKER_TTL_S and item.reason not in _ACCOUNT:
                item.open_until = 0.0
                item.opens = 0
                item.consecutive_failures = 0
            # Files written when a key rest lasted a day: no rest outlives the hour now.
            item.open_until = min(item.open_until, now + CREDENTIAL_BLOCK_S)
            self._items[key] = item
            if item.open_until > 0.0:
                self._unclosed.add(key)

    def save(self) -> None:
        if self._path is None:
            return
        payload = json.dumps(
            {"version": 1, "items": {k: asdict(v) for k, v in self._items.items()}}
        )
        # Health is a cache: losing it costs one slow request, not data.
        with contextlib.suppress(OSError):
            atomic_write_text(self._path, payload)
