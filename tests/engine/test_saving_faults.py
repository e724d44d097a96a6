"""When saving fails, nothing typed is lost and what is shown is what is kept."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from desktop.core.vocab import Status
from desktop.store.faults import FaultKind, StorageFault
from tests.emulator import LLAMA_8B, Emulator
from tests.engine.test_conversations import Recorder

LONG = " ".join(f"word{n}" for n in range(60))


def fail_after(calls: int, error: str, real: Any) -> Any:
    """``real`` that works ``calls`` times, then raises like SQLite would."""
    count = {"n": 0}

    def patched(*args: Any, **kwargs: Any) -> Any:
        count["n"] += 1
        if count["n"] > calls:
            raise sqlite3.OperationalError(error)
        return real(*args, **kwargs)

    return patched


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        ("database is locked", FaultKind.LOCKED, "locked by another program"),
        ("database or disk is full", FaultKind.FULL, "the disk is full"),
        ("attempt to write a readonly database", FaultKind.READ_ONLY, "read-only"),
        ("database disk image is malformed", FaultKind.DAMAGED, "damaged"),
    ],
)
async def test_a_question_that_cannot_be_saved_is_not_sent_and_says_why(
    open_services, emulator: Emulator, monkeypatch, error, kind, words
):
    services = await open_services()
    history = services.history
    monkeypatch.setattr(history, "add_message", fail_after(0, error, history.add_message))
    with pytest.raises(StorageFault) as caught:
        await services.chat.send(None, "My long careful question", model=LLAMA_8B)
    message = str(caught.value)
    assert caught.value.kind == kind
    assert message.startswith("The message was not sent: ") and words in message
    assert "\n" not in message and "Traceback" not in message
    assert not emulator.requests_for("groq")  # nothing was asked of a provider


async def test_disk_full_mid_answer_stops_the_answer_where_saving_stopped(
    open_services, emulator: Emulator, monkeypatch
):
    services = await open_services()
    history = services.history
    emulator.set_reply(LONG)
    emulator.fault("groq", "slow_stream", interval=0.03)
    monkeypatch.setattr(
        history, "append_text", fail_after(1, "database or disk is full", history.append_text)
    )
    rec = Recorder()
    turn = await services.chat.send(None, "Hi", model=LLAMA_8B, listener=rec)
    result = turn.result
    assert result is not None and result.status == Status.INTERRUPTED
    assert result.error and "Saving stopped because the disk is full" in result.error
    stored = history.get_message(turn.assistant_message_id)
    assert stored is not None and stored.status == Status.INTERRUPTED
    # What the turn reports (and the window shows) is exactly what was kept: the first batch.
    assert stored.content == result.text and result.text
    assert LONG.startswith(result.text) and len(result.text) < len(LONG)
    assert "".join(rec.text).startswith(result.text)
    assert stored.error == result.error


async def test_a_full_disk_at_the_last_write_keeps_and_shows_the_same_text(
    open_services, emulator: Emulator, monkeypatch
):
    services = await open_services()
    history = services.history
    emulator.set_reply(LONG)
    real_update = history.update_message

    def update(message_id: int, **changes: Any) -> bool:
        if "content" in changes:
            raise sqlite3.OperationalError("database or disk is full")
        return real_update(message_id, **changes)

    monkeypatch.setattr(history, "update_message", update)
    turn = await services.chat.send(None, "Hi", model=LLAMA_8B)
    assert turn.result is not None and turn.result.status == Status.INTERRUPTED
    stored = history.get_message(turn.assistant_message_id)
    assert stored is not None and stored.content == turn.result.text
    assert turn.result.error and "disk is full" in turn.result.error
