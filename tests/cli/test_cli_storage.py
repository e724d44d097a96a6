"""The command line with backups and with broken storage: one line, never a traceback."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from desktop.store.history import HistoryStore
from tests.cli.conftest import Run, as_json


def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "switchboard"


def test_backups_are_made_listed_and_restored_keeping_the_current_history(
    run: Run, tmp_path: Path
) -> None:
    db = data_dir(tmp_path) / "history.db"
    db.parent.mkdir(parents=True)
    with HistoryStore(db) as history:
        history.create_conversation("Before the backup")
    assert run("history", "list").returncode == 0  # the first command of the day backs up
    (backup,) = as_json(run("history", "backups", "--json"))
    assert Path(backup["path"]).parent == data_dir(tmp_path) / "backups"
    with HistoryStore(db) as history:
        history.create_conversation("After the backup")
    restored = run("history", "restore", backup["name"])
    assert restored.returncode == 0, restored.stderr
    assert "kept as history-before-restore-" in restored.stdout
    assert [c["title"] for c in as_json(run("history", "list", "--json"))] == ["Before the backup"]
    names = [b["name"] for b in as_json(run("history", "backups", "--json"))]
    assert any(n.startswith("history-before-restore-") for n in names)
    missing = run("history", "restore", "history-1999-01-01.db")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr
    assert missing.stderr.count("\n") == 1 and "no backup named" in missing.stderr


# --- Every command against broken storage ----------------------------------------------

COMMANDS: list[tuple[str, ...]] = [
    ("chat", "--model", "meta-llama/Llama-3.1-8B-Instruct", "Hi"),
    ("providers", "list"),
    ("models", "--task", "chat", "--limit", "1"),
    ("history", "list"),
    ("history", "search", "otters"),
    ("history", "show", "1"),
    ("history", "backups"),
    ("image", "--model", "black-forest-labs/FLUX.1-schnell", "a fox"),
    ("video", "--resume"),
    ("embed", "--model", "BAAI/bge-small-en-v1.5", "one text"),
]


def _random_bytes(db: Path) -> None:
    db.write_bytes(bytes(range(256)) * 64)


def _truncated(db: Path) -> None:
    _healthy(db)
    db.write_bytes(db.read_bytes()[:1500])


def _directory(db: Path) -> None:
    db.mkdir()
    (db / "something").write_text("kept")


def _newer(db: Path) -> None:
    _healthy(db)
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 99")


def _corrupt_page(db: Path) -> None:
    _healthy(db)
    data = bytearray(db.read_bytes())
    data[4096 * 2 : 4096 * 6] = b"\xa5" * (4096 * 4)
    db.write_bytes(bytes(data))


def _healthy(db: Path) -> None:
    with HistoryStore(db) as history:
        for n in range(40):
            cid = history.create_conversation(f"Conversation about otters {n}")
            history.add_message(cid, "user", "otters " * 200)
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.execute("PRAGMA journal_mode = DELETE")


BROKEN = {
    "random bytes": _random_bytes,
    "truncated": _truncated,
    "a directory": _directory,
    "a newer schema": _newer,
    "a corrupt page": _corrupt_page,
}


def _run_all(run: Run, commands: list[tuple[str, ...]]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(lambda args: run(*args), commands))


@pytest.mark.parametrize("damage", list(BROKEN), ids=list(BROKEN))
def test_every_command_says_one_line_about_a_broken_history(
    run: Run, tmp_path: Path, damage: str
) -> None:
    db = data_dir(tmp_path) / "history.db"
    db.parent.mkdir(parents=True)
    BROKEN[damage](db)
    before = sorted(p.name for p in db.parent.iterdir())
    for args, proc in zip(COMMANDS, _run_all(run, COMMANDS), strict=True):
        where = f"{' '.join(args)} with {damage}: {proc.stderr!r}"
        assert "Traceback" not in proc.stderr, where
        if damage == "a corrupt page":
            # Commands that never read the damaged pages work; the others say one line.
            assert proc.returncode == 0 or proc.stderr.count("\n") == 1, where
            continue
        lines = proc.stderr.strip().splitlines()
        assert lines and all(line.startswith("switchboard: ") for line in lines), where
        if args[:2] != ("history", "backups"):
            assert proc.returncode != 0 and len(lines) == 1, where
            assert "history.db" in proc.stderr, where
    # Nothing of the user's was deleted or replaced.
    after = sorted(p.name for p in db.parent.iterdir() if p.name != "backups")
    assert set(before) <= set(after)


def test_a_damaged_jobs_db_only_stops_video_resume(run: Run, tmp_path: Path) -> None:
    jobs = data_dir(tmp_path) / "jobs.db"
    jobs.parent.mkdir(parents=True)
    jobs.write_bytes(b"not a database at all" * 100)
    chat = run("chat", "--model", "meta-llama/Llama-3.1-8B-Instruct", "Hi")
    assert chat.returncode == 0, chat.stderr
    assert "Hello" in chat.stdout
    resume = run("video", "--resume")
    assert "Traceback" not in resume.stderr
    assert "jobs.db" in resume.stderr and "cannot be resumed" in resume.stderr
    assert jobs.read_bytes().startswith(b"not a database")  # left for the user


def test_settings_json_that_is_a_directory_still_lets_commands_work(
    run: Run, tmp_path: Path
) -> None:
    settings = tmp_path / "config" / "switchboard" / "settings.json"
    settings.mkdir(parents=True)
    chat = run("chat", "--model", "meta-llama/Llama-3.1-8B-Instruct", "Hi")
    assert chat.returncode == 0, chat.stderr
    assert "Traceback" not in chat.stderr
    assert settings.is_dir()


def test_a_history_locked_by_another_program_says_so(run: Run, tmp_path: Path) -> None:
    db = data_dir(tmp_path) / "history.db"
    db.parent.mkdir(parents=True)
    _healthy(db)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        proc = run("history", "list")
    finally:
        holder.close()
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "locked by another program" in proc.stderr


def test_restore_works_when_the_history_cannot_be_opened(run: Run, tmp_path: Path) -> None:
    db = data_dir(tmp_path) / "history.db"
    db.parent.mkdir(parents=True)
    _healthy(db)
    assert run("history", "list").returncode == 0  # today's backup
    (backup,) = as_json(run("history", "backups", "--json"))
    db.write_bytes(b"garbage" * 1000)
    restored = run("history", "restore", backup["name"])
    assert restored.returncode == 0, restored.stderr
    assert "moved to history.db.damaged-" in restored.stdout
    assert len(as_json(run("history", "list", "--json"))) == 40
    kept = [p for p in db.parent.iterdir() if p.name.startswith("history.db.damaged-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"garbage" * 1000
