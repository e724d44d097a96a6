"""Words the chat shows about an answer: badge, failover summary, interruption markers."""

from __future__ import annotations

from desktop.core.chat_types import ChatResult, Usage
from desktop.core.trace import AttemptRecord, Trace
from desktop.core.vocab import Status
from desktop.store.history import StoredMessage
from desktop.ui.chat.message_data import (
    CRASHED_TEXT,
    LOST_TEXT,
    STOPPED_TEXT,
    MessageData,
    attempt_rows,
    badge_text,
    badge_tooltip,
    failover_summary,
    interruption_text,
    seconds,
)


def attempt(provider: str, outcome: str, **extra: object) -> AttemptRecord:
    return AttemptRecord(provider, "router", "m", 0.0, outcome=outcome, **extra)  # type: ignore[arg-type]


def trace(*attempts: AttemptRecord) -> Trace:
    t = Trace(model="m", policy="auto")
    t.attempts = list(attempts)
    return t


def test_seconds() -> None:
    assert seconds(420) == "0.4 s"
    assert seconds(12500) == "12 s"
    assert seconds(None) == ""
    assert seconds(42) == "0.04 s" and seconds(3) == "<0.01 s"  # local servers are fast


def test_badge() -> None:
    data = MessageData(1, "assistant", "hi", provider="groq", ttft_ms=420)
    assert badge_text(data) == "via Groq · 0.4 s"
    assert badge_text(MessageData(1, "assistant", "", provider=None)) == ""
    assert badge_text(MessageData(1, "user", "hi", provider="groq")) == ""
    assert badge_text(MessageData(1, "assistant", "hi", provider="my-box")) == "via my-box"


def test_failover_summary_only_after_a_failure() -> None:
    ok = MessageData(1, "assistant", "x", trace=trace(attempt("groq", "ok")))
    assert failover_summary(ok) == ""
    after = MessageData(
        1,
        "assistant",
        "x",
        trace=trace(attempt("together", "rate_limited", status_code=429), attempt("groq", "ok")),
    )
    assert failover_summary(after) == "Together AI was busy (too many requests), so Groq answered"
    failed = MessageData(
        1,
        "assistant",
        "",
        status=Status.FAILED,
        trace=trace(attempt("together", "server_error"), attempt("groq", "server_error")),
    )
    assert failover_summary(failed) == ""


def test_interruption_markers() -> None:
    assert interruption_text(MessageData(1, "assistant", "x", status=Status.COMPLETE)) == ""
    stopped = MessageData(1, "assistant", "x", status=Status.INTERRUPTED, stopped_by_user=True)
    assert interruption_text(stopped) == STOPPED_TEXT
    lost = MessageData(
        1, "assistant", "x", status=Status.INTERRUPTED, trace=trace(attempt("groq", "interrupted"))
    )
    assert interruption_text(lost) == LOST_TEXT
    crashed = MessageData(1, "assistant", "x", status=Status.INTERRUPTED)
    assert interruption_text(crashed) == CRASHED_TEXT


def test_from_stored_recognises_a_user_stop() -> None:
    stored = StoredMessage(
        id=5,
        conversation_id=1,
        role="assistant",
        content="part",
        attachments=[],
        model="m",
        provider="groq",
        provider_model="x",
        status=Status.INTERRUPTED,
        error="Stopped — the partial answer is kept.",
        trace=trace(attempt("groq", "cancelled", ttft_ms=100.0)).to_dict(),
        usage=None,
        ttft_ms=None,
        duration_ms=None,
        created_at=0.0,
    )
    data = MessageData.from_stored(stored)
    assert data.stopped_by_user
    assert data.via == "router"
    assert interruption_text(data) == STOPPED_TEXT


def test_apply_result() -> None:
    data = MessageData(7, "assistant", "", model="m")
    result = ChatResult(
        text="done",
        status=Status.COMPLETE,
        trace=trace(attempt("groq", "ok")),
        provider="groq",
        via="direct",
        usage=Usage(1, 2, 3),
        ttft_ms=300.0,
    )
    data.apply_result(result)
    assert (
        data.text == "done"
        and data.via == "direct"
        and data.usage
        == {
            "prompt_tokens": 1,
            "completion_tokens": 2,
            "total_tokens": 3,
        }
    )
    assert badge_text(data) == "via Groq · 0.3 s"


def test_attempt_rows() -> None:
    rows = attempt_rows(
        trace(attempt("together", "rate_limited", status_code=429, retry_after_s=20.0))
    )
    assert rows == [["Together AI", "HF router", "429", "rate limited", "", "", "", "20 s"]]


def test_speed_label_is_the_users_wait_not_the_answering_providers() -> None:
    """After a 5 s failover the label says 5 s, not the fast provider's own 0.004 s; the
    provider's own time is still told in the tooltip."""
    busy = AttemptRecord("groq", "router", "m", 100.0, outcome="rate_limited", duration_ms=5000)
    fast = AttemptRecord("cerebras", "router", "m", 105.0, outcome="ok", ttft_ms=4.0)
    data = MessageData(
        1, "assistant", "hi", provider="cerebras", ttft_ms=4.0, trace=trace(busy, fast)
    )
    assert badge_text(data) == "via Cerebras · 5.0 s"
    assert "<0.01 s" not in badge_text(data)
    tip = badge_tooltip(data)
    assert "First words after 5.0 s." in tip and "Cerebras itself took <0.01 s." in tip
