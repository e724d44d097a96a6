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
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from desktop.core.chat_types import Attachment, ChatMessage, ChatRequest, ChatResult
from desktop.core.errors import SwitchboardError
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.core.vocab import Status
from desktop.engine.service_base import StoredTaskService
from desktop.store.faults import STORAGE_ERRORS, reason, storage_fault
from desktop.store.file_reads import FileReadError, read_limited
from desktop.store.history import HistoryError, HistoryStore, StoredMessage

log = logging.getLogger(__name__)
T = TypeVar("T")

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
    """One question and its answer as stored.

    Attributes:
        replaced: the answer (regenerate) or question (edit & resend) this turn made a new
            version of; it is kept, only no longer shown.
        withdrawn: the new answer ended with nothing (failed, or stopped before any text),
            so it was taken back and the previous answer is shown again.
    """

    conversation_id: int
    user_message_id: int | None
    assistant_message_id: int
    result: ChatResult | None = None
    replaced: int | None = None
    withdrawn: bool = False
    trace: Trace | None = None
    """The routing trace as it grows; after a stop it holds the stopped answer's cost."""


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
        """Answer the last question again as a new version of the last answer (the old one
        is kept, and shown again if the new one brings nothing)."""
        history = self.history

        def answer_again() -> _Asked:
            conversation = history.get_conversation(conversation_id)
            if conversation is None or not conversation.messages:
                return None
            last = conversation.messages[-1]
            return conversation_id, None, last.id if last.role == "assistant" else None

        return await self._answer(
            answer_again,
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
        """Ask ``new_text`` as a new version of a user message, then answer it; the old
        question and everything after it are kept as the other version."""
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
            store = self._question(
                conversation_id, new_text, old.attachments, None, model, provider, old.id
            )
            return store()

        turn = await self._answer(
            replace_question,
            model,
            provider,
            listener,
            missing="That message no longer exists.",
        )
        turn.replaced = user_message_id
        return turn

    def _question(
        self,
        conversation_id: int | None,
        text: str,
        attachments: list[dict[str, Any]],
        system: str | None,
        model: str,
        provider: str,
        version_of: int | None = None,
    ) -> Callable[[], _Asked]:
        """The blocking step that stores a question (starting a conversation if needed), or
        a new version of question ``version_of``."""
        history = self.history

        def store_question() -> _Asked:
            conversation = conversation_id
            if conversation is None:
                conversation = history.create_conversation(title_from(text), model, provider)
                if system:
                    history.add_message(conversation, "system", system)
            user = history.add_message(
                conversation, "user", text, attachments=attachments, version_of=version_of
            )
            return conversation, user, None

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
        """Run ``ask`` (store or change the question), add the empty answer and read the
        conversation, all in one trip to the database worker; then stream the answer."""
        history = self.history

        def prepare() -> _Prepared | None:
            asked = ask()
            if asked is None:
                return None
            conversation_id, user_id, replaces = asked
            history.set_conversation_model(conversation_id, model, provider)
            answer_id = history.add_message(
                conversation_id,
                "assistant",
                "",
                model=model,
                status=Status.INTERRUPTED,
                version_of=replaces,
            )
            # The new, still empty answer is last on the path and is not sent back.
            conversation = history.get_conversation(conversation_id)
            messages = history_to_messages(conversation.messages if conversation else [])
            return conversation_id, user_id, messages, answer_id, replaces

        job = self.db.start(prepare)
        try:
            prepared = await asyncio.shield(asyncio.wrap_future(job))
        except asyncio.CancelledError:
            # The step runs anyway (it may be running now): its empty answer is then marked
            # stopped, exactly as a stop during the stream would leave it.
            self.db.submit(_mark_stopped_when_prepared, history, job)
            raise
        except STORAGE_ERRORS as exc:
            # Nothing was asked yet: the caller keeps the typed text (the window puts it
            # back in the composer) and shows this one sentence.
            raise storage_fault(exc, "The message was not sent", history.path) from exc
        if prepared is None:
            raise SwitchboardError(missing)
        conversation_id, user_id, messages, assistant_id, replaces = prepared
        trace = Trace(model=model, policy=provider)
        turn = Turn(conversation_id, user_id, assistant_id, replaced=replaces, trace=trace)
        if listener:
            listener.turn_started(turn)
        saving = _Saving(history, assistant_id, asyncio.get_running_loop())
        request = ChatRequest(model=model, messages=messages, provider=provider)
        result = await self._stream(request, trace, saving, listener)
        if replaces is not None and not result.text and result.status != Status.COMPLETE:
            # A regenerate that brought nothing: the previous answer is shown again.
            withdrawn = await self._quietly(history.withdraw_version, assistant_id, replaces)
            turn.withdrawn = bool(withdrawn)
        turn.result = result
        return turn

    async def _stream(
        self,
        request: ChatRequest,
        trace: Trace,
        saving: _Saving,
        listener: TurnListener | None,
    ) -> ChatResult:
        """Stream the answer through the engine while saving it in batches; stop the
        request when saving fails, so what is shown is what is kept."""
        history, assistant_id = self.history, saving.message_id
        loop = asyncio.get_running_loop()
        pending: list[str] = []
        received: list[str] = []  # the answer so far, what a stop is billed for
        scheduled: list[asyncio.TimerHandle] = []

        def flush() -> None:
            while scheduled:
                scheduled.pop().cancel()
            if pending:
                self.db.submit(saving.save, "".join(pending))
                pending.clear()

        def on_delta(text: str) -> None:
            received.append(text)
            if saving.error is not None:
                return  # saving stopped: nothing more is shown than is kept
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
            # The engine restarts a cut answer elsewhere: the saved text starts over too.
            while scheduled:
                scheduled.pop().cancel()
            pending.clear()
            received.clear()
            self.db.submit(saving.restart)
            if listener:
                listener.restarted(note)

        chat = asyncio.ensure_future(
            self.engine.chat(
                request,
                on_delta=on_delta,
                on_attempt=on_attempt,
                trace=trace,
                on_restart=on_restart,
            )
        )
        saving.on_failure = chat.cancel
        try:
            result = await chat
        except asyncio.CancelledError:
            flush()
            await self._settle_stopped(request, trace, "".join(received))
            if saving.error is None or _being_cancelled():
                await self._quietly(
                    history.update_message,
                    assistant_id,
                    status=Status.INTERRUPTED,
                    error=STOPPED_ERROR,
                    provider=_answering(trace),
                    trace=trace.to_dict(),
                )
                raise
            return await self._saving_stopped(trace, saving)
        flush()
        try:
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
        except STORAGE_ERRORS as exc:
            saving.fail(exc)
        if saving.error is not None:
            return await self._saving_stopped(trace, saving, result)
        return result

    async def _settle_stopped(self, request: ChatRequest, trace: Trace, text: str) -> None:
        """Cost of an answer stopped mid-stream, kept in its trace and the totals; a failure
        here must never hide the stop itself."""
        try:
            await self.engine.costs.settle_stopped(trace, request.messages, text)
        except Exception:  # the stop matters more than its estimate
            log.warning("The cost of a stopped answer was not recorded", exc_info=True)

    async def _saving_stopped(
        self, trace: Trace, saving: _Saving, result: ChatResult | None = None
    ) -> ChatResult:
        """The answer as far as it was saved, marked interrupted, with the reason."""
        # Wait for the writes already queued, then mark what was kept (this may fail too:
        # the parts are then folded in at the next start, still marked interrupted).
        await self._quietly(
            self.history.update_message,
            saving.message_id,
            status=Status.INTERRUPTED,
            error=saving.error,
            provider=_answering(trace),
            trace=trace.to_dict(),
        )
        kept = await self._quietly(self.history.get_message, saving.message_id)
        text = kept.content if kept is not None else ""
        base = result or ChatResult(text="", status=Status.INTERRUPTED, trace=trace)
        return replace(
            base,
            text=text,
            status=Status.INTERRUPTED,
            provider=base.provider or _answering(trace),
            error=saving.error,
            error_action=None,
        )

    async def _quietly(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """A store call whose failure must not hide what the user is being told."""
        try:
            return await self.db.run(fn, *args, **kwargs)
        except (*STORAGE_ERRORS, HistoryError):
            log.warning("A history write failed while saving had stopped", exc_info=True)
            return None

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
        from PIL import Image, UnidentifiedImageError  # Pillow stays off the start-up path

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


_Asked = tuple[int, int | None, int | None] | None
"""What storing a question gives: the conversation, the user message (None when the
answer is regenerated) and the answer the new one is a version of (or None); None when the
conversation or message is gone."""

_Prepared = tuple[int, int | None, list[ChatMessage], int, int | None]
"""The conversation, the user message, the messages to send, the new answer and the answer
it is a new version of."""

STOPPED_ERROR = "Stopped — the partial answer is kept."


class _Saving:
    """How far a streaming answer is saved; the first failure stops every later write.

    ``save`` runs on the database worker, in order, so the text kept is always a prefix of
    the text shown: after one batch fails, no later batch is written.
    """

    def __init__(
        self, history: HistoryStore, message_id: int, loop: asyncio.AbstractEventLoop
    ) -> None:
        self.history = history
        self.message_id = message_id
        self.loop = loop
        self.error: str | None = None
        self.on_failure: Callable[[], object] = lambda: None

    def save(self, text: str) -> None:
        """Write one batch (on the worker), unless an earlier one failed."""
        if self.error is not None:
            return
        try:
            self.history.append_text(self.message_id, text)
        except STORAGE_ERRORS as exc:
            self.fail(exc)
            self.loop.call_soon_threadsafe(self.on_failure)

    def restart(self) -> None:
        """Clear the saved text (on the worker) when the answer starts over elsewhere."""
        if self.error is not None:
            return
        try:
            self.history.update_message(self.message_id, content="")
        except STORAGE_ERRORS as exc:
            self.fail(exc)
            self.loop.call_soon_threadsafe(self.on_failure)

    def fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = saving_stopped_text(exc, self.history.path)


def saving_stopped_text(exc: BaseException, path: Path) -> str:
    """The one sentence for an answer whose saving stopped: why, and what is kept."""
    return (
        f"Saving stopped because {reason(exc, path)}; "
        "the answer ends where saving stopped, and that much is kept."
    )


def _being_cancelled() -> bool:
    """Whether the running task itself is being cancelled (Stop, closing the window)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _mark_stopped_when_prepared(
    history: HistoryStore,
    job: Future[_Prepared | None],
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
