"""Storage faults read as one sentence; a history opened read-only reads and refuses writes."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from desktop.store.faults import FaultKind, history_unavailable, storage_fault
from desktop.store.history import MIGRATIONS, HistoryError, HistoryStore


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), FaultKind.FULL),
        (sqlite3.OperationalError("database or disk is full"), FaultKind.FULL),
        (OSError(errno.EROFS, "Read-only file system"), FaultKind.READ_ONLY),
        (sqlite3.OperationalError("attempt to write a readonly database"), FaultKind.READ_ONLY),
        (sqlite3.OperationalError("database is locked"), FaultKind.LOCKED),
        (sqlite3.DatabaseError("file is not a database"), FaultKind.DAMAGED),
        (sqlite3.DatabaseError("database disk image is malformed"), FaultKind.DAMAGED),
    ],
)
def test_each_fault_is_one_sentence_of_its_kind(
    tmp_path: Path, error: BaseException, kind: FaultKind
) -> None:
    fault = storage_fault(error, "The message was not sent", tmp_path / "history.db")
    assert fault.kind == kind
    text = str(fault)
    assert text.startswith("The message was not sent: ") and text.endswith(".")
    assert "\n" not in text and "Error" not in text


def test_random_bytes_name_the_file_and_the_way_forward(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.write_bytes(b"\x13garbage" * 300)
    with pytest.raises(sqlite3.DatabaseError) as caught:
        HistoryStore(path)
    problem = history_unavailable(caught.value, path)
    assert problem.kind == FaultKind.DAMAGED
    assert str(tmp_path) in str(problem) and "restore a backup" in str(problem)
    assert path.read_bytes() == b"\x13garbage" * 300  # untouched


def test_a_read_only_history_reads_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore(path) as history:
        cid = history.create_conversation("Readable")
        history.add_message(cid, "user", "hello")
    with HistoryStore(path, read_only=True) as history:
        assert history.read_only
        conversation = history.get_conversation(cid)
        assert conversation is not None and conversation.messages[0].content == "hello"
        with pytest.raises(sqlite3.OperationalError) as caught:
            history.add_message(cid, "user", "not saved")
        assert storage_fault(caught.value, "Not saved", path).kind == FaultKind.READ_ONLY


def test_an_older_history_is_not_opened_read_only(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    HistoryStore(path, migrations=MIGRATIONS[:2]).close()
    with pytest.raises(HistoryError, match="upgraded"):
        HistoryStore(path, read_only=True)
