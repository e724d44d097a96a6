"""Pictures decoded off the event loop: scaled loads and a small in-memory thumbnail cache.

Why (style.md §2.4, §3.3): decoding a 1024² PNG takes tens of milliseconds, longer than a
frame, and a gallery asks for dozens at once. Pillow decodes in the thread pool (its JPEG
draft mode and ``thumbnail()`` decode at reduced scale; its decompression-bomb guard stays
on), producing a ``QImage`` — safe to build in any thread, unlike ``QPixmap`` — that the GUI
thread turns into a pixmap. The cache loads the most recently asked-for picture first (a LIFO
queue), so the rows in view win over the ones scrolled past, and keeps at most ``limit_bytes``
of pixmaps.

Use::

    cache = ThumbnailCache(services.run_blocking, scope, size=160)
    cache.ready.connect(model.on_thumbnail_ready)     # path
    pixmap = cache.get(path)                           # None: loading, ask again on ready
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from shiboken6 import isValid

from desktop.core.errors import SwitchboardError
from desktop.store.file_reads import check_regular
from desktop.ui.memory import trim_soon
from desktop.ui.tasks import TaskScope

log = logging.getLogger(__name__)

_RETRY_MS = 50
_ORIENTATION = 0x0112
"""The EXIF tag that says how the camera was turned."""
RunBlocking = Callable[..., Awaitable[Any]]
"""``services.run_blocking``: run a blocking callable in the app's thread pool."""


class ImageLoadError(SwitchboardError, ValueError):
    """A file that is not a readable picture (missing, corrupt, truncated, too large)."""


def load_scaled(path: str, max_side: int) -> QImage:
    """Decode ``path`` no larger than ``max_side`` on its longer side (blocking).

    EXIF orientation is applied; transparency is kept. Raises :class:`ImageLoadError`.
    """
    return load_fitted(path, max_side, max_side).image


@dataclass(frozen=True)
class FittedImage:
    """A picture decoded to fit a box, and the size of the whole picture (oriented)."""

    image: QImage
    full_width: int
    full_height: int


_ROTATED = (5, 6, 7, 8)
"""EXIF orientations that turn the picture a quarter: its width and height swap."""


def load_fitted(path: str, width: int, height: int) -> FittedImage:
    """Decode ``path`` to fit ``width`` × ``height`` pixels, never enlarged (blocking).

    Why the full size comes back too: a preview decoded at the size it is drawn still lays
    the picture out (aspect, "never blow a small picture up") by its real size, and knows
    whether a larger panel would show more detail. Raises :class:`ImageLoadError`.
    """
    from PIL import Image, ImageOps  # imported here: keeps Pillow out of the start-up path

    width, height = max(1, width), max(1, height)
    try:
        check_regular(Path(path))  # never open a FIFO (it blocks) or a device
        with Image.open(path) as img:
            full_width, full_height = img.size
            if img.getexif().get(_ORIENTATION, 1) in _ROTATED:
                full_width, full_height = full_height, full_width
            side = max(width, height)
            img.draft("RGB", (side, side))  # JPEG: decode at a reduced scale
            oriented = ImageOps.exif_transpose(img)
            oriented.thumbnail((width, height), Image.Resampling.LANCZOS)
            rgba = oriented.convert("RGBA")
            data = rgba.tobytes("raw", "RGBA")
            w, h = rgba.size
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageLoadError(f"{path}: {exc}") from exc
    # .copy(): the QImage must own its pixels, not borrow the Python bytes.
    image = QImage(data, w, h, w * 4, QImage.Format.Format_RGBA8888).copy()
    return FittedImage(image, full_width, full_height)


class ThumbnailCache(QObject):
    """Square-bounded thumbnails by file path, decoded in the pool, newest request first.

    Signals:
        ready(str): the thumbnail of this path is now cached (or failed for good).
    """

    ready = Signal(str)

    def __init__(
        self,
        run_blocking: RunBlocking,
        scope: TaskScope,
        *,
        size: int = 160,
        limit_bytes: int = 48 * 1024 * 1024,
        workers: int = 2,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._run = run_blocking
        self._scope = scope
        self.size = size
        self._limit = limit_bytes
        self._bytes = 0
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._failed: set[str] = set()
        self._queue: list[str] = []
        self._queued: set[str] = set()
        self._workers: set[asyncio.Task[None]] = set()
        self._max_workers = workers
        self._retry_armed = False

    def get(self, path: str) -> QPixmap | None:
        """The cached thumbnail, or None (a load is scheduled unless it failed before)."""
        pixmap = self._pixmaps.get(path)
        if pixmap is not None:
            self._pixmaps.move_to_end(path)
            return pixmap
        if path and path not in self._failed:
            self._request(path)
        return None

    def failed(self, path: str) -> bool:
        """True when the file could not be decoded (show a "missing" mark instead)."""
        return path in self._failed

    # --- Internals ------------------------------------------------------------------------

    def _request(self, path: str) -> None:
        if path in self._queued:
            self._queue.remove(path)  # move to the top: the newest request wins
        self._queue.append(path)
        self._queued.add(path)
        self._kick()

    def _kick(self) -> None:
        """Start workers for the queue.

        Requests come from painting. In the app every paint happens inside the running
        asyncio loop; a paint outside it (a test harness pumping Qt events between loop
        runs) must not start a task there, so the start is retried shortly, from the loop.
        """
        if not self._queue or self._scope.closed or len(self._workers) >= self._max_workers:
            return
        if not self._in_loop():
            return
        while self._queue and len(self._workers) < self._max_workers:
            worker = self._scope.spawn(self._work())
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)

    def _in_loop(self) -> bool:
        """True inside the running loop; otherwise a retry is armed."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if not self._retry_armed:
                self._retry_armed = True
                QTimer.singleShot(_RETRY_MS, self._retry)
            return False
        return True

    def _retry(self) -> None:
        self._retry_armed = False
        if isValid(self):
            self._kick()

    async def _work(self) -> None:
        while self._queue:
            if not self._in_loop():
                return
            path = self._queue.pop()
            self._queued.discard(path)
            if path in self._pixmaps:
                continue
            try:
                image = await self._run(load_scaled, path, self.size)
            except ImageLoadError as exc:
                log.info("No thumbnail: %s", exc)
                self._failed.add(path)
                image = None
            if not isValid(self):
                return
            if image is not None:
                self._store(path, QPixmap.fromImage(image))
            self.ready.emit(path)
        trim_soon()  # the decoders' freed memory goes back to the system (issue 8)

    def _store(self, path: str, pixmap: QPixmap) -> None:
        self._pixmaps[path] = pixmap
        self._bytes += _cost(pixmap)
        while self._bytes > self._limit and len(self._pixmaps) > 1:
            _, old = self._pixmaps.popitem(last=False)
            self._bytes -= _cost(old)


def _cost(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * 4
