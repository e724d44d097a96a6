"""The plain-words health shown on the Providers page."""

from __future__ import annotations

from desktop.core.trace import Outcome
from desktop.engine.health import HealthBook
from desktop.engine.health_summary import provider_health


class Clock:
    now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_resting_provider_says_how_long_and_why() -> None:
    clock = Clock()
    book = HealthBook(None, clock)
    book.record("groq|huggingface", Outcome.OK, ttft_ms=300)
    book.record("groq|groq", Outcome.RATE_LIMITED, retry_after_s=24)
    view = provider_health(book, "groq")
    assert view.short() == "resting 24 s (rate-limited)"
    assert view.sentence().startswith("Resting for 24 s (rate-limited)")
    clock.now += 25
    assert provider_health(book, "groq").short() == "trying again on the next request"


def test_healthy_provider_shows_speed_and_success() -> None:
    book = HealthBook(None, Clock())
    for ms in (400, 400, 400):
        book.record("together|huggingface", Outcome.OK, ttft_ms=ms)
    book.record("together|huggingface", Outcome.SERVER_ERROR)
    view = provider_health(book, "together")
    assert view.short() == "0.4 s to first word · 75% answered"
    assert provider_health(book, "cohere").sentence() == "Not used yet in this session or recently."
