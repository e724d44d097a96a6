"""Versions of a turn: answering again or editing a question keeps what was there."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.core.vocab import Status
from desktop.store.history import MIGRATIONS, HistoryStore


def shown(history: HistoryStore, cid: int) -> list[tuple[str, int, int]]:
    conv = history.get_conversation(cid)
    assert conv is not None
    return [(m.content, m.version, m.version_count) for m in conv.messages]


def test_a_new_answer_version_keeps_the_old_one_and_switching_shows_it(
    history: HistoryStore,
) -> None:
    cid = history.create_conversation("Otters")
    history.add_message(cid, "user", "Tell me about otters")
    first = history.add_message(cid, "assistant", "Otters are weasels.")
    second = history.add_message(cid, "assistant", "Otters hold hands.", version_of=first)
    assert shown(history, cid) == [("Tell me about otters", 1, 1), ("Otters hold hands.", 2, 2)]
    assert [m.content for m in history.versions_of(first)] == [
        "Otters are weasels.",
        "Otters hold hands.",
    ]
    assert history.step_version(second, -1) == first
    assert shown(history, cid)[-1] == ("Otters are weasels.", 1, 2)
    assert history.step_version(first, -1) is None  # no version before the first
    # A follow-up continues from the version shown, and stays with it.
    history.add_message(cid, "user", "And their fur?")
    assert [c for c, _, _ in shown(history, cid)] == [
        "Tell me about otters",
        "Otters are weasels.",
        "And their fur?",
    ]
    history.select_version(second)
    assert [c for c, _, _ in shown(history, cid)] == ["Tell me about otters", "Otters hold hands."]


def test_an_edited_question_is_a_version_with_its_own_answers(history: HistoryStore) -> None:
    cid = history.create_conversation("Cats")
    history.add_message(cid, "system", "Be brief.")
    question = history.add_message(cid, "user", "Cats?")
    history.add_message(cid, "assistant", "Cats purr.")
    edited = history.add_message(cid, "user", "Dogs?", version_of=question)
    history.add_message(cid, "assistant", "Dogs bark.")
    assert shown(history, cid) == [("Be brief.", 1, 1), ("Dogs?", 2, 2), ("Dogs bark.", 1, 1)]
    history.select_version(question)
    assert shown(history, cid) == [("Be brief.", 1, 1), ("Cats?", 1, 2), ("Cats purr.", 1, 1)]
    history.select_version(edited)
    assert shown(history, cid)[-1] == ("Dogs bark.", 1, 1)


def test_withdrawing_an_empty_failed_version_shows_the_old_answer_again(
    history: HistoryStore,
) -> None:
    cid = history.create_conversation("Otters")
    history.add_message(cid, "user", "Q")
    good = history.add_message(cid, "assistant", "The good answer.")
    failed = history.add_message(
        cid, "assistant", "", status=Status.FAILED, error="Groq 500", version_of=good
    )
    assert history.withdraw_version(failed, good)
    assert shown(history, cid) == [("Q", 1, 1), ("The good answer.", 1, 1)]
    # A version with text is never removed this way.
    partial = history.add_message(cid, "assistant", "", version_of=good)
    history.append_text(partial, "half an ans")
    assert not history.withdraw_version(partial, good)
    assert shown(history, cid)[-1] == ("half an ans", 2, 2)


def test_an_older_history_keeps_its_order_after_the_versions_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore(path, migrations=MIGRATIONS[:3]) as old:
        cid = old.create_conversation("Before")
    with sqlite3.connect(path) as raw:
        for n, role in enumerate(["user", "assistant", "user", "assistant"]):
            raw.execute(
                "INSERT INTO messages (conversation_id, role, content, created_at) "
                "VALUES (?, ?, ?, 1)",
                (cid, role, f"m{n}"),
            )
    with HistoryStore(path) as new:
        assert [c for c, _, _ in shown(new, cid)] == ["m0", "m1", "m2", "m3"]
        new.add_message(cid, "user", "m4")
        assert [c for c, _, _ in shown(new, cid)][-1] == "m4"
    assert (tmp_path / "history.db.bak-v3").is_file()
