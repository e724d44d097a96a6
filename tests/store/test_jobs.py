"""The job store: accepted jobs survive a reopen, finished ones leave the pending list."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from desktop.core.vocab import JobStatus
from desktop.store.jobs import (
    SCHEMA_VERSION,
    JobRecord,
    JobStore,
    JobStoreError,
)
from tests.store.conftest import FakeClock


def make_job(job_id: str = "job1", **changes: object) -> JobRecord:
    job = JobRecord(
        id=job_id,
        task="text-to-video",
        kind="fal-queue",
        provider="fal-ai",
        via="router",
        provider_model="fal-ai/wan-t2v",
        credential="huggingface",
        model="Wan-AI/Wan2.1-T2V-14B",
        prompt="a red fox in the snow",
        provider_job_id="req-1",
        submit_url="https://router.huggingface.co/fal-ai/fal-ai/wan-t2v?_subdomain=queue",
        status_url="https://router.huggingface.co/fal-ai/fal-ai/wan-t2v/requests/req-1/status"
        "?_subdomain=queue",
        api_base="https://router.huggingface.co/fal-ai",
        cancel_url="https://router.huggingface.co/fal-ai/fal-ai/wan-t2v/requests/req-1/cancel"
        "?_subdomain=queue",
        params={"seed": 7, "steps": 30},
        status=JobStatus.QUEUED,
        queue_position=3,
        trace={"model": "Wan-AI/Wan2.1-T2V-14B", "attempts": []},
    )
    return replace(job, **changes)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[JobStore]:
    jobs = JobStore(tmp_path / "jobs.db", clock=clock)
    yield jobs
    jobs.close()


def test_add_and_get_round_trip(store: JobStore) -> None:
    added = store.add(make_job())
    assert added.created_at > 0 and added.updated_at == added.created_at
    got = store.get("job1")
    assert got == added
    assert got is not None and got.params == {"seed": 7, "steps": 30}
    assert got.trace == {"model": "Wan-AI/Wan2.1-T2V-14B", "attempts": []}
    assert store.get("nope") is None


def test_update_moves_updated_at_and_keeps_the_rest(store: JobStore) -> None:
    added = store.add(make_job())
    updated = store.update("job1", status=JobStatus.RUNNING, queue_position=None)
    assert updated is not None
    assert updated.status == JobStatus.RUNNING and updated.queue_position is None
    assert updated.updated_at > added.updated_at
    assert updated.created_at == added.created_at
    assert updated.provider_job_id == "req-1"
    assert store.update("missing", status=JobStatus.RUNNING) is None


def test_update_refuses_unknown_fields_and_statuses(store: JobStore) -> None:
    store.add(make_job())
    with pytest.raises(ValueError, match="secret"):
        store.update("job1", secret="hf_x")
    with pytest.raises(ValueError, match="status"):
        store.update("job1", status="exploded")
    with pytest.raises(ValueError, match="status"):
        store.add(make_job("job2", status="exploded"))


def test_pending_lists_unfinished_jobs_oldest_first(store: JobStore) -> None:
    for job_id, status in [
        ("a", JobStatus.QUEUED),
        ("b", JobStatus.DONE),
        ("c", JobStatus.RUNNING),
        ("d", JobStatus.FAILED),
        ("e", JobStatus.SUCCEEDED),
        ("f", JobStatus.CANCELLED),
        ("g", JobStatus.DOWNLOADING),
    ]:
        store.add(make_job(job_id, status=status))
    assert [j.id for j in store.pending()] == ["a", "c", "e", "g"]
    assert [j.id for j in store.recent(3)] == ["g", "f", "e"]
    store.update("a", status=JobStatus.DONE, result_path="/media/ab/cd.mp4")
    assert [j.id for j in store.pending()] == ["c", "e", "g"]
    done = store.get("a")
    assert done is not None and done.terminal and done.result_path == "/media/ab/cd.mp4"


def test_jobs_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    first = JobStore(path)
    first.add(make_job())
    first.close()
    second = JobStore(path)
    try:
        assert [j.id for j in second.pending()] == ["job1"]
        mode = second._conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
    finally:
        second.close()


def test_no_column_can_hold_a_secret(store: JobStore) -> None:
    columns = {row[1] for row in store._conn.execute("PRAGMA table_info(jobs)")}
    assert "credential" in columns
    assert not {"secret", "token", "key", "authorization", "headers"} & columns


def test_prune_forgets_only_old_finished_jobs(store: JobStore, clock: FakeClock) -> None:
    store.add(make_job("old-done", status=JobStatus.DONE))
    store.add(make_job("old-pending", status=JobStatus.QUEUED))
    cutoff = clock.now + 0.5
    store.add(make_job("new-done", status=JobStatus.DONE))
    assert store.prune(cutoff) == 1
    assert store.get("old-done") is None
    assert store.get("old-pending") is not None and store.get("new-done") is not None
    assert store.delete("new-done") and not store.delete("new-done")


def test_newer_schema_is_refused_with_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(JobStoreError, match="newer version"):
        JobStore(path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(JobStoreError, match="could not be opened"):
        JobStore(path)


def test_a_version_1_file_gains_bill_to_and_keeps_its_jobs(tmp_path: Path) -> None:
    from desktop.store.jobs import _SCHEMA

    path = tmp_path / "jobs.db"
    conn = sqlite3.connect(path)
    conn.execute(_SCHEMA.replace(",\n    bill_to TEXT", ""))  # the schema before bill-to
    conn.execute(
        "INSERT INTO jobs (id, task, kind, provider, via, provider_model, credential, model, "
        "prompt, provider_job_id, submit_url, status_url, status, created_at, updated_at) "
        "VALUES ('old', 'text-to-video', 'fal-queue', 'fal-ai', 'router', 'wan', "
        "'huggingface', 'Wan-AI/Wan2.1', 'a fox', 'r1', 'http://s', 'http://t', 'queued', 1, 1)"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = JobStore(path)
    try:
        (old,) = store.pending()
        assert old.id == "old" and old.bill_to is None  # billed the user, as jobs then did
        store.add(make_job("new", bill_to="acme-labs"))
        assert (store.get("new") or make_job()).bill_to == "acme-labs"
    finally:
        store.close()
    reopened = JobStore(path)
    try:
        assert (reopened.get("new") or make_job()).bill_to == "acme-labs"
    finally:
        reopened.close()
