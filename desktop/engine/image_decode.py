"""Is this really an image? The commit point of text-to-image (routing.md §5.4).

Blocking (Pillow): call it in an executor. ``verify()`` catches broken PNG chunks and CRCs;
a full ``load()`` then catches truncated JPEG/WebP data that ``verify`` lets through. Pillow's
decompression-bomb guard raises for absurd sizes; anything larger than :data:`MAX_PIXELS` is
refused here too, because no provider makes a 100-megapixel picture on purpose.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from desktop.providers.exchange import bad_response

MAX_PIXELS = 64_000_000


@dataclass(frozen=True)
class DecodedImage:
    mime: str
    width: int
    height: int
    format: str


def decode_image(data: bytes, max_pixels: int = MAX_PIXELS) -> DecodedImage:
    """Size and type of ``data``, or :class:`AttemptFailed` (``bad_response``) when it is not
    a whole, readable image."""
    from PIL import Image, UnidentifiedImageError  # Pillow stays off the start-up path

    if not data:
        raise bad_response("the image was empty")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            width, height = probe.size
            if width * height <= max_pixels:
                probe.verify()
        if width * height <= max_pixels:
            with Image.open(io.BytesIO(data)) as img:
                img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise bad_response("the image has too many pixels to be a real picture") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise bad_response("the image file is corrupt or truncated") from exc
    if width * height > max_pixels:
        raise bad_response(f"the image is {width}×{height}, too many pixels to be a real picture")
    mime = Image.MIME.get(fmt, "")
    if not mime.startswith("image/"):
        raise bad_response("the answer was not a picture")
    return DecodedImage(mime, width, height, fmt)
