"""The typed vocabularies: result and job statuses, and the fix actions offered with an error.

They are ``StrEnum`` so that every value stored in SQLite or JSON, printed by ``--json`` or
compared in old code stays byte-identical to the bare string it replaces ("complete",
"open_providers"): a member *is* that string. Attempt outcomes (the routing trace's classes)
are :class:`desktop.core.trace.Outcome`.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """How a request (a chat turn, an image, a transcript, a video job) ended."""

    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    """Chat only: the answer was cut after it started; the partial text is kept."""
    FAILED = "failed"
    CANCELLED = "cancelled"
    RUNNING = "running"
    """A stored generation whose accepted job has not finished yet (video)."""


class JobStatus(StrEnum):
    """Where an accepted async job (video) stands, as the job store keeps it."""

    SUBMITTED = "submitted"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    """The provider finished; the file is not downloaded yet (so the job is still ours to do)."""
    DOWNLOADING = "downloading"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class FixAction(StrEnum):
    """The one obvious next step a person can take about an error; the UI offers a button."""

    ADD_TOKEN = "add_token"
    OPEN_PROVIDERS = "open_providers"
    RETRY = "retry"
    OTHER_PROVIDER = "other_provider"
