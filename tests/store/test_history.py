"""HistoryStore: CRUD, streaming appends, FTS sync, safe search, migrations, threads."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from desktop.store.history import (
    MIGRATIONS,
    SCHEMA_VERSION,
    HistoryError,
    HistoryStore,
    build_fts_query,
    make_preview,
)
from tests.store.conftest import FakeClock

# --- Conversations


def test_create_list_get(history: HistoryStore) -> None:
    a = history.create_conversation("First", model="m1", policy="auto")
    b = history.create_conversation("Second")
    history.add_message(a, "user", "hello there")
    listed = history.list_conversations()
    assert [c.id for c in listed] == [a, b]  # a was touched last
    first = listed[0]
    assert (first.title, first.model, first.provider_policy) == ("First", "m1", "auto")
    assert first.message_count == 1 and first.preview == "hello there"
    assert first.updated_at > first.created_at
    assert listed[1].message_count == 0 and listed[1].preview == ""
    assert history.list_conversations(limit=1)[0].id == a

    conv = history.get_conversation(a)
    assert conv is not None
    assert conv.title == "First" and conv.message_count == 1
    assert conv.preview == "hello there"
    assert history.get_conversation(9999) is None


def test_rename_set_model_delete(history: HistoryStore) -> None:
    cid = history.create_conversation("Old")
    assert history.rename_conversation(cid, "New")
    assert history.set_conversation_model(cid, "Qwen/Qwen2.5-7B", "groq")
    conv = history.get_conversation(cid)
    assert conv is not None
    assert (conv.title, conv.model, conv.provider_policy) == ("New", "Qwen/Qwen2.5-7B", "groq")
    history.add_message(cid, "user", "x")
    assert history.delete_conversation(cid)
    assert history.get_conversation(cid) is None
    assert not history.delete_conversation(cid)
    assert not history.rename_conversation(cid, "gone")
    # cascade removed its messages
    with sqlite3.connect(history.path) as raw:
        assert raw.execute("SELECT count(*) FROM messages").fetchone() == (0,)
    raw.close()


def test_preview_is_one_short_line() -> None:
    assert make_preview("a\n\n b\tc") == "a b c"
    long = make_preview("word " * 100)
    assert len(long) <= 80 and long.endswith("…")


# --- Messages


def test_add_message_all_columns(history: HistoryStore) -> None:
    cid = history.create_conversation("c")
    attachments = [{"path": "ab/cd.png", "mime": "image/png", "name": "cat.png"}]
    mid = history.add_message(
        cid,
        "assistant",
        "hi",
        attachments=attachments,
        model="meta-llama/Llama-3.1-8B-Instruct",
        provider="groq",
        provider_model="llama-3.1-8b-instant",
        status="failed",
        error="Groq 429",
        trace={"attempts": [{"provider": "groq", "status": 429}]},
        usage={"prompt_tokens": 3, "completion_tokens": 1},
        ttft_ms=120.5,
        duration_ms=400,
    )
    conv = history.get_conversation(cid)
    assert conv is not None
    (m,) = conv.messages
    assert m.id == mid and m.conversation_id == cid and m.role == "assistant"
    assert m.attachments == attachments
    assert m.provider == "groq" and m.provider_model == "llama-3.1-8b-instant"
    assert m.status == "failed" and m.error == "Groq 429"
    assert m.trace == {"attempts": [{"provider": "groq", "status": 429}]}
    assert m.usage == {"prompt_tokens": 3, "completion_tokens": 1}
    assert m.ttft_ms == 120.5 and m.duration_ms == 400
    assert m.created_at > 0
    assert m.version == 1 and m.versions == (mid,)
    assert history.get_message(mid) == m._replace(versions=())


def test_add_message_validation(history: HistoryStore) -> None:
    cid = history.create_conversation("c")
    with pytest.raises(ValueError):
        history.add_message(cid, "robot", "x")
    with pytest.raises(ValueError):
        history.add_message(cid, "user", "x", status="done")
    with pytest.raises(ValueError):
        history.add_message(cid, "user", "x", attachments=[{"mime": "image/png"}])
    with pytest.raises(HistoryError):
        history.add_message(12345, "user", "x")
    assert history.list_conversations()[0].message_count == 0


def test_messages_keep_their_order(history: HistoryStore) -> None:
    cid = history.create_conversation("c")
    ids = [
        history.add_message(cid, "user" if i % 2 == 0 else "assistant", f"m{i}") for i in range(6)
    ]
    conv = history.get_conversation(cid)
    assert conv is not None
    assert [m.id for m in conv.messages] == ids
    assert [m.content for m in conv.messages] == [f"m{i}" for i in range(6)]


def test_streaming_answer_lifecycle(history: HistoryStore, clock: FakeClock) -> None:
    cid = history.create_conversation("c")
    history.add_message(cid, "user", "tell me a story")
    mid = history.add_message(cid, "assistant", "", status="interrupted", model="m")
    for chunk in ("Once ", "upon ", "a time"):
        assert history.append_text(mid, chunk)
    assert history.append_text(mid, "")  # nothing to do
    m = history.get_message(mid)
    assert m is not None and m.content == "Once upon a time" and m.status == "interrupted"
    before = history.list_conversations()[0].updated_at
    assert history.update_message(
        mid,
        status="complete",
        provider="groq",
        ttft_ms=80,
        duration_ms=900,
        usage={"completion_tokens": 4},
    )
    m = history.get_message(mid)
    assert m is not None
    assert m.status == "complete" and m.provider == "groq" and m.content == "Once upon a time"
    assert m.usage == {"completion_tokens": 4} and m.ttft_ms == 80
    assert m.model == "m" and m.error is None  # untouched columns stay
    assert history.list_conversations()[0].updated_at > before


def test_update_message_only_given_fields(history: HistoryStore) -> None:
    cid = history.create_conversation("c")
    mid = history.add_message(cid, "assistant", "x", provider="groq", error="e", trace={"a": 1})
    assert history.update_message(mid, error=None)
    m = history.get_message(mid)
    assert m is not None and m.error is None and m.provider == "groq" and m.trace == {"a": 1}
    assert history.update_message(mid, trace=None, provider_model="pm")
    m = history.get_message(mid)
    assert m is not None and m.trace is None and m.provider_model == "pm"
    assert history.update_message(mid)  # nothing given: no change, still exists
    with pytest.raises(ValueError):
        history.update_message(mid, status="bogus")
    assert not history.update_message(99999, content="x")
    assert not history.append_text(99999, "x")


def test_interrupted_survives_a_crash(tmp_path: Path) -> None:
    """A process that dies mid-stream (os._exit: no close, no checkpoint) keeps the text."""
    path = tmp_path / "history.db"
    script = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from desktop.store.history import HistoryStore
        store = HistoryStore(Path({str(path)!r}))
        cid = store.create_conversation("c")
        mid = store.add_message(cid, "assistant", "", status="interrupted")
        store.append_text(mid, "partial ")
        store.append_text(mid, "answ")
        print(mid, flush=True)
        os._exit(1)
        """
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    mid = int(done.stdout.strip())
    with HistoryStore(path) as again:
        m = again.get_message(mid)
        assert m is not None and m.status == "interrupted" and m.content == "partial answ"
        assert again.search("answ")[0].message_id == mid


def test_delete_message_and_after(history: HistoryStore) -> None:
    cid = history.create_conversation("c")
    other = history.create_conversation("other")
    ids = [history.add_message(cid, "user", f"m{i}") for i in range(5)]
    keep = history.add_message(other, "user", "elsewhere")
    assert history.delete_message_and_after(cid, ids[2]) == 3
    conv = history.get_conversation(cid)
    assert conv is not None and [m.id for m in conv.messages] == ids[:2]
    assert history.get_message(keep) is not None
    assert history.delete_message_and_after(cid, keep) == 0  # not in this conversation
    assert history.delete_message_and_after(cid, 99999) == 0
    new = history.add_message(cid, "user", "again")
    assert new > ids[-1]  # ids are never reused


# --- Search


def test_search_finds_appended_words(history: HistoryStore) -> None:
    cid = history.create_conversation("Trip planning")
    mid = history.add_message(cid, "assistant", "", status="interrupted")
    history.append_text(mid, "The capital of France ")
    history.append_text(mid, "is Paris, famous for croissants.")
    # Indexed once the answer ends (here: stopped mid-way, so it stays "interrupted").
    assert history.update_message(mid, status="interrupted", error="Stopped.")
    stopped = history.get_message(mid)
    assert stopped is not None
    assert stopped.content == "The capital of France is Paris, famous for croissants."
    hits = history.search("croissants")
    assert [(h.conversation_id, h.message_id) for h in hits] == [(cid, mid)]
    assert "[croissants]" in hits[0].snippet
    assert hits[0].title == "Trip planning"
    assert history.search("capital paris")[0].message_id == mid  # AND of terms
    assert history.search("croiss")[0].message_id == mid  # prefix on the last term
    assert history.search("capital london") == []


def test_search_titles(history: HistoryStore) -> None:
    cid = history.create_conversation("Kubernetes questions")
    history.add_message(cid, "user", "how do pods work")
    hits = history.search("kubernetes")
    assert len(hits) == 1 and hits[0].message_id is None and hits[0].conversation_id == cid
    assert hits[0].snippet == "[Kubernetes] questions"
    history.rename_conversation(cid, "Cooking")
    assert history.search("kubernetes") == []
    assert history.search("cooking")[0].conversation_id == cid
    history.add_message(cid, "user", "cooking pasta")
    hits = history.search("cooking")
    assert [h.message_id is None for h in hits] == [True, False]  # title first
    assert history.search("cook", marks=("<b>", "</b>"))[1].snippet.count("<b>") == 1


def _indexed(history: HistoryStore, table: str, word: str) -> list[int]:
    """Rowids the FTS index itself holds for ``word`` (no join that could hide stale rows)."""
    with sqlite3.connect(history.path) as raw:
        rows = raw.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (word,)).fetchall()
    raw.close()
    return [r[0] for r in rows]


def test_search_stays_in_sync_after_update_and_delete(history: HistoryStore) -> None:
    cid = history.create_conversation("c")
    mid = history.add_message(cid, "user", "zebra")
    history.update_message(mid, content="giraffe")
    assert history.search("zebra") == []
    assert _indexed(history, "messages_fts", "zebra") == []
    assert history.search("giraffe")[0].message_id == mid
    history.delete_message_and_after(cid, mid)
    assert history.search("giraffe") == []
    assert _indexed(history, "messages_fts", "giraffe") == []
    mid2 = history.add_message(cid, "user", "okapi")
    assert history.search("okapi")[0].message_id == mid2
    history.delete_conversation(cid)  # cascade must clean the index too
    assert history.search("okapi") == []
    assert _indexed(history, "messages_fts", "okapi") == []
    assert history.search("c") == []
    assert _indexed(history, "conversations_fts", "c") == []
    with sqlite3.connect(history.path) as raw:
        raw.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
        raw.execute("INSERT INTO conversations_fts(conversations_fts) VALUES ('integrity-check')")
    raw.close()


def test_search_diacritics_and_case(history: HistoryStore) -> None:
    cid = history.create_conversation("c")
    history.add_message(cid, "user", "Un café crème")
    assert len(history.search("CAFE")) == 1


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "*",
        "-",
        "(",
        ")",
        "a*b",
        '"unterminated',
        "NOT",
        "AND OR",
        "NEAR(a b)",
        "content:x",
        "^x",
        "-x",
        "x -y",
        "(x",
        "a OR",
        "'",
        "\\",
        "{x}",
        "x:",
        "***",
        "é*",
        "\x00",
    ],
)
def test_search_never_raises(history: HistoryStore, query: str) -> None:
    cid = history.create_conversation("title x")
    history.add_message(cid, "user", 'text with "quotes" and a-b and (x) NOT y')
    assert isinstance(history.search(query), list)


def test_search_punctuation_is_literal(history: HistoryStore) -> None:
    cid = history.create_conversation("c")
    mid = history.add_message(cid, "user", "use foo-bar and NOT baz")
    assert history.search('"foo-bar"')[0].message_id == mid
    assert history.search("NOT")[0].message_id == mid  # a word, not an operator
    assert history.search("-baz")[0].message_id == mid


def test_empty_query(history: HistoryStore) -> None:
    cid = history.create_conversation("c")
    history.add_message(cid, "user", "anything")
    assert history.search("") == []
    assert history.search("   ") == []
    assert history.search("-- ** ()") == []
    assert history.search("anything", limit=0) == []


def test_build_fts_query() -> None:
    assert build_fts_query("hello wor") == '"hello" "wor"*'
    assert build_fts_query('say "hi"') == '"say" """hi"""*'
    assert build_fts_query(" - * ") is None


def test_search_limit(history: HistoryStore) -> None:
    cid = history.create_conversation("apple pie")
    for i in range(10):
        history.add_message(cid, "user", f"apple {i}")
    hits = history.search("apple", limit=4)
    assert len(hits) == 4 and hits[0].message_id is None


# --- Schema, migrations, backups


def test_fresh_database_settings(history: HistoryStore) -> None:
    assert history.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
    with sqlite3.connect(history.path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    raw.close()
    assert not list(history.path.parent.glob("*.bak-*"))  # nothing to back up when new


def _add_tags(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE conversations ADD COLUMN tags TEXT")


def test_migration_takes_a_backup_first(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore(path) as old:
        cid = old.create_conversation("keep me")
        old.add_message(cid, "user", "precious words")

    with HistoryStore(path, migrations=[*MIGRATIONS, _add_tags]) as new:
        assert new.schema_version == SCHEMA_VERSION + 1
        assert new.search("precious")[0].conversation_id == cid  # data and index intact

    backup = tmp_path / f"history.db.bak-v{SCHEMA_VERSION}"
    assert backup.is_file()
    assert not list(tmp_path.glob("*.tmp"))
    with sqlite3.connect(backup) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert raw.execute("SELECT title FROM conversations").fetchall() == [("keep me",)]
        columns = [r[1] for r in raw.execute("PRAGMA table_info(conversations)")]
        assert "tags" not in columns
    raw.close()
    with sqlite3.connect(path) as raw:
        columns = [r[1] for r in raw.execute("PRAGMA table_info(conversations)")]
        assert "tags" in columns
    raw.close()


def test_failed_migration_rolls_back_and_keeps_backup(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore(path) as old:
        old.create_conversation("keep me")

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE conversations ADD COLUMN half TEXT")
        conn.execute("THIS IS NOT SQL")

    with pytest.raises(HistoryError, match="could not be upgraded"):
        HistoryStore(path, migrations=[*MIGRATIONS, broken])
    assert (tmp_path / f"history.db.bak-v{SCHEMA_VERSION}").is_file()
    with HistoryStore(path) as again:  # still the old, working schema
        assert again.schema_version == SCHEMA_VERSION
        assert again.list_conversations()[0].title == "keep me"


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore(path, migrations=[*MIGRATIONS, _add_tags]):
        pass
    with pytest.raises(HistoryError, match="newer version"):
        HistoryStore(path)


# --- Threads


def test_concurrent_use_from_threads(history: HistoryStore) -> None:
    cid = history.create_conversation("busy")
    mid = history.add_message(cid, "assistant", "", status="interrupted")
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                history.list_conversations()
                history.get_conversation(cid)
                history.search("word")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    def writer(n: int) -> int:
        own = history.create_conversation(f"t{n}")
        for i in range(25):
            history.add_message(own, "user", f"word{n} {i}")
            history.append_text(mid, f"w{n}.{i} ")
        return own

    read_thread = threading.Thread(target=reader)
    read_thread.start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        owns = list(pool.map(writer, range(8)))
    stop.set()
    read_thread.join()
    assert errors == []
    m = history.get_message(mid)
    assert m is not None and len(m.content.split()) == 8 * 25
    for n, own in enumerate(owns):
        conv = history.get_conversation(own)
        assert conv is not None and conv.message_count == 25
        assert conv.messages[-1].content == f"word{n} 24"
    assert history.update_message(mid, status="complete")  # the stream ends: indexed once
    after = history.get_message(mid)
    assert after is not None and after.content == m.content  # folded, nothing lost
    assert len(history.search("w3.24")) == 1
