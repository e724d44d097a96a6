"""Statuses, outcomes and actions became enums: what older versions stored must still read.

The enums are ``StrEnum`` so that a database or JSON file written before them reads back as
the typed value, and one written after them holds the very same bytes.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from desktop.core.chat_types import ChatResult
from desktop.core.trace import Outcome, Trace
from desktop.core.vocab import FixAction, JobStatus, Status
from desktop.store.history import HistoryStore
from desktop.store.jobs import JobRecord, JobStore
from tests.store.conftest import FakeClock

# A trace exactly as an older version wrote it into the history database.
OLD_TRACE = {
    "model": "m",
    "policy": "auto",
    "task": "conversational",
    "candidates": [{"provider": "groq", "via": "router", "provider_model": "g", "skipped": None}],
    "attempts": [
        {
            "provider": "groq",
            "via": "router",
            "provider_model": "g",
            "started_at": 1.0,
            "outcome": "rate_limited",
            "status_code": 429,
            "message": "slow down",
            "ttft_ms": None,
            "duration_ms": 3.0,
            "retry_after_s": 2.0,
            "request_id": None,
            "served_by": None,
            "breaker": "closed",
        },
        {
            "provider": "together",
            "via": "router",
            "provider_model": "t",
            "started_at": 2.0,
            "outcome": "interrupted",
            "status_code": 200,
            "message": "cut",
            "ttft_ms": 10.0,
            "duration_ms": 30.0,
            "retry_after_s": None,
            "request_id": "r",
            "served_by": None,
            "breaker": "closed",
        },
    ],
    "answered_by": "together",
    "billed_to": "huggingface",
    "request_id": "abc",
}


def test_statuses_written_as_bare_strings_read_back_typed(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "history.db"
    with HistoryStore(path, clock=clock) as store:
        cid = store.create_conversation("old")
        store.add_message(cid, "user", "hi")
        store.add_message(cid, "assistant", "partial", trace=OLD_TRACE)
        gid = store.add_generation("text-to-video", prompt="a cat")
    # What an older version left behind: bare strings, set directly in the file.
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE messages SET status = 'interrupted' WHERE role = 'assistant'")
        raw.execute("UPDATE generations SET status = 'running' WHERE id = ?", (gid,))
    raw.close()

    with HistoryStore(path, clock=clock) as store:
        conv = store.get_conversation(cid)
        gen = store.get_generation(gid)
    assert conv is not None and gen is not None
    user, answer = conv.messages
    assert user.status is Status.COMPLETE and answer.status is Status.INTERRUPTED
    assert gen.status is Status.RUNNING
    assert answer.trace is not None
    trace = Trace.from_dict(answer.trace)
    assert [a.outcome for a in trace.attempts] == [Outcome.RATE_LIMITED, Outcome.INTERRUPTED]
    assert all(isinstance(a.outcome, Outcome) for a in trace.attempts)
    assert trace.summary() == "Groq busy (too many requests) → Together AI interrupted"
    # Written back out, the JSON is byte-identical to what was stored.
    assert json.dumps(trace.to_dict()) == json.dumps(OLD_TRACE)


def test_typed_values_are_stored_as_the_same_bare_strings(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "history.db"
    with HistoryStore(path, clock=clock) as store:
        cid = store.create_conversation("new")
        store.add_message(cid, "assistant", "", status=Status.INTERRUPTED)
        store.add_generation("text-to-image", status=Status.FAILED)
    with sqlite3.connect(path) as raw:
        (message_status,) = raw.execute("SELECT status FROM messages").fetchone()
        (generation_status,) = raw.execute("SELECT status FROM generations").fetchone()
        (message_type,) = raw.execute("SELECT typeof(status) FROM messages").fetchone()
    raw.close()
    assert (message_status, generation_status, message_type) == ("interrupted", "failed", "text")


def test_job_status_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    store = JobStore(path)
    try:
        store.add(
            JobRecord(
                id="j1",
                task="text-to-video",
                kind="fal-queue",
                provider="fal-ai",
                via="router",
                provider_model="pm",
                credential="huggingface",
                model="m",
                prompt="a cat",
                provider_job_id="p1",
                submit_url="http://x/submit",
                status_url="http://x/status",
                status=JobStatus.QUEUED,
            )
        )
        with sqlite3.connect(path) as raw:
            assert raw.execute("SELECT status FROM jobs").fetchone() == ("queued",)
            raw.execute("UPDATE jobs SET status = 'downloading'")
        raw.close()
        (job,) = store.pending()
    finally:
        store.close()
    assert job.status is JobStatus.DOWNLOADING and not job.terminal


def test_result_json_keeps_its_strings() -> None:
    result = ChatResult(
        text="",
        status=Status.FAILED,
        trace=Trace(model="m", policy="auto"),
        error="No provider.",
        error_action=FixAction.OPEN_PROVIDERS,
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data["status"] == "failed"
    assert json.dumps(FixAction.OPEN_PROVIDERS) == '"open_providers"'
