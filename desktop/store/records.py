"""What the history hands out: conversations, messages, search hits and library items.

Named tuples whose field names are the table's column names, so a row maps onto a record by
name (:func:`desktop.store.rows.from_row`) and a new column is one new field.

Why ``typing.NamedTuple`` and not frozen dataclasses: ``history list`` must start about as fast
as Python itself (issue 8), and ``dataclasses`` imports ``inspect``, ``ast``, ``dis`` and
``tokenize`` (≈ 5 ms) while building each dataclass costs ≈ 0.5 ms more (a named tuple ≈ 0.14 ms).
They are as immutable; :meth:`~typing.NamedTuple._replace` and
:meth:`~typing.NamedTuple._asdict` stand for ``dataclasses.replace`` and ``asdict``. Being
tuples, two records of *different* types with equal values compare equal, and ``json.dumps``
writes one as a list: compare records of one type, and convert with ``_asdict()`` (nested
records included) before writing JSON.
"""

# No ``from __future__ import annotations`` here: a named tuple's string annotations each
# become a ``typing.ForwardRef``, which compiles its text; that doubled the cost of making
# the classes at import (issue 8).

import enum
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from desktop.core.errors import SwitchboardError
from desktop.core.vocab import Status

ROLES: Final = frozenset({"system", "user", "assistant"})
STATUSES: Final = frozenset({Status.COMPLETE, Status.INTERRUPTED, Status.FAILED})
PREVIEW_CHARS: Final = 80


class HistoryError(SwitchboardError):
    """The history database cannot be used as asked; ``str()`` is one sentence."""


class Unset(enum.Enum):
    """The type of :data:`UNSET`."""

    TOKEN = 0


UNSET: Final = Unset.TOKEN
"""Marks an :meth:`HistoryStore.update_message` argument as "leave this column alone"."""


class StoredMessage(NamedTuple):
    """One message row, with its JSON columns decoded.

    Attributes:
        attachments: ``[{"path", "mime", "name"}, …]`` (paths into the media folder).
        status: ``complete``, ``interrupted`` (stream cut or app died) or ``failed``.
        trace: the routing trace as stored by the engine, or None.
        usage: token usage / cost as reported, or None.
        parent_id: the message this one follows (None for a conversation's first).
        chosen: 1 when this version is the one shown among its siblings.
        version: this message's place among its versions, from 1 (worked out on reading).
        versions: the ids of every version of this turn, oldest first (this one included);
            empty when it was read on its own.
    """

    id: int
    conversation_id: int
    role: str
    content: str
    attachments: list[dict[str, Any]]
    model: str | None
    provider: str | None
    provider_model: str | None
    status: str
    error: str | None
    trace: dict[str, Any] | None
    usage: dict[str, Any] | None
    ttft_ms: float | None
    duration_ms: float | None
    created_at: float
    parent_id: int | None = None
    chosen: int = 1
    version: int = 1
    versions: tuple[int, ...] = ()

    @property
    def version_count(self) -> int:
        """How many versions this turn has (1 when it was never regenerated or edited)."""
        return max(1, len(self.versions))


class ConversationSummary(NamedTuple):
    """A conversation as the sidebar lists it."""

    id: int
    title: str
    created_at: float
    updated_at: float
    model: str | None
    provider_policy: str | None
    message_count: int
    preview: str


class ChatItem(NamedTuple):
    """A conversation as the Library lists it, beside pictures and transcripts.

    Attributes:
        first_line: the first thing the person asked, on one line (trimmed).
        model, provider: who answered last (the model remembered for the chat when no
            answer names one).
    """

    id: int
    title: str
    first_line: str
    model: str | None
    provider: str | None
    message_count: int
    created_at: float
    updated_at: float


class Conversation(NamedTuple):
    """A whole conversation: the summary fields plus every message, oldest first.

    ``messages`` has no default: a named tuple's default would be one list shared by every
    conversation made without it (the store always passes the messages it read).
    """

    id: int
    title: str
    created_at: float
    updated_at: float
    model: str | None
    provider_policy: str | None
    messages: list[StoredMessage]

    @property
    def message_count(self) -> int:
        """Number of messages."""
        return len(self.messages)

    @property
    def preview(self) -> str:
        """The start of the last message, as in :class:`ConversationSummary`."""
        return make_preview(self.messages[-1].content) if self.messages else ""


class SearchHit(NamedTuple):
    """One search result.

    Attributes:
        conversation_id: the conversation of the match; 0 for a generation hit.
        message_id: the matching message, or None when the conversation title matched.
        snippet: the matching text around the match, matches wrapped in the requested marks.
        generation_id: the matching generation (picture, video, transcript, embeddings), or
            None for a conversation hit.
    """

    conversation_id: int
    message_id: int | None
    title: str
    snippet: str
    generation_id: int | None = None


GENERATION_STATUSES: Final = frozenset(Status)
"""``running``: an accepted job not finished yet (video); ``interrupted``: the app stopped
before it finished and it cannot be resumed."""


class StoredGeneration(NamedTuple):
    """One generation row, JSON columns decoded.

    Attributes:
        task: the ``Task`` value (``text-to-image``, ``automatic-speech-recognition`` …).
        params: the settings it was made with (for "reuse settings"), plus task extras such
            as a transcript's ``chunks`` or the embedded ``texts``.
        files: ``[{"path", "mime", "width", "height", "seed", "duration_s", …}]``, paths into
            the media folder.
        text: the transcript (speech-to-text), else None.
        vectors_path: the embedding vectors as an ``.npy`` file in the media folder.
        trace: the routing trace, or None.
    """

    id: int
    task: str
    created_at: float
    updated_at: float
    prompt: str
    negative_prompt: str | None
    model: str | None
    provider: str | None
    provider_model: str | None
    status: str
    params: dict[str, Any]
    files: list[dict[str, Any]]
    text: str | None
    vectors_path: str | None
    trace: dict[str, Any] | None
    error: str | None
    duration_ms: float | None


COMPUTED: Final[Mapping[type[tuple[Any, ...]], frozenset[str]]] = {
    StoredMessage: frozenset({"version", "versions"})
}
"""Record fields that are worked out on reading, not read from a column of the same name
(a named tuple cannot mark its fields as a dataclass's ``field(metadata=…)`` did)."""


def make_preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """One line of at most ``limit`` characters, whitespace collapsed, "…" when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
