"""What a person does with a made file: save a copy, copy it, drag it out, show its folder.

Why here: the Images, Video, Speech tabs and the Library all offer the same actions, and each
has a trap: a file dialog's ``exec()`` inside a coroutine breaks qasync (style.md §2.5), so the
dialog is opened with ``open()`` and awaited; copying a 50 MB video or decoding a picture for
the clipboard blocks the loop, so both run in the thread pool; other apps accept a drop either
as a file URL or as image data, so both are offered.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QWidget
from shiboken6 import isValid

from desktop.store.atomic import atomic_copy
from desktop.store.free_names import first_free
from desktop.ui.tasks import run_dialog

RunBlocking = Callable[..., Awaitable[Any]]

_last_folder: dict[str, str] = {}
"""Folder last saved into, per kind of file, for this session."""

PICTURES = QStandardPaths.StandardLocation.PicturesLocation
MOVIES = QStandardPaths.StandardLocation.MoviesLocation
DOCUMENTS = QStandardPaths.StandardLocation.DocumentsLocation


def suggested_name(prompt: str, suffix: str, extra: str = "", *, limit: int = 48) -> str:
    """A file name from the first words of the prompt: ``a-lighthouse-at-dusk-7.png``."""
    words = re.sub(r"[^\w\s-]", "", prompt.lower(), flags=re.UNICODE).split()
    stem = ""
    for word in words:
        candidate = f"{stem}-{word}" if stem else word
        if len(candidate) > limit:
            break
        stem = candidate
    stem = stem or "switchboard"
    if extra:
        stem += f"-{extra}"
    return stem + (suffix if suffix.startswith(".") or not suffix else "." + suffix)


def file_mime_data(path: str, image: QImage | None = None) -> QMimeData:
    """A drag or clipboard payload: the file's URL, plus the picture itself when given."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(path)])
    if image is not None and not image.isNull():
        mime.setImageData(image)
    return mime


_QT_IMAGE = "application/x-qt-image"


class PictureFileMime(QMimeData):
    """A drag payload with the file's URL and the whole picture, read from the file only if
    the receiving app asks for the picture.

    Why not decoded up front: the previews keep only a picture the size it is drawn
    (issue 8), so the full one would have to be decoded when the drag starts, on the GUI
    thread, for nothing when the target takes the file (file managers, browsers, our own
    tabs). Qt asks for the data only when the drop target reads it.
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        self._path = path
        self._image: QImage | None = None
        self.setUrls([QUrl.fromLocalFile(path)])

    def formats(self) -> list[str]:
        return [*super().formats(), _QT_IMAGE]

    def hasFormat(self, mimetype: str) -> bool:
        return mimetype == _QT_IMAGE or super().hasFormat(mimetype)

    def retrieveData(self, mimetype: str, preferred: Any) -> Any:
        if mimetype != _QT_IMAGE:
            return super().retrieveData(mimetype, preferred)
        if self._image is None:
            image = QImage(self._path)
            self._image = image if not image.isNull() else None
        return self._image


async def ask_save_path(
    parent: QWidget, name: str, name_filter: str, location: QStandardPaths.StandardLocation
) -> str | None:
    """A non-blocking "Save as" dialog; the chosen path, or None when cancelled."""
    key = location.name
    folder = _last_folder.get(key) or QStandardPaths.writableLocation(location) or str(Path.home())
    # Suggest a name nothing has yet; replacing a file stays the user's explicit choice.
    dialog = QFileDialog(parent, "Save as", str(first_free(Path(folder) / name)), name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    suffix = Path(name).suffix.lstrip(".")
    if suffix:
        dialog.setDefaultSuffix(suffix)
    try:
        accepted = await run_dialog(dialog) == QFileDialog.DialogCode.Accepted
        chosen = dialog.selectedFiles()
    finally:
        dialog.deleteLater()
    if not accepted or not chosen:
        return None
    _last_folder[key] = str(Path(chosen[0]).parent)
    return chosen[0]


async def save_copy_as(
    parent: QWidget,
    run_blocking: RunBlocking,
    source: str,
    name: str,
    name_filter: str,
    location: QStandardPaths.StandardLocation = PICTURES,
) -> str | None:
    """Ask where, then copy ``source`` there off the loop; the new path, or None if the
    person cancelled. Raises ``OSError`` when the copy fails (the caller says so)."""
    target = await ask_save_path(parent, name, name_filter, location)
    if target is None:
        return None
    await run_blocking(atomic_copy, Path(source), Path(target))
    return target


def _read_image(path: str) -> QImage:
    image = QImage(path)  # QImage is reentrant: fine in a pool thread
    if image.isNull():
        raise OSError(f"{Path(path).name} is not a readable picture")
    return image


async def copy_image(run_blocking: RunBlocking, path: str) -> None:
    """Put the picture (decoded off the loop) and its file URL on the clipboard."""
    image = await run_blocking(_read_image, path)
    mime = file_mime_data(path, image)
    QGuiApplication.clipboard().setMimeData(mime)
    _on_clipboard[:] = [mime]


_on_clipboard: list[QMimeData] = []
"""The clipboard data this app made in Python, while it may still be on the clipboard."""


def hand_over_clipboard() -> None:
    """Before Python shuts down, put what we copied back on the clipboard as data Qt owns.

    Why: a ``QMimeData`` made in Python and still on the clipboard at exit is deleted by Qt's
    own exit handlers after the interpreter is gone, which crashes the app on quit (seen after
    "Copy picture"). The picture stays on the clipboard for a clipboard manager; only the
    file's address, the second form of the same thing, is dropped. Data copied since by
    another app (ours was deleted then) is not touched.
    """
    ours = _on_clipboard[0] if _on_clipboard else None
    _on_clipboard.clear()
    if ours is None or not isValid(ours) or QGuiApplication.instance() is None:
        return
    clipboard = QGuiApplication.clipboard()
    if ours.hasImage():
        clipboard.setImage(QImage(ours.imageData()))
    else:
        clipboard.setText("\n".join(url.toLocalFile() for url in ours.urls()))


def reveal_file(path: str) -> bool:
    """Open the folder that holds ``path`` in the system file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))
