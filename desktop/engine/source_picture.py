"""Reading the start picture of "change a picture" and "animate a picture", before anything is sent.

Why here and not at the provider: a file that is not a picture, or a decompression bomb (a few
kilobytes that claim a billion pixels), must be refused with one sentence on this machine, and
no provider may receive it. The file is read through
:func:`desktop.store.file_reads.read_limited` (regular files only, a size cap), then Pillow
checks it with its decompression-bomb guard at :data:`MAX_PIXELS`. Blocking: call it off the
event loop.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from desktop.core.errors import SwitchboardError
from desktop.core.media_types import SourceImage
from desktop.store.file_reads import FileReadError, read_limited

MAX_SOURCE_BYTES = 20 * 1024 * 1024
"""Providers take start pictures of a few megabytes inline; 20 MB covers any real photo."""

MAX_PIXELS = 40_000_000
"""About 40 megapixels: larger than any camera photo people edit, far below a bomb."""

ACCEPTED = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


class BadSourcePicture(SwitchboardError):
    """The start picture cannot be used; nothing was sent."""


def load_source(path: str | Path) -> SourceImage:
    """Blocking: the checked start picture at ``path``, or :class:`BadSourcePicture`."""
    file = Path(path)
    try:
        data = read_limited(file, MAX_SOURCE_BYTES, advice="pick a smaller picture")
    except FileReadError as exc:
        raise BadSourcePicture(str(exc)) from exc
    return check_source(data, file.name)


def check_source(data: bytes, name: str = "The start picture") -> SourceImage:
    """Blocking: ``data`` as a start picture (type and size checked, fully decoded)."""
    from PIL import Image, UnidentifiedImageError  # on first use: idle memory (issue 8)

    if not data:
        raise BadSourcePicture(f"{name} is empty; pick a picture.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise BadSourcePicture(_too_big(name, width, height))
                probe.load()
    except BadSourcePicture:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadSourcePicture(
            f"{name} claims too many pixels to be a real picture; pick another one."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadSourcePicture(
            f"{name} is not a picture Switchboard can read (PNG, JPEG, WebP or GIF)."
        ) from exc
    mime = ACCEPTED.get(fmt)
    if mime is None:
        raise BadSourcePicture(f"{name} is a {fmt or 'unknown'} file; use PNG, JPEG, WebP or GIF.")
    return SourceImage(data, mime, width, height)


def _too_big(name: str, width: int, height: int) -> str:
    return (
        f"{name} is {width}×{height} pixels, more than Switchboard sends "
        f"({MAX_PIXELS // 1_000_000} megapixels); make it smaller first."
    )
