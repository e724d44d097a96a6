"""Totals over a month of generated items: today, this month, by provider, task, model, day."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from desktop.store.cost_ledger import CostEntry, CostLedger, CostLedgerError, parse_day
from desktop.store.cost_settings import CostSettings, CostSettingsStore


def at(day: int, hour: int = 12, month: int = 12) -> float:
    return datetime(2026, month, day, hour).timestamp()


def month_of_work(ledger: CostLedger) -> None:
    """Every day of December: two chats at Groq, one picture at fal; plus November leftovers."""
    for day in range(1, 32):
        ledger.add(CostEntry("conversational", "meta/llama", "groq", 0.001, "b", at=at(day, 9)))
        ledger.add(CostEntry("conversational", "meta/llama", "groq", 0.002, "b", at=at(day, 10)))
        ledger.add(CostEntry("text-to-image", "bfl/flux", "fal-ai", 0.01, "b", at=at(day, 11)))
    ledger.add(CostEntry("text-to-video", "wan/t2v", "fal-ai", 0.40, "b", at=at(30, month=11)))
    ledger.add(CostEntry("conversational", "mine", "local", None, "no price", at=at(7)))


def test_totals_over_a_month(tmp_path: Path) -> None:
    now = [at(31, 20)]
    ledger = CostLedger(tmp_path / "costs.db", clock=lambda: now[0])
    month_of_work(ledger)
    assert ledger.today() == pytest.approx(0.013)
    assert ledger.this_month() == pytest.approx(31 * 0.013)
    december = at(1, 0)
    by_provider = ledger.totals("provider", december)
    assert [(t.key, t.count) for t in by_provider] == [("fal-ai", 31), ("groq", 62), ("local", 1)]
    assert by_provider[0].usd == pytest.approx(0.31)
    assert by_provider[1].usd == pytest.approx(0.093)
    assert by_provider[2].unpriced == 1 and by_provider[2].usd == 0.0
    by_task = {t.key: t.usd for t in ledger.totals("task")}  # all time: November's video too
    assert by_task["text-to-video"] == pytest.approx(0.40)
    by_day = ledger.totals("day", parse_day("2026-12-30"))
    assert [(t.key, round(t.usd, 6)) for t in by_day] == [
        ("2026-12-30", 0.013),
        ("2026-12-31", 0.013),
    ]
    by_model = ledger.totals("model", december)
    assert by_model[0].key == "bfl/flux"
    ledger.close()
    # The next month starts from zero; the rows are still there for the past.
    reopened = CostLedger(tmp_path / "costs.db", clock=lambda: at(2, month=12) + 31 * 86400)
    assert reopened.this_month() == 0.0
    assert reopened.spent(december, at(31, 23)) == pytest.approx(31 * 0.013)


def test_bad_grouping_and_dates_are_one_sentence(tmp_path: Path) -> None:
    ledger = CostLedger(tmp_path / "costs.db")
    with pytest.raises(CostLedgerError, match="grouped by provider, task, model, day"):
        ledger.totals("colour")
    with pytest.raises(CostLedgerError, match="not a date like"):
        parse_day("31/12/2026")


def test_cost_settings_round_trip_and_bad_file(tmp_path: Path) -> None:
    store = CostSettingsStore(tmp_path)
    assert store.load() == CostSettings()
    chosen = CostSettings(
        bill_to="acme",
        organisations=["acme", "labs"],
        monthly_budget_usd=20.0,
        ask_above_usd=0.5,
        chat_prices={"groq": [0.1, 0.2]},
    )
    store.save(chosen)
    assert store.load() == chosen
    store.path.write_text("{not json", "utf-8")
    assert store.load() == CostSettings()


def test_the_month_total_keeps_running_and_sees_other_writers(tmp_path: Path) -> None:
    """Settling an answer reads the month's total; it is kept running instead of summing every
    row again, yet stays right across a new month and rows the command line adds meanwhile."""
    now = [at(10, 20)]
    path = tmp_path / "costs.db"
    window = CostLedger(path, clock=lambda: now[0])
    assert window.this_month() == 0.0
    window.add(CostEntry("conversational", "m", "groq", 0.25, "b", at=at(10)))
    window.add(CostEntry("conversational", "m", "groq", 0.5, "b", at=at(30, month=11)))
    window.add(CostEntry("conversational", "m", "local", None, "no price", at=at(10)))
    assert window.this_month() == pytest.approx(0.25)
    cli = CostLedger(path, clock=lambda: now[0])  # another process, same file
    cli.add(CostEntry("text-to-image", "f", "fal-ai", 1.0, "b", at=at(10)))
    cli.close()
    assert window.this_month() == pytest.approx(1.25)
    window.add(CostEntry("conversational", "m", "groq", 0.125, "b", at=at(10, 21)))
    assert window.this_month() == pytest.approx(1.375)
    assert window.this_month() == pytest.approx(window.spent(at(1, 0)))
    now[0] = datetime(2027, 1, 2, 9).timestamp()  # a new month: December no longer counts
    assert window.this_month() == 0.0
    window.close()


def test_queued_rows_count_everywhere_and_are_written_together(tmp_path: Path) -> None:
    """Settled answers are queued without SQL and written in one transaction; every read (from
    any thread) and closing write the queue first, so totals never miss a result."""
    now = [at(10, 20)]
    path = tmp_path / "costs.db"
    ledger = CostLedger(path, clock=lambda: now[0])
    entry = CostEntry("conversational", "m", "groq", 0.25, "b")
    assert ledger.queue(entry) is None  # the month was never read: the caller reads it
    assert ledger.this_month() == pytest.approx(0.25)  # the read wrote the queue first
    statements: list[str] = []
    ledger._db.set_trace_callback(statements.append)
    assert ledger.queue(entry) == pytest.approx(0.5)  # the running total, with no SQL at all
    assert ledger.queue(CostEntry("conversational", "m", "local", None, "no price")) == 0.5
    assert ledger.queue(CostEntry("x", "m", "groq", 1.0, "b", at=at(30, month=11))) is None
    assert statements == []
    ledger.flush()
    assert [s.split()[0] for s in statements] == ["BEGIN", "INSERT", "INSERT", "INSERT", "COMMIT"]
    assert [e.at for e in ledger.entries()][1:3] == [now[0], now[0]]  # stamped when queued
    ledger.queue(entry)
    assert len(ledger.entries()) == 5  # a read sees the queued row
    ledger.queue(entry)
    ledger.close()  # closing writes what is queued
    reopened = CostLedger(path, clock=lambda: now[0])
    assert len(reopened.entries()) == 6
    assert reopened.this_month() == pytest.approx(1.0)
    reopened.close()


def test_local_day_names_every_time_as_strftime_does_across_days_and_clock_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The day a row is stamped with is remembered between rows; times around midnights and
    clock changes (one at midnight too) still get the date ``strftime`` gives."""
    import random
    import time as time_module

    from desktop.store import cost_ledger

    rng = random.Random(8)
    try:
        for zone in ("UTC", "Europe/Berlin", "America/Havana"):
            monkeypatch.setenv("TZ", zone)
            time_module.tzset()
            monkeypatch.setattr(cost_ledger, "_day_memo", (0.0, 0.0, ""))
            ts = datetime(2013, 1, 1).timestamp()
            end = datetime(2015, 1, 1).timestamp()
            while ts < end:
                ts += rng.uniform(-900.0, 3000.0)
                day = datetime.fromtimestamp(ts).strftime("%Y-%m-%d")
                assert cost_ledger.local_day(ts) == day
    finally:
        monkeypatch.undo()
        time_module.tzset()


def test_a_written_burst_keeps_the_month_running_like_rows_written_one_by_one(
    tmp_path: Path,
) -> None:
    """A burst of queued rows is written at once; the month's total keeps running from it (no
    new read) and agrees with the rows on disk, and so does a ledger opened afterwards."""
    now = [at(10, 20)]
    path = tmp_path / "costs.db"
    ledger = CostLedger(path, clock=lambda: now[0])
    assert ledger.this_month() == 0.0
    for usd in (0.25, 0.5, None, 0.125):
        ledger.queue(CostEntry("conversational", "m", "groq", usd, "b"))
    ledger.flush()
    statements: list[str] = []
    ledger._db.set_trace_callback(statements.append)
    assert ledger.this_month() == pytest.approx(0.875)
    assert not [s for s in statements if "SUM" in s]  # still running: no rows summed again
    assert ledger.this_month() == pytest.approx(ledger.spent(at(1, 0)))
    assert [e.usd for e in ledger.entries()] == [0.25, 0.5, None, 0.125]
    ledger.close()
    reopened = CostLedger(path, clock=lambda: now[0])
    assert reopened.this_month() == pytest.approx(0.875)
    reopened.close()
