"""The library of generations (schema v2): rows, JSON columns, search, and the migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.store.history import MIGRATIONS, SCHEMA_VERSION, HistoryStore
from tests.store.conftest import FakeClock

FILES = [
    {
        "path": "/media/ab/cd.png",
        "mime": "image/png",
        "width": 512,
        "height": 384,
        "seed": 42,
        "duration_s": None,
    }
]


def add_picture(history: HistoryStore, prompt: str = "a red fox in the snow") -> int:
    return history.add_generation(
        "text-to-image",
        prompt=prompt,
        negative_prompt="blurry",
        model="black-forest-labs/FLUX.1-schnell",
        provider="fal-ai",
        provider_model="fal-ai/flux/schnell",
        params={"seed": 42, "width": 512, "steps": 4},
        files=FILES,
        trace={"model": "m", "attempts": []},
        duration_ms=1234.5,
    )


def test_schema_has_the_generations_table_since_version_two(history: HistoryStore) -> None:
    assert SCHEMA_VERSION == 4 == history.schema_version
    assert history.list_generations() == []


def test_a_generation_round_trips(history: HistoryStore) -> None:
    gid = add_picture(history)
    row = history.get_generation(gid)
    assert row is not None
    assert (row.task, row.prompt, row.negative_prompt) == (
        "text-to-image",
        "a red fox in the snow",
        "blurry",
    )
    assert (row.model, row.provider, row.provider_model) == (
        "black-forest-labs/FLUX.1-schnell",
        "fal-ai",
        "fal-ai/flux/schnell",
    )
    assert row.status == "complete" and row.error is None
    assert row.params == {"seed": 42, "width": 512, "steps": 4}
    assert row.files == FILES
    assert row.trace == {"model": "m", "attempts": []}
    assert row.duration_ms == 1234.5 and row.text is None and row.vectors_path is None
    assert row.created_at == row.updated_at
    assert history.get_generation(gid + 100) is None


def test_update_changes_only_the_given_columns(history: HistoryStore, clock: FakeClock) -> None:
    gid = history.add_generation(
        "text-to-video", prompt="waves", status="running", params={"job": "abc"}
    )
    assert history.update_generation(gid, status="complete", files=FILES, duration_ms=9.0)
    row = history.get_generation(gid)
    assert row is not None
    assert row.status == "complete" and row.files == FILES and row.params == {"job": "abc"}
    assert row.updated_at > row.created_at
    assert history.update_generation(gid, error=None, trace=None)
    assert not history.update_generation(gid + 1, status="failed")


@pytest.mark.parametrize(
    "fields", [{"status": "done"}, {"colour": "red"}, {"files": [{"mime": "image/png"}]}]
)
def test_update_refuses_unknown_columns_statuses_and_pathless_files(
    history: HistoryStore, fields: dict[str, object]
) -> None:
    gid = add_picture(history)
    with pytest.raises(ValueError):
        history.update_generation(gid, **fields)


def test_add_refuses_a_bad_status(history: HistoryStore) -> None:
    with pytest.raises(ValueError):
        history.add_generation("text-to-image", prompt="x", status="weird")


def test_list_newest_first_by_task_and_status(history: HistoryStore) -> None:
    a = add_picture(history, "first")
    b = history.add_generation("automatic-speech-recognition", prompt="talk.wav", text="hi")
    c = add_picture(history, "third")
    d = history.add_generation("text-to-video", prompt="v", status="running")
    assert [g.id for g in history.list_generations()] == [d, c, b, a]
    assert [g.id for g in history.list_generations("text-to-image")] == [c, a]
    assert [g.id for g in history.list_generations(limit=2)] == [d, c]
    assert [g.id for g in history.list_generations(status="running")] == [d]


def test_delete_forgets_the_row_and_its_search_entry(history: HistoryStore) -> None:
    gid = add_picture(history, "an unmistakable lighthouse")
    assert history.search_generations("lighthouse")
    assert history.delete_generation(gid)
    assert not history.delete_generation(gid)
    assert history.get_generation(gid) is None
    assert history.search_generations("lighthouse") == []


def test_search_finds_prompts_and_transcripts(history: HistoryStore) -> None:
    pic = add_picture(history, "a café by the harbour")
    speech = history.add_generation(
        "automatic-speech-recognition",
        prompt="memo.wav",
        text="Remember to buy saffron and lemons.",
    )
    assert [h.generation_id for h in history.search_generations("cafe")] == [pic]
    hit = history.search_generations("saffron")[0]
    assert hit.generation_id == speech and hit.conversation_id == 0
    assert "[saffron]" in hit.snippet and hit.title == "memo.wav"
    assert history.search_generations("saffron", task="text-to-image") == []


def test_search_follows_text_updates(history: HistoryStore) -> None:
    gid = history.add_generation("automatic-speech-recognition", prompt="a.wav", status="running")
    assert history.search_generations("giraffe") == []
    history.update_generation(gid, text="A giraffe walked by.", status="complete")
    assert [h.generation_id for h in history.search_generations("giraffe")] == [gid]
    history.update_generation(gid, text="Nothing to see.")
    assert history.search_generations("giraffe") == []


def test_general_search_returns_conversations_then_generations(history: HistoryStore) -> None:
    conv = history.create_conversation("Otters")
    history.add_message(conv, "user", "tell me about otters")
    gid = add_picture(history, "two otters holding hands")
    hits = history.search("otters")
    assert [h.generation_id for h in hits] == [None, None, gid]
    assert hits[-1].conversation_id == 0 and hits[-1].message_id is None
    only_chat = history.search("otters", include_generations=False)
    assert all(h.generation_id is None for h in only_chat) and len(only_chat) == 2
    assert len(history.search("otters", limit=2)) == 2


def test_v1_database_is_migrated_after_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore(path, migrations=MIGRATIONS[:1], clock=FakeClock()) as old:
        assert old.schema_version == 1
        conv = old.create_conversation("Before the upgrade")
    # Written as that release did: today's add_message knows columns v1 did not have.
    with sqlite3.connect(path) as raw:
        raw.execute(
            "INSERT INTO messages (conversation_id, role, content, created_at) "
            "VALUES (?, 'user', 'still here', 1)",
            (conv,),
        )
    with HistoryStore(path, clock=FakeClock()) as new:
        assert new.schema_version == SCHEMA_VERSION
        conversation = new.get_conversation(conv)
        assert conversation is not None and conversation.messages[0].content == "still here"
        gid = add_picture(new)
        assert new.get_generation(gid) is not None
    backup = tmp_path / "history.db.bak-v1"
    assert backup.is_file()
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == 1
        tables = {r[0] for r in copy.execute("SELECT name FROM sqlite_master")}
    assert "conversations" in tables and "generations" not in tables


def test_generations_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore(path) as store:
        gid = add_picture(store)
    with HistoryStore(path) as store:
        row = store.get_generation(gid)
        assert row is not None and row.files == FILES
        assert store.search_generations("fox")[0].generation_id == gid
