"""Chat turns with their history: what is saved while and after an answer streams."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from desktop.core.errors import SwitchboardError
from desktop.core.trace import AttemptRecord
from desktop.core.vocab import Status
from desktop.engine.conversations import Turn
from tests.emulator import LLAMA_8B, QWEN_VL, Emulator


class Recorder:
    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.text: list[str] = []
        self.got_text = asyncio.Event()
        self.notes: list[str] = []

    def turn_started(self, turn: Turn) -> None:
        self.turns.append(turn)

    def attempt_changed(self, record: AttemptRecord) -> None:
        pass

    def delta(self, text: str) -> None:
        self.text.append(text)
        self.got_text.set()

    def restarted(self, note: str) -> None:
        self.notes.append(note)
        self.text.clear()


async def test_a_turn_is_saved_with_provider_trace_and_usage(open_services, emulator: Emulator):
    services = await open_services()
    rec = Recorder()
    turn = await services.chat.send(None, "Tell me about owls", model=LLAMA_8B, listener=rec)
    assert turn.result is not None and turn.result.status == Status.COMPLETE
    conv = services.history.get_conversation(turn.conversation_id)
    assert conv is not None and conv.title == "Tell me about owls"
    user, answer = conv.messages
    assert (user.role, user.content) == ("user", "Tell me about owls")
    assert answer.status == Status.COMPLETE and answer.content == "Hello from groq."
    assert answer.provider == "groq" and answer.trace and answer.trace["answered_by"] == "groq"
    assert answer.usage and answer.usage["total_tokens"]
    assert rec.turns[0].assistant_message_id == answer.id
    # The whole answer is searchable.
    assert any(h.conversation_id == conv.id for h in services.history.search("groq"))


async def test_follow_up_sends_the_earlier_turns(open_services, emulator: Emulator):
    services = await open_services()
    first = await services.chat.send(None, "First question", model=LLAMA_8B)
    emulator.clear_requests()
    await services.chat.send(first.conversation_id, "Second question", model=LLAMA_8B)
    (req,) = emulator.requests_for("groq")
    roles = [(m["role"], m["content"]) for m in req.json["messages"]]
    assert roles == [
        ("user", "First question"),
        ("assistant", "Hello from groq."),
        ("user", "Second question"),
    ]


async def test_stop_keeps_the_partial_answer_marked_interrupted(open_services, emulator):
    services = await open_services()
    emulator.set_reply("alpha beta gamma delta epsilon")
    emulator.fault("groq", "stall", after=2)
    rec = Recorder()
    task = asyncio.create_task(services.chat.send(None, "Hi", model=LLAMA_8B, listener=rec))
    await asyncio.wait_for(rec.got_text.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    answer = services.history.get_conversation(rec.turns[0].conversation_id).messages[-1]
    assert answer.status == Status.INTERRUPTED
    assert answer.content == "".join(rec.text) and answer.content
    assert answer.provider == "groq"
    assert answer.trace and answer.trace["attempts"][-1]["outcome"] == "cancelled"


async def test_a_stopped_answer_is_billed_for_what_was_made_and_says_so(open_services, emulator):
    from desktop.engine.costs import estimate_tokens
    from tests.emulator.hub import PROVIDER_STATS

    services = await open_services()
    await services.engine.catalog.provider_stats(LLAMA_8B)  # the prices, as a chooser leaves them
    emulator.set_reply("alpha beta gamma delta epsilon")
    emulator.fault("groq", "stall", after=2)
    rec = Recorder()
    task = asyncio.create_task(services.chat.send(None, "Hi", model=LLAMA_8B, listener=rec))
    await asyncio.wait_for(rec.got_text.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    answer = services.history.get_conversation(rec.turns[0].conversation_id).messages[-1]
    assert answer.status == Status.INTERRUPTED and answer.content
    price = PROVIDER_STATS["groq"]["pricing"]
    expected = (
        estimate_tokens("Hi") * price["input"] + estimate_tokens(answer.content) * price["output"]
    ) / 1e6
    cost = answer.trace["cost"]
    assert cost["usd"] == pytest.approx(expected) and cost["estimate"] is True
    assert cost["basis"].startswith("stopped mid-answer, billed for what was made")
    assert "estimated from the text; the provider reported no usage" in cost["basis"]
    assert answer.trace["attempts"][-1]["billed"] is True  # the stopped attempt is billed
    ledger = services.engine.costs.ledger
    assert ledger is not None
    (row,) = ledger.entries()  # in the totals too
    assert (row.provider, row.usd) == ("groq", pytest.approx(expected))
    turn_trace = rec.turns[0].trace  # what the window shows under the stopped answer
    assert turn_trace is not None and turn_trace.cost == cost


async def test_a_stop_before_any_words_costs_nothing(open_services, emulator):
    services = await open_services()
    emulator.fault("groq", "stall", after=0)
    rec = Recorder()
    task = asyncio.create_task(services.chat.send(None, "Hi", model=LLAMA_8B, listener=rec))
    await asyncio.to_thread(emulator.wait_for_requests, 1, "groq")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    trace = rec.turns[0].trace
    assert trace is not None and trace.cost is not None and trace.cost["usd"] == 0.0
    ledger = services.engine.costs.ledger
    assert ledger is not None and ledger.entries() == []


async def test_regenerate_adds_a_version_and_keeps_the_old_answer(
    open_services, emulator: Emulator
):
    services = await open_services()
    first = await services.chat.send(None, "Hi", model=LLAMA_8B)
    emulator.clear_requests()
    second = await services.chat.regenerate(
        first.conversation_id, model=LLAMA_8B, provider="together"
    )
    conv = services.history.get_conversation(first.conversation_id)
    assert [m.role for m in conv.messages] == ["user", "assistant"]
    answer = conv.messages[-1]
    assert answer.content == "Hello from together."
    assert (
        second.assistant_message_id == answer.id and second.replaced == first.assistant_message_id
    )
    assert (answer.version, answer.version_count) == (2, 2)
    versions = services.history.versions_of(answer.id)
    assert [v.content for v in versions] == ["Hello from groq.", "Hello from together."]
    # The old answer is not sent back as context for the new one.
    (req,) = emulator.requests_for("together")
    assert [m["role"] for m in req.json["messages"]] == ["user"]


async def test_a_failed_regenerate_leaves_the_previous_answer_shown(
    open_services, emulator: Emulator
):
    services = await open_services()
    first = await services.chat.send(None, "Hi", model=LLAMA_8B)
    emulator.fault("together", "content_policy")
    again = await services.chat.regenerate(
        first.conversation_id, model=LLAMA_8B, provider="together"
    )
    assert again.result is not None and again.result.status == Status.FAILED
    assert again.withdrawn
    conv = services.history.get_conversation(first.conversation_id)
    answer = conv.messages[-1]
    assert answer.id == first.assistant_message_id and answer.content == "Hello from groq."
    assert answer.version_count == 1


async def test_edit_and_resend_keeps_the_old_question_and_answers_as_a_version(
    open_services, emulator: Emulator
):
    services = await open_services()
    first = await services.chat.send(None, "Hi", model=LLAMA_8B)
    await services.chat.send(first.conversation_id, "More", model=LLAMA_8B)
    conv = services.history.get_conversation(first.conversation_id)
    second_user = conv.messages[2]
    await services.chat.edit_and_resend(
        first.conversation_id, second_user.id, "Changed", model=LLAMA_8B
    )
    conv = services.history.get_conversation(first.conversation_id)
    assert [m.content for m in conv.messages if m.role == "user"] == ["Hi", "Changed"]
    assert len(conv.messages) == 4
    assert (conv.messages[2].version, conv.messages[2].version_count) == (2, 2)
    # The old question and its answer are one click away.
    services.history.select_version(second_user.id)
    conv = services.history.get_conversation(first.conversation_id)
    assert [m.content for m in conv.messages if m.role == "user"] == ["Hi", "More"]
    assert conv.messages[-1].content == "Hello from groq."


async def test_failed_turn_is_saved_with_its_reason(open_services, emulator: Emulator):
    services = await open_services()
    emulator.fault("groq", "content_policy")
    turn = await services.chat.send(None, "Hi", model=LLAMA_8B)
    answer = services.history.get_conversation(turn.conversation_id).messages[-1]
    assert answer.status == Status.FAILED and answer.error and "content filter" in answer.error


async def test_images_are_downscaled_stored_and_sent_as_parts(open_services, emulator, tmp_path):
    services = await open_services()
    picture = tmp_path / "big.png"
    Image.new("RGB", (3000, 2000), (200, 40, 40)).save(picture)
    attachment = await services.chat.import_image(picture)
    with Image.open(attachment.path) as stored:
        assert max(stored.size) == 1568 and attachment.mime == "image/jpeg"
    turn = await services.chat.send(None, "What is this?", model=QWEN_VL, attachments=[attachment])
    assert turn.result and turn.result.status == Status.COMPLETE
    assert "saw 1 image" in turn.result.text
    req = [r for r in emulator.requests if r.json and "messages" in r.json][-1]
    parts = req.json["messages"][-1]["content"]
    assert parts[0] == {"type": "text", "text": "What is this?"}
    assert parts[1]["image_url"]["url"].startswith("data:image/jpeg;base64,")


async def test_unreadable_images_are_one_clear_sentence(open_services, tmp_path: Path):
    services = await open_services()
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"this is not a picture")
    with pytest.raises(SwitchboardError, match="not an image Switchboard can read"):
        await services.chat.import_image(bad)
    truncated = io.BytesIO()
    Image.new("RGB", (64, 64)).save(truncated, "PNG")
    with pytest.raises(SwitchboardError):
        await services.chat.import_image_bytes(truncated.getvalue()[:40], "cut.png")


async def test_a_device_dropped_as_an_image_is_refused_at_once(open_services, tmp_path: Path):
    services = await open_services()
    link = tmp_path / "photo.png"
    link.symlink_to("/dev/zero")
    with pytest.raises(SwitchboardError, match="not an ordinary file"):
        await asyncio.wait_for(services.chat.import_image(link), 10)
