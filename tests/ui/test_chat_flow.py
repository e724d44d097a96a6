"""The chat tab against the loopback emulator: real HTTP, real engine, real history."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
import qasync

from desktop.core.cost_types import money_text
from desktop.core.vocab import Status
from desktop.ui.chat.message_data import STOPPED_TEXT, STREAMING
from desktop.ui.chat.page import ChatPage
from desktop.ui.main_window import MainWindow
from tests.emulator import HF_TOKEN, LLAMA_8B, Emulator
from tests.ui.conftest import act, run, until


@pytest.fixture
def window(emulator: Emulator, make_window: Callable[..., MainWindow]) -> MainWindow:
    emulator.set_reply("Hello from {provider}. This answer has **several** words in it.")
    return make_window(emulator.env() | {"HF_TOKEN": HF_TOKEN})


def send(chat: ChatPage, text: str) -> None:
    chat.model_picker.set_current_model(LLAMA_8B)
    chat.composer.set_text(text)
    chat.send()


def answers(chat: ChatPage) -> list[str]:
    return [w.data.text for w in chat.view.widgets() if w.data.role == "assistant"]


def test_send_streams_the_answer_and_shows_who_answered(
    loop: qasync.QEventLoop, window: MainWindow
) -> None:
    chat = window.chat
    send(chat, "Say hello")
    assert chat.busy
    assert chat.composer.send_button.text() == "Stop"
    until(loop, lambda: not chat.busy)

    widgets = chat.view.widgets()
    assert [w.data.role for w in widgets] == ["user", "assistant"]
    assert widgets[0].data.text == "Say hello"
    answer = widgets[1]
    assert answer.data.status == Status.COMPLETE
    assert answer.data.text == "Hello from groq. This answer has **several** words in it."
    assert "several" in answer.body.toPlainText()
    assert "**" not in answer.body.toPlainText()  # rendered, not raw markdown
    assert answer.badge.text().startswith("via Groq · ")
    assert not answer.failover.isVisibleTo(answer)
    assert chat.composer.send_button.text() == "Send"
    assert chat.conversation_id is not None
    until(loop, lambda: chat.sidebar.model.rowCount() == 1)
    stored = window.services.history.get_conversation(chat.conversation_id)
    assert stored is not None and stored.messages[-1].status == Status.COMPLETE


def test_first_delta_appears_before_the_stream_ends(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    emulator.fault("groq", "slow_stream", interval=0.1, times=1)
    chat = window.chat
    send(chat, "Slowly please")
    until(loop, lambda: bool(chat.view.widgets()) and "Hello" in answers(chat)[-1])
    live = chat.view.widgets()[-1]
    assert live.data.status == STREAMING
    assert chat.busy
    until(loop, lambda: not chat.busy)
    assert live.data.status == Status.COMPLETE


def test_stop_keeps_the_partial_answer_and_marks_it(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    emulator.fault("groq", "slow_stream", interval=0.2, times=1)
    chat = window.chat
    send(chat, "Take your time")
    until(loop, lambda: bool(chat.view.widgets()) and len(answers(chat)[-1]) >= 10)
    chat.stop()

    # Stop takes effect at once: no waiting for the task to wind down.
    assert not chat.busy
    assert chat.composer.send_button.text() == "Send"
    answer = chat.view.widgets()[-1]
    partial = answer.data.text
    assert partial and partial != "Hello from groq. This answer has **several** words in it."
    assert answer.data.status == Status.INTERRUPTED
    assert answer.status_bar.text_label.text() == STOPPED_TEXT
    assert answer.status_bar.action_button.text() == "Retry"
    assert answer.status_bar.isVisibleTo(answer)
    assert not answer.regenerate_button.isVisibleTo(answer)  # one action per intent: Retry

    # The history keeps the same partial text, marked interrupted.
    conversation_id = chat.conversation_id
    assert conversation_id is not None

    def stored_interrupted() -> bool:
        conv = window.services.history.get_conversation(conversation_id)
        return bool(conv) and conv.messages[-1].error is not None  # type: ignore[union-attr]

    until(loop, stored_interrupted)
    conv = window.services.history.get_conversation(conversation_id)
    assert conv is not None
    assert conv.messages[-1].status == Status.INTERRUPTED
    assert conv.messages[-1].content.startswith(partial[:10])

    # Reopening the conversation shows the same marker.
    chat.new_chat()
    chat.open_conversation(conversation_id)
    until(loop, lambda: chat.conversation_id == conversation_id and len(chat.view.widgets()) == 2)
    reopened = chat.view.widgets()[-1]
    assert reopened.status_bar.text_label.text() == STOPPED_TEXT


def test_each_answer_shows_its_estimated_cost_under_it(
    loop: qasync.QEventLoop, window: MainWindow
) -> None:
    chat = window.chat
    send(chat, "Say hello")
    until(loop, lambda: not chat.busy)
    question, answer = chat.view.widgets()
    cost = answer.data.trace.cost if answer.data.trace else None
    assert cost is not None and cost["usd"] > 0
    assert answer.cost.isVisibleTo(answer)
    assert answer.cost.text() == f"{money_text(cost['usd'])}, estimate"  # "≈ $0.0000063, …"
    assert "reported by the provider" in answer.cost.toolTip()
    assert not question.cost.isVisibleTo(question)  # a question costs nothing by itself
    # Reopened from the history, the answer still says what it cost.
    conversation_id = chat.conversation_id
    assert conversation_id is not None
    shown = answer.cost.text()
    chat.new_chat()
    chat.open_conversation(conversation_id)
    until(loop, lambda: chat.conversation_id == conversation_id and len(chat.view.widgets()) == 2)
    assert chat.view.widgets()[-1].cost.text() == shown


def test_a_stopped_answer_shows_what_it_cost_and_counts_in_the_totals(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    run(loop, window.services.engine.catalog.provider_stats(LLAMA_8B))  # prices known
    emulator.fault("groq", "slow_stream", interval=0.2, times=1)
    chat = window.chat
    send(chat, "Take your time")
    until(loop, lambda: bool(chat.view.widgets()) and len(answers(chat)[-1]) >= 10)
    chat.stop()
    answer = chat.view.widgets()[-1]
    until(loop, lambda: answer.cost.isVisibleTo(answer))
    assert answer.cost.text().startswith("≈ $") and answer.cost.text().endswith(", estimate")
    assert "stopped mid-answer" in answer.cost.toolTip()
    assert "estimated from the text" in answer.cost.toolTip()
    ledger = window.services.engine.costs.ledger
    assert ledger is not None
    until(loop, lambda: len(ledger.entries()) == 1)
    assert ledger.entries()[0].basis.startswith("stopped mid-answer")


def test_escape_shortcut_stops(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    emulator.fault("groq", "slow_stream", interval=0.2, times=1)
    chat = window.chat
    send(chat, "Go slowly")
    until(loop, lambda: bool(chat.view.widgets()) and bool(answers(chat)[-1]))
    chat.composer.prompt.setFocus()
    act(loop, lambda: QTest.keyClick(chat.composer.prompt, Qt.Key.Key_Escape))
    assert not chat.busy
    assert chat.view.widgets()[-1].data.status == Status.INTERRUPTED


def test_regenerate_adds_a_version_the_arrows_switch_between(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    chat = window.chat
    send(chat, "Hi")
    until(loop, lambda: not chat.busy)
    first = chat.view.widgets()[-1]
    assert first.regenerate_button.isVisibleTo(first)
    emulator.set_reply("A second, different answer from {provider}.")
    first.regenerate_button.click()
    until(
        loop, lambda: not chat.busy and answers(chat) == ["A second, different answer from groq."]
    )
    widgets = chat.view.widgets()
    assert [w.data.role for w in widgets] == ["user", "assistant"]
    conv = window.services.history.get_conversation(chat.conversation_id or -1)
    assert conv is not None
    assert [m.content for m in conv.messages][-1] == "A second, different answer from groq."
    assert len(conv.messages) == 2
    # "‹ 2/2 ›" on the answer, and "‹" shows the first answer again (nothing was deleted).
    until(loop, lambda: chat.view.widgets()[-1].version_label.text() == "2/2")
    answer = chat.view.widgets()[-1]
    assert answer.version_label.isVisibleTo(answer)
    assert answer.previous_version.isEnabled() and not answer.next_version.isEnabled()
    answer.previous_version.click()
    until(loop, lambda: chat.view.widgets()[-1].version_label.text() == "1/2")
    assert answers(chat) == ["Hello from groq. This answer has **several** words in it."]
    chat.view.widgets()[-1].next_version.click()
    until(loop, lambda: answers(chat) == ["A second, different answer from groq."])


def test_a_failed_regenerate_keeps_the_previous_answer_shown(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    chat = window.chat
    send(chat, "Hi")
    until(loop, lambda: not chat.busy)
    good = answers(chat)
    emulator.fault("groq", "content_policy")
    chat.view.widgets()[-1].regenerate_button.click()
    until(loop, lambda: not chat.busy and chat.message_bar.isVisibleTo(chat))
    until(loop, lambda: answers(chat) == good and chat.view.widgets()[-1].data.id is not None)
    answer = chat.view.widgets()[-1]
    assert answer.data.status == Status.COMPLETE and not answer.version_label.isVisibleTo(answer)
    assert "content filter" in chat.message_bar.text_label.text()
    conv = window.services.history.get_conversation(chat.conversation_id or -1)
    assert conv is not None and [m.content for m in conv.messages][-1] == good[0]


def test_a_question_that_cannot_be_saved_goes_back_in_the_composer(
    loop: qasync.QEventLoop, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = window.services.history

    def locked(*args: object, **kwargs: object) -> int:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(history, "add_message", locked)
    chat = window.chat
    send(chat, "A long question I typed with care")
    until(loop, lambda: not chat.busy)
    assert chat.composer.text() == "A long question I typed with care"
    said = chat.message_bar.text_label.text()
    assert said.startswith("The message was not sent: ") and "locked" in said
    assert "\n" not in said and "went wrong" not in said


def test_failover_badge_names_the_failed_provider(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    emulator.fault("groq", "status", status=429, times=1, retry_after=30)
    chat = window.chat
    send(chat, "Who answers?")
    until(loop, lambda: not chat.busy)
    answer = chat.view.widgets()[-1]
    assert answer.data.status == Status.COMPLETE
    assert answer.badge.text().startswith("via Cerebras")
    assert answer.failover.isVisibleTo(answer)
    assert answer.failover.text() == "Groq was busy (too many requests), so Cerebras answered"
    assert "429" not in answer.failover.text() and "retry after" not in answer.failover.text()
    answer.details_button.click()
    details = answer.details.text()
    assert "Groq" in details and "Cerebras" in details and "429" in details
    assert answer.details.isVisibleTo(answer)


def test_failure_shows_one_sentence_and_a_fix(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    emulator.reject_token(HF_TOKEN, status=401)
    chat = window.chat
    send(chat, "Anyone?")
    until(loop, lambda: not chat.busy)
    answer = chat.view.widgets()[-1]
    assert answer.data.status == Status.FAILED
    bar = answer.status_bar
    assert bar.isVisibleTo(answer)
    assert bar.text_label.text()
    assert "\n" not in bar.text_label.text()
    assert HF_TOKEN not in bar.text_label.text()
    assert bar.action_button.isVisibleTo(bar)
    if answer.data.error_action in ("add_token", "open_providers"):
        bar.action_button.click()
        assert window.tabs.currentWidget() is window.providers


def test_edit_and_resend_keeps_the_old_question_as_a_version(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    chat = window.chat
    send(chat, "First question")
    until(loop, lambda: not chat.busy)
    send(chat, "Second question")
    until(loop, lambda: not chat.busy and len(chat.view.widgets()) == 4)
    first_user = chat.view.widgets()[0]
    first_user.edit_button.click()
    assert first_user.editor is not None
    first_user.editor.setPlainText("Edited question")
    emulator.set_reply("Answer to the edit.")
    first_user._submit_edit()
    until(loop, lambda: not chat.busy and answers(chat) == ["Answer to the edit."])
    widgets = chat.view.widgets()
    assert [w.data.text for w in widgets] == ["Edited question", "Answer to the edit."]
    conv = window.services.history.get_conversation(chat.conversation_id or -1)
    assert conv is not None
    assert [m.content for m in conv.messages] == ["Edited question", "Answer to the edit."]
    until(loop, lambda: chat.view.widgets()[0].version_label.text() == "2/2")
    chat.view.widgets()[0].previous_version.click()
    until(loop, lambda: len(chat.view.widgets()) == 4)
    assert chat.view.widgets()[2].data.text == "Second question"


def test_conversations_appear_and_can_be_searched(
    loop: qasync.QEventLoop, window: MainWindow
) -> None:
    chat = window.chat
    send(chat, "Tell me about zebras")
    until(loop, lambda: not chat.busy)
    chat.new_chat()
    send(chat, "Tell me about otters")
    until(loop, lambda: not chat.busy)
    until(loop, lambda: chat.sidebar.model.rowCount() == 2)
    chat.sidebar.search.setText("zebras")
    until(loop, lambda: chat.sidebar.model.rowCount() == 1)
    index = chat.sidebar.model.index(0, 0)
    assert "zebras" in index.data().lower()
    chat.sidebar.view.clicked.emit(index)
    until(loop, lambda: chat.view.widgets() and chat.view.widgets()[0].data.text.endswith("zebras"))
    chat.sidebar.search.clear()
    until(loop, lambda: chat.sidebar.model.rowCount() == 2)


def test_the_view_follows_the_answer_only_when_at_the_bottom(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    emulator.set_reply("\n\n".join(f"Paragraph {n}." for n in range(40)))
    chat = window.chat
    bar = chat.view.verticalScrollBar()
    send(chat, "A long one")
    until(loop, lambda: not chat.busy)
    assert bar.maximum() > 0
    assert bar.value() == bar.maximum()  # was at the bottom: followed to the end

    emulator.fault("groq", "slow_stream", interval=0.02, times=1)
    send(chat, "Another long one")
    # The second answer has started streaming (not the first one, which is already there).
    until(loop, lambda: len(answers(chat)) == 2 and bool(answers(chat)[-1]) and chat.busy)
    bar.setValue(0)  # the reader scrolls up to read the first answer
    until(loop, lambda: not chat.busy)
    assert bar.value() == 0
    assert bar.maximum() > 0


def test_an_answer_cut_mid_way_is_replaced_by_the_next_providers_with_a_note(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    emulator.fault("groq", "cut", after=3, times=1)
    emulator.fault("cerebras", "slow_stream", interval=0.1, times=1)
    chat = window.chat
    send(chat, "Tell me")
    until(loop, lambda: bool(chat.view.widgets()) and "cerebras" in answers(chat)[-1])
    live = chat.view.widgets()[-1]
    assert live.data.status == STREAMING
    # The partial text from Groq was replaced, not continued.
    assert live.data.text.startswith("Hello from cerebras")
    assert "groq" not in live.body.toPlainText()
    assert "Groq stopped mid-answer; Cerebras answered instead" in live.status_bar.text_label.text()
    until(loop, lambda: not chat.busy)
    assert live.data.status == Status.COMPLETE
    assert live.data.text == "Hello from cerebras. This answer has **several** words in it."
    assert live.status_bar.text_label.text() == (
        "Groq stopped mid-answer; Cerebras answered instead."
    )
    live.details_button.click()
    details = live.details.text()
    assert "Groq had written: \u201cHello from groq." in details
    assert chat.conversation_id is not None
    stored = window.services.history.get_conversation(chat.conversation_id)
    assert stored is not None and stored.messages[-1].content == live.data.text


def test_with_restarting_off_a_cut_answer_keeps_its_partial_text(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    window.providers.restart_cut.setChecked(False)
    assert not window.services.settings_store.load().restart_cut_answers
    emulator.fault("groq", "cut", after=3, times=1)
    chat = window.chat
    send(chat, "Tell me")
    until(loop, lambda: not chat.busy)
    answer = chat.view.widgets()[-1]
    assert answer.data.status == Status.INTERRUPTED
    assert answer.data.text.startswith("Hello from groq")
    assert emulator.requests_for("cerebras") == []


def test_the_badge_says_when_the_first_choice_was_skipped(
    loop: qasync.QEventLoop, window: MainWindow, emulator: Emulator
) -> None:
    emulator.fault("groq", "status", status=429, times=1, retry_after=60)
    chat = window.chat
    send(chat, "First")
    until(loop, lambda: not chat.busy)
    send(chat, "Second")
    until(loop, lambda: not chat.busy and len(answers(chat)) == 2)
    answer = chat.view.widgets()[-1]
    assert answer.badge.text().startswith("via Cerebras")
    assert answer.failover.isVisibleTo(answer)
    assert answer.failover.text().startswith("Groq, your first choice, was skipped: resting for ")
    assert "after it said \u2018too many requests\u2019." in answer.failover.text()
    answer.details_button.click()
    assert "Groq: resting for" in answer.details.text()


def test_disk_full_mid_answer_shows_exactly_what_was_kept_and_why(
    loop: qasync.QEventLoop,
    window: MainWindow,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history = window.services.history
    real_append = history.append_text
    calls = {"n": 0}

    def append_then_fill_the_disk(message_id: int, text: str) -> bool:
        calls["n"] += 1
        if calls["n"] > 1:
            raise sqlite3.OperationalError("database or disk is full")
        return real_append(message_id, text)

    monkeypatch.setattr(history, "append_text", append_then_fill_the_disk)
    emulator.set_reply(" ".join(f"word{n}" for n in range(80)))
    emulator.fault("groq", "slow_stream", interval=0.03, times=1)
    chat = window.chat
    send(chat, "A long answer please")
    until(loop, lambda: not chat.busy, timeout=20)
    answer = chat.view.widgets()[-1]
    stored = history.get_message(answer.message_id or -1)
    assert stored is not None and stored.content
    assert answer.data.text == stored.content == answer.body.text()
    assert answer.data.status == Status.INTERRUPTED
    said = answer.status_bar.text_label.text()
    assert "Saving stopped because the disk is full" in said and "Traceback" not in said
    assert "Connection lost" not in said
