"""The command line with backups and with broken storage: one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

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
