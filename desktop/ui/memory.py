"""Giving freed memory back to the system after a burst of work (pictures, a long answer).

Why (issue 8): glibc keeps memory freed by a thread in that thread's own arena. Decoding
twenty pictures in the pool leaves tens of MiB resident long after the pixels are gone. Two
remedies, both no-ops where glibc is absent: fewer arenas for threads started from now on
(one, :func:`limit_arenas`, called once at start-up), and ``malloc_trim`` shortly after a burst
ends (:func:`trim_soon`, debounced so a burst costs one trim, on the GUI thread when idle).

Why the trim also empties :mod:`linecache`: PySide6's import hook (``shibokensupport``'s
``feature_imported``) asks ``inspect.getsource`` of every module imported after Qt whether it
uses PySide6, and ``inspect`` keeps each source file in ``linecache`` for good: about 12 MiB
of text lines after start-up, a fifth of a bare window's memory. Nothing needs them; a
traceback reads its few lines again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import linecache
import logging
import sys
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QTimer

log = logging.getLogger(__name__)

M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter for the number of malloc arenas."""
ARENAS = 1
"""One arena for every thread: memory freed by the pool (thumbnails decoded, the engine and
its HTTP client made on first use) is then reused by the GUI thread instead of staying in a
second arena: 113 MiB after the bench's pictures and long answer, against 117–121 MiB with
two arenas (which of the two a run ended with varied). The threads are few and Python's own
lock already serialises most of their allocations."""
TRIM_DELAY_MS = 1000


@lru_cache(maxsize=1)
def _glibc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):  # musl or another libc: nothing to do
        return None
    return libc


def limit_arenas(count: int = ARENAS) -> None:
    """Let threads share ``count`` malloc arenas instead of one each (call before the pool)."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, count)


def trim() -> None:
    """Drop the source lines cached by imports, and return free heap memory to the system
    now (a few milliseconds)."""
    linecache.clearcache()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


_timer: QTimer | None = None


def trim_soon() -> None:
    """Trim once, :data:`TRIM_DELAY_MS` after the last call (a burst costs one trim)."""
    global _timer
    if _glibc() is None:
        return
    if _timer is None:
        _timer = QTimer()
        _timer.setSingleShot(True)
        _timer.setInterval(TRIM_DELAY_MS)
        _timer.timeout.connect(trim)
    _timer.start()
