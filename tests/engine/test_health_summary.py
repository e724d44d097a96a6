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
    assert view.short() == "some failures lately · first words in 0.4 s"
    assert view.sentence() == (
        "Some failures lately: answered 3 of the last 4 requests, first words after about 0.4 s."
    )
    assert "%" not in view.short() and "Healthy" not in view.sentence()
    assert provider_health(book, "cohere").sentence() == "Not used yet in this session or recently."
