"""Chat persistence on the database worker: a stop that lands while the question is still
being stored leaves a stopped answer, never a blank one; the stream's text is in order."""

from __future__ import annotations

import asyncio
import threading

import pytest

from desktop.core.vocab import Status
from desktop.engine.conversations import STOPPED_ERROR
from tests.emulator import LLAMA_8B, Emulator


async def test_stop_while_the_question_is_being_stored_marks_the_answer_stopped(
    open_services,
) -> None:
    services = await open_services()
    busy, release = threading.Event(), threading.Event()

    def hold_the_worker() -> None:
        busy.set()
        assert release.wait(5)

    services.db.submit(hold_the_worker)
    await asyncio.to_thread(busy.wait, 5)
    turn = asyncio.ensure_future(services.chat.send(None, "Stop at once", model=LLAMA_8B))
    await asyncio.sleep(0)  # the send queues its storage step behind the held worker
    turn.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await turn

    (summary,) = await services.db.run(services.history.list_conversations)
    conversation = await services.db.run(services.history.get_conversation, summary.id)
    assert conversation is not None
    question, answer = conversation.messages
    assert (question.role, question.content) == ("user", "Stop at once")
    assert answer.role == "assistant" and answer.status == Status.INTERRUPTED
    assert answer.error == STOPPED_ERROR


async def test_a_long_streamed_answer_is_stored_whole_and_in_order(
    open_services, emulator: Emulator
) -> None:
    words = [f"w{n}" for n in range(400)]
    emulator.set_reply(" ".join(words))
    services = await open_services()
    turn = await services.chat.send(None, "Count", model=LLAMA_8B)
    assert turn.result is not None and turn.result.status == Status.COMPLETE
    answer = await services.db.run(services.history.get_message, turn.assistant_message_id)
    assert answer is not None and answer.content.split() == words
    hits = await services.db.run(services.history.search, "w399")
    assert [h.message_id for h in hits] == [turn.assistant_message_id]
