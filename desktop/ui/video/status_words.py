"""What a video job is doing, in the words a person reads while waiting (no Qt here).

Why: "queued, position 3" is the provider's language; "Waiting in line — position 3" is ours
(DESIGN §1a, "waiting is honest"). Tested without a window.
"""

from __future__ import annotations

from desktop.core.media_types import JobProgress
from desktop.core.table import provider_label

TERMINAL = frozenset({"done", "failed", "cancelled"})


def status_text(progress: JobProgress) -> str:
    """``"Waiting in line — position 3"``, ``"Making the video"``, ``"Downloading"`` …"""
    status = progress.status
    if status == "submitting":
        return "Sending the request…"
    if status == "queued":
        position = progress.queue_position
        if position is None:
            return "Waiting in line"
        if position <= 0:
            return "Next in line"
        return f"Waiting in line — position {position}"
    if status == "running":
        return "Making the video"
    if status == "downloading":
        return "Downloading"
    if status == "done":
        return "Done"
    if status == "failed":
        return "Failed"
    if status == "cancelled":
        return "Cancelled"
    return status.capitalize()


def where_text(progress: JobProgress) -> str:
    """``"at fal"`` once a provider took the job, else ``""``."""
    return f"at {provider_label(progress.provider)}" if progress.provider else ""
