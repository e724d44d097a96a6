"""A chat turn with its persistence: what the window and the command line both run.

The user message and an empty assistant message (status ``interrupted``) are written before
the request starts; answer text is appended in batches of about 100 ms while it streams, and the
message is finalised with status, provider, trace and usage at the end. So a crash or a kill
mid-answer leaves exactly what was on screen, marked interrupted, and nothing is ever lost.

Every history call runs on the database worker (``self.db``), never on the event loop's
thread: streamed text is queued there without waiting, and the worker's order guarantees it
is written before the final update queued after it.

When an answer breaks off and the engine restarts it on another provider, the stored text is
emptied as the new answer starts, so the history keeps the complete answer only (the partial
one stays in the trace).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image, UnidentifiedImageError

from desktop.core.chat_types import Attachment, ChatMessage, ChatRequest, ChatResult
from desktop.core.errors import SwitchboardError
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.core.vocab import Status
from desktop.engine.service_base import StoredTaskService
from desktop.store.file_reads import FileReadError, read_limited
from desktop.store.history import HistoryStore, StoredMessage

FLUSH_INTERVAL_S = 0.1
MAX_IMAGE_SIDE = 1568
MAX_IMAGE_FILE_BYTES = 40 * 1024 * 1024
TITLE_WORDS = 8


class TurnListener(Protocol):
    """What a front end hears while a turn runs."""

    def turn_started(self, turn: Turn) -> None: ...
    def attempt_changed(self, record: AttemptRecord) -> None: ...
    def delta(self, text: str) -> None: ...
    def restarted(self, note: str) -> None:
        """The text so far is to be *replaced* by the answer that follows (``note`` says why:
        "Groq stopped mid-answer; Together AI answered instead")."""
        ...


@dataclass
class Turn:
    conversation_id: int
    user_message_id: int | None
    assistant_message_id: int
    result: ChatResult | None = None


def title_from(text: str) -> str:
    words = text.split()
    if not words:
        return "New chat"
    title = " ".join(words[:TITLE_WORDS])
    return title + ("…" if len(words) > TITLE_WORDS else "")


def history_to_messages(stored: Sequence[StoredMessage]) -> list[ChatMessage]:
    """Rebuild the request's messages; failed answers and empty ones are not sent back."""
    messages = []
    for m in stored:
        if m.role == "assistant" and (m.status == Status.FAILED or not m.content):
            continue
        messages.append(
            ChatMessage(m.role, m.content, [Attachment.from_dict(a) for a in m.attachments])
        )
    return messages


class ChatService(StoredTaskService):
    """Runs chat turns through the engine and keeps the history in step."""

    async def send(
        self,
        conversation_id: int | None,
        text: str,
        *,
        model: str,
        provider: str = "auto",
        attachments: Sequence[Attachment] = (),
        listener: TurnListener | None = None,
        system: str | None = None,
    ) -> Turn:
        """Store the user's message, then answer it (see :meth:`_answer`)."""
        ask = self._question(
            conversation_id, text, [a.to_dict() for a in attachments], system, model, provider
        )
        return await self._answer(ask, model, provider, listener)

    async def regenerate(
        self,
        conversation_id: int,
        *,
        model: str,
        provider: str = "auto",
        listener: TurnListener | None = None,
    ) -> Turn:
        """Drop the last answer (if the last message is one) and answer again."""
        history = self.history

        def drop_last_answer() -> _Asked:
            conversation = history.get_conversation(conversation_id)
            if conversation is None or not conversation.messages:
                return None
            last = conversation.messages[-1]
            if last.role == "assistant":
                history.delete_message_and_after(conversation_id, last.id)
            return conversation_id, None

        return await self._answer(
            drop_last_answer,
            model,
            provider,
            listener,
            missing="This conversation no longer exists.",
        )

    async def edit_and_resend(
        self,
        conversation_id: int,
        user_message_id: int,
        new_text: str,
        *,
        model: str,
        provider: str = "auto",
        listener: TurnListener | None = None,
    ) -> Turn:
        """Replace a user message (and everything after it) with ``new_text``, then answer."""
        history = self.history

        def replace_question() -> _Asked:
            conversation = history.get_conversation(conversation_id)
            old = (
                next((m for m in conversation.messages if m.id == user_message_id), None)
                if conversation
                else None
            )
            if old is None:
                return None
            history.delete_message_and_after(conversation_id, user_message_id)
            store = self._question(
                conversation_id, new_text, old.attachments, None, model, provider
            )
            return store()

        return await self._answer(
            replace_question,
            model,
            provider,
            listener,
            missing="That message no longer exists.",
        )

    def _question(
        self,
        conversation_id: int | None,
        text: str,
        attachments: list[dict[str, Any]],
        system: str | None,
        model: str,
        provider: str,
    ) -> Callable[[], _Asked]:
        """The blocking step that stores a question (starting a conversation if needed)."""
        history = self.history

        def store_question() -> _Asked:
            conversation = conversation_id
            if conversation is None:
                conversation = history.create_conversation(title_from(text), model, provider)
                if system:
                    history.add_message(conversation, "system", system)
            user = history.add_message(conversation, "user", text, attachments=attachments)
            return conversation, user

        return store_question

    async def _answer(
        self,
        ask: Callable[[], _Asked],
        model: str,
        provider: str,
        listener: TurnListener | None,
        *,
        missing: str = "This conversation no longer exists.",
    ) -> Turn:
        """Run ``ask`` (store or change the question), read the conversation and add the
        empty answer, all in one trip to the database worker; then stream the answer."""
        history = self.history

        def prepare() -> tuple[int, int | None, list[ChatMessage], int] | None:
            asked = ask()
            if asked is None:
                return None
            conversation_id, user_id = asked
            conversation = history.get_conversation(conversation_id)
            messages = history_to_messages(conversation.messages if conversation else [])
            history.set_conversation_model(conversation_id, model, provider)
            answer_id = history.add_message(
                conversation_id, "assistant", "", model=model, status=Status.INTERRUPTED
            )
            return conversation_id, user_id, messages, answer_id

        job = self.db.start(prepare)
        try:
            prepared = await asyncio.shield(asyncio.wrap_future(job))
        except asyncio.CancelledError:
            # The step runs anyway (it may be running now): its empty answer is then marked
            # stopped, exactly as a stop during the stream would leave it.
            self.db.submit(_mark_stopped_when_prepared, history, job)
            raise
        if prepared is None:
            raise SwitchboardError(missing)
        conversation_id, user_id, messages, assistant_id = prepared
        turn = Turn(conversation_id, user_id, assistant_id)
        if listener:
            listener.turn_started(turn)
        loop = asyncio.get_running_loop()
        pending: list[str] = []
        scheduled: list[asyncio.TimerHandle] = []

        def flush() -> None:
            while scheduled:
                scheduled.pop().cancel()
            if pending:
                self.db.submit(history.append_text, assistant_id, "".join(pending))
                pending.clear()

        def on_delta(text: str) -> None:
            # At most one write per interval, and never later than one interval after the
            # text arrived, even if the stream then stalls.
            pending.append(text)
            if not scheduled:
                scheduled.append(loop.call_later(FLUSH_INTERVAL_S, flush))
            if listener:
                listener.delta(text)

        def on_attempt(record: AttemptRecord) -> None:
            if listener:
                listener.attempt_changed(record)

        def on_restart(note: str) -> None:
            while scheduled:
                scheduled.pop().cancel()
            pending.clear()
            self.db.submit(history.update_message, assistant_id, content="")
            if listener:
                listener.restarted(note)

        trace = Trace(model=model, policy=provider)
        request = ChatRequest(model=model, messages=messages, provider=provider)
        try:
            result = await self.engine.chat(
                request,
                on_delta=on_delta,
                on_attempt=on_attempt,
                trace=trace,
                on_restart=on_restart,
            )
        except asyncio.CancelledError:
            flush()
            await self.db.run(
                history.update_message,
                assistant_id,
                status=Status.INTERRUPTED,
                error=STOPPED_ERROR,
                provider=_answering(trace),
                trace=trace.to_dict(),
            )
            raise
        flush()
        await self.db.run(
            history.update_message,
            assistant_id,
            content=result.text,
            status=result.status,
            provider=result.provider,
            provider_model=result.provider_model,
            error=result.error,
            trace=result.trace.to_dict(),
            usage=result.usage.to_dict() if result.usage else None,
            ttft_ms=result.ttft_ms,
            duration_ms=result.duration_ms,
        )
        turn.result = result
        return turn

    # --- Images -------------------------------------------------------------------------

    async def import_image(self, path: Path) -> Attachment:
        """Downscale an image file for sending (Pillow, off the loop) and keep it in media."""
        return await self._off_loop(self._import_file, path)

    async def import_image_bytes(self, data: bytes, name: str = "pasted image") -> Attachment:
        return await self._off_loop(self._import_bytes, data, name)

    def _import_file(self, path: Path) -> Attachment:
        try:
            data = read_limited(path, MAX_IMAGE_FILE_BYTES, advice="pick a smaller image")
        except FileReadError as exc:
            raise SwitchboardError(str(exc)) from exc
        return self._import_bytes(data, path.name)

    def _import_bytes(self, data: bytes, name: str) -> Attachment:
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
                converted = img.convert("RGBA" if has_alpha else "RGB")
        except Image.DecompressionBombError as exc:
            raise SwitchboardError(
                f"{name} has too many pixels to be a normal picture; pick another image."
            ) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise SwitchboardError(
                f"{name} is not an image Switchboard can read (PNG, JPEG, WebP, GIF…)."
            ) from exc
        converted.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
        out = io.BytesIO()
        if has_alpha:
            converted.save(out, "PNG", optimize=True)
            mime, suffix = "image/png", ".png"
        else:
            converted.save(out, "JPEG", quality=90)
            mime, suffix = "image/jpeg", ".jpg"
        stored = self.media.put(out.getvalue(), suffix)
        return Attachment(str(stored), mime, name)


_Asked = tuple[int, int | None] | None
"""What storing a question gives: the conversation and the user message (None when the
answer is regenerated), or None when the conversation or message is gone."""

STOPPED_ERROR = "Stopped — the partial answer is kept."


def _mark_stopped_when_prepared(
    history: HistoryStore,
    job: Future[tuple[int, int | None, list[ChatMessage], int] | None],
) -> None:
    """Runs on the worker after ``job``: mark the empty answer it added as stopped."""
    if job.cancelled() or job.exception() is not None:
        return
    prepared = job.result()
    if prepared is not None:
        history.update_message(prepared[3], status=Status.INTERRUPTED, error=STOPPED_ERROR)


def _answering(trace: Trace) -> str | None:
    for attempt in reversed(trace.attempts):
        if (
            attempt.outcome in (Outcome.OK, Outcome.CANCELLED, Outcome.INTERRUPTED)
            and attempt.ttft_ms is not None
        ):
            return attempt.served_by or attempt.provider
    return None
