"""What the emulator saw: one :class:`RecordedRequest` per HTTP request.

Its own module so that both the shared state and the wire helpers can name it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class RecordedRequest:
    """One request as the emulator saw it.

    ``provider`` is which route matched: a provider id, ``"auto"`` (router
    ``/v1/chat/completions``), ``"models"`` (router ``/v1/models…``), ``"hub"`` or ``None``
    for paths that match nothing. ``resolved`` is the provider the auto-router picked.
    ``status`` is the HTTP status sent, ``None`` if the connection was dropped before headers.
    ``time`` is ``time.monotonic()`` at arrival (compare intervals, e.g. retry back-off).
    ``connection`` is the client's ``(host, port)``: one value per TCP connection, so requests
    sharing it came over a reused (pooled) connection.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    body: bytes
    provider: str | None
    routed: bool
    time: float
    resolved: str | None = None
    status: int | None = None
    connection: tuple[str, int] | None = None

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")
