"""The Library's queries: chats listed and searched beside generations, failed attempts hidden
on request, and plans that use the indexes (the Library must stay fast on 100k items)."""

from __future__ import annotations

from collections.abc import Callable

from desktop.store.history import HistoryStore


def chat(history: HistoryStore, title: str, question: str, answer: str = "Sure.") -> int:
    cid = history.create_conversation(title, model="meta-llama/Llama-3.1-8B-Instruct")
    history.add_message(cid, "user", question)
    history.add_message(
        cid, "assistant", answer, model="Qwen/Qwen2.5-72B-Instruct", provider="nebius"
    )
    return cid


def test_chats_list_with_title_first_question_model_and_provider(history: HistoryStore) -> None:
    older = chat(history, "Tide tables", "  When is\nhigh tide   in Brest?  ")
    newer = chat(history, "Bread", "How long should sourdough rest?")
    items = history.list_chat_items()
    assert [i.id for i in items] == [newer, older]  # most recently active first
    tide = items[1]
    assert tide.title == "Tide tables"
    assert tide.first_line == "When is high tide in Brest?"  # one line, trimmed
    assert (tide.model, tide.provider) == ("Qwen/Qwen2.5-72B-Instruct", "nebius")
    assert tide.message_count == 2
    assert tide.updated_at >= tide.created_at


def test_a_chat_without_an_answer_names_its_remembered_model(history: HistoryStore) -> None:
    cid = history.create_conversation("Draft", model="openai/gpt-oss-20b")
    history.add_message(cid, "user", "Hello")
    (item,) = history.list_chat_items()
    assert (item.model, item.provider, item.first_line) == ("openai/gpt-oss-20b", None, "Hello")


def test_chats_by_id_and_search_by_title_or_message(history: HistoryStore) -> None:
    tide = chat(history, "Tide tables", "When is high tide in Brest?")
    bread = chat(history, "Bread", "How long should sourdough rest?", "About twelve hours.")
    assert history.search_chats("sourdough") == [bread]
    assert history.search_chats("twelve") == [bread]  # an answer's words find the chat too
    assert history.search_chats("tide") == [tide]  # title and message: listed once
    assert history.search_chats("nothing-like-this") == []
    assert [i.id for i in history.list_chat_items(ids=[tide])] == [tide]
    assert history.list_chat_items(ids=[]) == []


def test_failed_and_cancelled_attempts_are_left_out_when_asked(history: HistoryStore) -> None:
    made = history.add_generation("text-to-image", prompt="a lighthouse at dusk")
    failed = history.add_generation(
        "text-to-image", prompt="a lighthouse in fog", status="failed", error="busy"
    )
    stopped = history.add_generation("text-to-video", prompt="a lighthouse", status="cancelled")
    running = history.add_generation("text-to-video", prompt="lighthouse waves", status="running")
    assert {g.id for g in history.list_generations()} == {made, failed, stopped, running}
    assert {g.id for g in history.list_generations(hide_failed=True)} == {made, running}
    hits = history.search_generations("lighthouse", hide_failed=True)
    assert {h.generation_id for h in hits} == {made, running}
    assert len(history.search_generations("lighthouse")) == 4


def plans_of(history: HistoryStore, call: Callable[[], object]) -> str:
    """The query plans of the SELECTs ``call`` really runs (captured as they run)."""
    statements: list[str] = []
    conn = history._db._conn
    conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    details = []
    for sql in statements:
        if sql.lstrip().upper().startswith("SELECT"):
            rows = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
            details += [str(r["detail"]) for r in rows]
    return " | ".join(details)


def test_library_queries_use_indexes(history: HistoryStore) -> None:
    chat(history, "Tide tables", "When is high tide?")
    listed = plans_of(history, lambda: history.list_generations(None, 2000, hide_failed=True))
    assert "generations_by_created" in listed, listed
    chats = plans_of(history, lambda: history.list_chat_items(2000))
    assert "conversations_by_updated" in chats, chats
    assert "messages_by_conversation" in chats, chats
    assert "SCAN m" not in chats and "SCAN messages" not in chats, chats
    searched = plans_of(history, lambda: history.search_chats("tide"))
    assert "VIRTUAL TABLE INDEX" in searched, searched
