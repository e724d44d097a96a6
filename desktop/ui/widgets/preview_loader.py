"""A picture preview kept decoded at the size it is drawn, decoded again when it grows.

Why (issue 8, "thumbnails decoded at display size"): the Images and Library previews held
the chosen picture decoded at up to 2048 px — 4 MiB for a 1024² picture shown at about
400 px — plus its scaled copy. A :class:`PreviewLoader` decodes the picture for the box the
:class:`~desktop.ui.widgets.image_view.ImagePreview` draws it in (widget × device pixel
ratio, never more than the picture), in the pool, and decodes it again when the preview
asks for a sharper one (the window maximised, the picture opened large) or, made much
smaller, for a smaller one. Meanwhile the picture already decoded stays shown, scaled; the
newest request wins. Actions that need the whole
picture (copy, save, drag out) read the file themselves.

Use::

    loader = PreviewLoader(preview, services.run_blocking, scope, slot="preview-redecode")
    fitted = await loader.decode(path)                 # raises ImageLoadError
    preview.set_image(fitted.image, path, full_size(fitted))
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QSize, QTimer
from shiboken6 import isValid

from desktop.ui.memory import trim_soon
from desktop.ui.tasks import TaskScope
from desktop.ui.widgets.image_view import ImagePreview
from desktop.ui.widgets.thumbnails import FittedImage, ImageLoadError, RunBlocking, load_fitted

log = logging.getLogger(__name__)

SETTLE_MS = 120
"""A resize this long without another one is settled: decode for it."""


def full_size(fitted: FittedImage) -> QSize:
    """The whole picture's size, as the preview takes it."""
    return QSize(fitted.full_width, fitted.full_height)


class PreviewLoader(QObject):
    """Decodes pictures for one :class:`ImagePreview` at the size it draws them.

    Owned by the preview (it goes away with it); tasks run in the page's ``scope`` under
    ``slot``, so a newer decode replaces one still running. A resize waits for the size to
    settle (``SETTLE_MS``) so dragging a window's edge does not queue a decode per step.
    """

    def __init__(
        self, preview: ImagePreview, run_blocking: RunBlocking, scope: TaskScope, slot: str
    ) -> None:
        super().__init__(preview)
        self._preview = preview
        self._run = run_blocking
        self._scope = scope
        self._slot = slot
        self._asked: tuple[str, QSize] | None = None
        """The decode under way: its file and box (the same ask is not repeated)."""
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._redecode)
        preview.redecode_wanted.connect(self._settle.start)

    async def decode(self, path: str) -> FittedImage:
        """``path`` decoded for the preview's current box (blocking work in the pool).

        Raises :class:`ImageLoadError` (missing, damaged, not a picture).
        """
        box = self._preview.decode_box()
        fitted: FittedImage = await self._run(load_fitted, path, box.width(), box.height())
        return fitted

    def _redecode(self) -> None:
        preview = self._preview
        path = preview.path
        if not path or self._scope.closed or not preview.needs_redecode():
            return
        box = preview.decode_box()
        if self._asked == (path, box):
            return  # this decode is already under way
        self._asked = (path, box)
        self._scope.spawn(self._decode_again(path, box), slot=self._slot)

    async def _decode_again(self, path: str, box: QSize) -> None:
        try:
            fitted = await self._run(load_fitted, path, box.width(), box.height())
        except ImageLoadError as exc:
            log.info("No new decode of the picture: %s", exc)  # the one shown stays
            return
        finally:
            if isValid(self) and self._asked == (path, box):
                self._asked = None
        preview = self._preview
        if not isValid(preview) or preview.path != path or preview.image is None:
            return  # another picture is shown now
        preview.set_image(fitted.image, path, full_size(fitted))
        trim_soon()  # the decode it replaces goes back to the system
        if preview.needs_redecode():
            self._settle.start()  # resized again meanwhile
