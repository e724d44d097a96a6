"""Breaker and latency state: the rules of routing.md §5.6, and persistence across restarts."""

from __future__ import annotations

from pathlib import Path

from desktop.core.trace import Outcome
from desktop.engine.health import CLOSED, HALF_OPEN, OPEN, HealthBook


class Clock:
    def __init__(self) -> None:
        self.now = 5_000_000.0

    def __call__(self) -> float:
        return self.now


def test_three_failures_open_then_half_open_lets_exactly_one_probe() -> None:
    clock = Clock()
    book = HealthBook(None, clock)
    for _ in range(2):
        book.record("p|c", Outcome.SERVER_ERROR)
    assert book.state("p|c") == CLOSED
    book.record("p|c", Outcome.TIMEOUT)
    assert book.state("p|c") == OPEN and not book.allows("p|c")
    clock.now += 5.1
    assert book.state("p|c") == HALF_OPEN and book.allows("p|c")
    book.begin("p|c")
    assert not book.allows("p|c")  # one probe in flight at a time
    book.record("p|c", Outcome.SERVER_ERROR)  # the probe failed: open again, longer
    assert book.state("p|c") == OPEN
    assert book.open_until("p|c") - clock.now == 10.0


def test_cooldown_never_shortens_and_is_capped() -> None:
    clock = Clock()
    book = HealthBook(None, clock)
    book.record("p|c", Outcome.RATE_LIMITED, retry_after_s=120)
    book.record("p|c", Outcome.RATE_LIMITED, retry_after_s=3)
    assert book.open_until("p|c") - clock.now == 120
    for _ in range(20):
        book.record("q|c", Outcome.RATE_LIMITED)
    assert book.open_until("q|c") - clock.now <= 300


def test_user_cancel_and_refusals_are_not_provider_failures() -> None:
    book = HealthBook(None, Clock())
    for outcome in (
        Outcome.CANCELLED,
        Outcome.CONTENT_POLICY,
        Outcome.CONTEXT_LENGTH,
        Outcome.INVALID_REQUEST,
    ) * 3:
        book.record("p|c", outcome)
    assert book.state("p|c") == CLOSED and book.get("p|c").failures == 0


def test_state_survives_a_restart_but_old_breakers_expire(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "health.json"
    book = HealthBook(path, clock)
    book.record("p|c", Outcome.RATE_LIMITED, retry_after_s=120)
    book.record("q|c", Outcome.OK, ttft_ms=400)
    book.save()
    again = HealthBook(path, clock)
    assert again.state("p|c") == OPEN
    assert again.get("q|c").ttft_ewma_ms == 400
    clock.now += 11 * 60
    later = HealthBook(path, clock)
    assert later.state("p|c") == CLOSED  # a breaker older than 10 minutes is forgotten
    assert later.get("q|c").ttft_ewma_ms == 400  # latency statistics are kept


def test_p95_of_recent_first_token_times() -> None:
    book = HealthBook(None, Clock())
    for ms in range(100, 2100, 100):
        book.record("p|c", Outcome.OK, ttft_ms=float(ms))
    assert book.ttft_p95_ms("p|c") == 1900.0


def test_every_way_a_rest_ends_lets_the_provider_back_at_once() -> None:
    """Checks answer without looking while nothing rests (issue 8); each way a rest starts
    or ends must still be seen: a success, "Try again now", a new key, a restart."""
    clock = Clock()
    book = HealthBook(None, clock)
    assert book.quiet() and book.allows("p|c")
    book.record("p|c", Outcome.RATE_LIMITED, retry_after_s=30)
    assert not book.quiet() and not book.allows("p|c")
    book.try_again("p")
    assert book.quiet() and book.allows("p|c")
    book.record("p|hf", Outcome.AUTH)
    assert not book.allows("p|hf")
    book.forget_credential("hf")
    assert book.quiet() and book.allows("p|hf")
    book.rest_credential("hf", Outcome.AUTH)
    assert not book.allows("q|hf") and book.allows("q|own")
    book.record("q|hf", Outcome.OK)  # the token works after all: its rest ends
    assert book.quiet() and book.allows("r|hf")


def test_a_rest_read_back_from_disk_still_holds(tmp_path: Path) -> None:
    clock = Clock()
    first = HealthBook(tmp_path / "health.json", clock)
    first.record("p|c", Outcome.RATE_LIMITED, retry_after_s=60)
    first.save()
    again = HealthBook(tmp_path / "health.json", clock)
    assert not again.quiet() and not again.allows("p|c") and again.allows("q|c")
