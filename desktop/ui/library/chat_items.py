"""Chats as Library items: one row per conversation beside pictures and transcripts.

Why a generation-shaped row: the Library's list, kind filter, search results and details
panel all work on :class:`StoredGeneration`; a conversation becomes one with the chat task,
its title as the prompt and its first question as the text. Its id is the conversation's,
negated, so it can never be mistaken for a generation's id (those are positive).
"""

from __future__ import annotations

from desktop.core.table import Task
from desktop.core.vocab import Status
from desktop.store.history import ChatItem, StoredGeneration

CHAT_KIND = Task.CHAT.value
"""The task of a chat row (the kind filter's "Chats")."""


def chat_entry(item: ChatItem) -> StoredGeneration:
    """``item`` as a Library row; its date is the last activity (what people remember)."""
    return StoredGeneration(
        id=-item.id,
        task=CHAT_KIND,
        created_at=item.updated_at,
        updated_at=item.updated_at,
        prompt=item.title,
        negative_prompt=None,
        model=item.model,
        provider=item.provider,
        provider_model=None,
        status=Status.COMPLETE,
        params={"messages": item.message_count, "started_at": item.created_at},
        files=[],
        text=item.first_line,
        vectors_path=None,
        trace=None,
        error=None,
        duration_ms=None,
    )


def conversation_of(gen: StoredGeneration | None) -> int | None:
    """The conversation a Library row stands for; None for anything that was made."""
    if gen is None or gen.task != CHAT_KIND or gen.id >= 0:
        return None
    return -gen.id
