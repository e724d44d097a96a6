"""Why a connection could not be opened: no DNS answer, no route, or refused.

Why: an offline machine fails every request at connect time, and those failures must not be
held against the providers (:func:`desktop.core.classify.looks_offline`). httpx2 wraps the
socket error it met (``socket.gaierror``, ``ConnectionRefusedError``, an ``OSError`` with
``ENETUNREACH``) under one ``ConnectError``, sometimes behind "All connection attempts
failed"; the cause is found by walking the exception chain.
"""

from __future__ import annotations

import errno
import socket

import httpx2

from desktop.core.classify import NO_NAME, NO_ROUTE, REFUSED

_NO_ROUTE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN}
_CHAIN_LIMIT = 16


def connect_cause(exc: BaseException) -> str:
    """:data:`NO_NAME`, :data:`NO_ROUTE` or :data:`REFUSED` for an ``httpx2.ConnectError``
    whose cause says so; "" for anything else (a reset, a timeout, a cut answer)."""
    if not isinstance(exc, httpx2.ConnectError):
        return ""
    seen: BaseException | None = exc
    for _ in range(_CHAIN_LIMIT):
        if seen is None:
            break
        if isinstance(seen, socket.gaierror):
            return NO_NAME
        if isinstance(seen, ConnectionRefusedError):
            return REFUSED
        if isinstance(seen, OSError) and seen.errno in _NO_ROUTE_ERRNOS:
            return NO_ROUTE
        seen = seen.__cause__ or seen.__context__
    return ""
