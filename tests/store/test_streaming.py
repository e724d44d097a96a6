"""Streamed answers: appending touches no index, the index is written once per answer, and
an answer cut short by a crash is still complete and searchable after the next open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.store.history import HistoryStore


def _count_index_writes(history: HistoryStore) -> None:
    """From now on, count every document the messages index (re)writes.

    FTS5 keeps one ``messages_fts_docsize`` row per indexed document and inserts it again
    each time the document is re-indexed, so a TEMP trigger on it counts index writes
    without timing anything.
    """
    with history._db.read() as conn:
        conn.execute("CREATE TEMP TABLE index_writes (message_id INTEGER)")
        conn.execute(
            "CREATE TEMP TRIGGER count_index_writes AFTER INSERT ON main.messages_fts_docsize "
            "BEGIN INSERT INTO index_writes VALUES (new.id); END"
        )


def _index_writes(history: HistoryStore, message_id: int) -> int:
    with history._db.read() as conn:
        row = conn.execute(
            "SELECT count(*) FROM index_writes WHERE message_id = ?", (message_id,)
        ).fetchone()
    return int(row[0])


def _stored_content(path: Path, message_id: int) -> str:
    with sqlite3.connect(path) as raw:
        row = raw.execute("SELECT content FROM messages WHERE id = ?", (message_id,)).fetchone()
    return str(row[0])


def test_the_index_is_written_once_per_finished_answer_not_per_batch(
    history: HistoryStore,
) -> None:
    cid = history.create_conversation("Streaming")
    _count_index_writes(history)
    mid = history.add_message(cid, "assistant", "", status="interrupted")
    assert _index_writes(history, mid) == 1  # the empty row
    for n in range(200):
        assert history.append_text(mid, f"token{n} ")
    assert _index_writes(history, mid) == 1  # 200 batches, no index work
    assert _stored_content(history.path, mid) == ""  # and the growing row was not rewritten
    streaming = history.get_message(mid)
    assert streaming is not None and streaming.content.split()[-1] == "token199"
    whole = " ".join(f"token{n}" for n in range(200))
    assert history.update_message(mid, content=whole, status="complete")
    assert _index_writes(history, mid) == 2  # once, when the answer ended
    assert history.search("token137")[0].message_id == mid


def test_a_stopped_answer_is_folded_and_indexed_once(history: HistoryStore) -> None:
    cid = history.create_conversation("Stopped")
    _count_index_writes(history)
    mid = history.add_message(cid, "assistant", "", status="interrupted")
    for word in ("alpha ", "beta ", "gamma"):
        history.append_text(mid, word)
    assert history.update_message(mid, status="interrupted", error="Stopped.")
    assert _index_writes(history, mid) == 2
    assert _stored_content(history.path, mid) == "alpha beta gamma"
    assert history.search("beta")[0].message_id == mid
    assert history.update_message(mid, error=None)  # nothing left to fold: no index work
    assert _index_writes(history, mid) == 2


def test_search_finds_an_answer_cut_short_by_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    store = HistoryStore(path)
    cid = store.create_conversation("Cut short")
    mid = store.add_message(cid, "assistant", "", status="interrupted")
    store.append_text(mid, "Octopuses have three hearts ")
    store.append_text(mid, "and blue blood.")
    # No final update: the app dies here. Every batch was committed on its own.
    store._db._conn.close()

    with HistoryStore(path) as reopened:
        message = reopened.get_message(mid)
        assert message is not None and message.status == "interrupted"
        assert message.content == "Octopuses have three hearts and blue blood."
        hits = reopened.search("blue blood")
        assert [(h.conversation_id, h.message_id) for h in hits] == [(cid, mid)]
    assert _stored_content(path, mid) == "Octopuses have three hearts and blue blood."


def test_deleting_the_conversation_mid_stream_stops_the_appends(history: HistoryStore) -> None:
    cid = history.create_conversation("Gone")
    mid = history.add_message(cid, "assistant", "", status="interrupted")
    assert history.append_text(mid, "first ")
    assert history.delete_conversation(cid)
    assert not history.append_text(mid, "second")
    assert not history.update_message(mid, status="complete")
    with history._db.read() as conn:
        assert conn.execute("SELECT count(*) FROM message_parts").fetchone()[0] == 0
