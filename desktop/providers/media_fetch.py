"""Download a media URL a provider returned: no credential, a size cap, a type check, a deadline.

fal, Replicate, Novita and the video APIs answer with a link to the finished file on their CDN
(providers.md §4.10.6). Fetching it is where a token could leak, so this module never takes
headers from the caller: the request carries only ``Accept`` (and the shared client's
``User-Agent``), and redirects are followed by hand, so a CDN bouncing to another host still
gets no credential. Every way the download can go wrong becomes an :class:`AttemptFailed`
with a sentence a person can read (404, wrong type, too large, too slow), classified
``bad_response`` so the engine fails over to the next provider: the file, not the request,
was the problem.

Public API (stable; the video tasks use it too): :class:`MediaLimits` with the presets
:data:`IMAGE`, :data:`VIDEO`, :data:`AUDIO`, :data:`TEXT`; :func:`fetch_media` →
:class:`Fetched`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import urllib.parse
from dataclasses import dataclass, replace

import httpx2

from desktop.core.classify import Failure
from desktop.core.trace import Outcome
from desktop.providers.exchange import AttemptFailed, media_type, transport_failure
from desktop.providers.mime import GENERIC_TYPES, sniff

MAX_REDIRECTS = 5


@dataclass(frozen=True)
class MediaLimits:
    """What a download may be.

    Attributes:
        label: the word used in messages ("image", "video" …).
        accept: media-type prefixes that are acceptable (``"image/"``) or exact types.
        max_bytes: the size cap; larger files are refused before or while downloading.
        timeout_s: the whole download, redirects included (the caller's deadline may be
            sooner, see ``deadline_at``).
    """

    label: str
    accept: tuple[str, ...]
    max_bytes: int
    timeout_s: float

    def with_cap(self, max_bytes: int) -> MediaLimits:
        """The same limits with another size cap (settings may change it)."""
        return replace(self, max_bytes=max_bytes)

    def accepts(self, mime: str) -> bool:
        return any(mime == a or (a.endswith("/") and mime.startswith(a)) for a in self.accept)


IMAGE = MediaLimits("image", ("image/",), 50 * 1024 * 1024, 60.0)
VIDEO = MediaLimits("video", ("video/", "application/mp4"), 200 * 1024 * 1024, 300.0)
AUDIO = MediaLimits("audio", ("audio/", "video/webm", "video/mp4"), 100 * 1024 * 1024, 120.0)
TEXT = MediaLimits("text", ("text/", "application/json"), 5 * 1024 * 1024, 30.0)


@dataclass(frozen=True)
class Fetched:
    """A downloaded file: its bytes, its media type (from the server or sniffed), its URL."""

    data: bytes
    mime: str
    url: str


def _fail(detail: str, status: int | None = None) -> AttemptFailed:
    return AttemptFailed(Failure(Outcome.BAD_RESPONSE, detail, status))


def _article(label: str) -> str:
    return ("an " if label[:1] in "aeiou" else "a ") + label


def _size_text(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.0f} MB"
    return f"{limit / 1024:.0f} KB"


def _check_type(limits: MediaLimits, declared: str, data: bytes) -> str:
    """The file's type if acceptable; a generic or missing type is settled by sniffing."""
    if limits.accepts(declared):
        return declared
    if declared in GENERIC_TYPES:
        sniffed = sniff(data)
        if sniffed is not None and limits.accepts(sniffed):
            return sniffed
        if limits.label == "text":
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                return "text/plain"
    shown = declared or "no type"
    raise _fail(f"the {limits.label} link returned {shown}, not {_article(limits.label)}")


def decode_data_url(url: str, limits: MediaLimits) -> Fetched:
    """A ``data:`` URL (fal may inline small results) decoded locally, same checks."""
    header, sep, payload = url[5:].partition(",")
    if not sep:
        raise _fail(f"the {limits.label} data URL is malformed")
    parts = header.split(";")
    declared = media_type(parts[0]) if parts[0] else "text/plain"
    try:
        if "base64" in (p.strip().lower() for p in parts[1:]):
            data = base64.b64decode(payload, validate=False)
        else:
            data = urllib.parse.unquote_to_bytes(payload)
    except (binascii.Error, ValueError) as exc:
        raise _fail(f"the {limits.label} data URL is not valid base64") from exc
    if len(data) > limits.max_bytes:
        raise _fail(f"the {limits.label} is larger than the {_size_text(limits.max_bytes)} limit")
    return Fetched(data, _check_type(limits, declared, data), "data:")


async def fetch_media(
    client: httpx2.AsyncClient,
    url: str,
    limits: MediaLimits = IMAGE,
    *,
    deadline_at: float | None = None,
) -> Fetched:
    """GET ``url`` without any credential and return the file, or raise :class:`AttemptFailed`.

    ``deadline_at`` (event-loop time) shortens the download to the attempt's own deadline.
    """
    if url.startswith("data:"):
        return decode_data_url(url, limits)
    loop = asyncio.get_running_loop()
    until = loop.time() + limits.timeout_s
    if deadline_at is not None:
        until = min(until, deadline_at)
    try:
        async with asyncio.timeout_at(until):
            return await _download(client, url, limits)
    except TimeoutError as exc:
        raise AttemptFailed(
            Failure(Outcome.TIMEOUT, f"the {limits.label} download did not finish in time")
        ) from exc


async def _download(client: httpx2.AsyncClient, url: str, limits: MediaLimits) -> Fetched:
    # Only Accept: never Authorization, cookies we add, or the caller's headers.
    headers = {"accept": ", ".join(a + "*" if a.endswith("/") else a for a in limits.accept)}
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        scheme = urllib.parse.urlsplit(current).scheme.lower()
        if scheme not in ("http", "https"):
            raise _fail(f"the {limits.label} link is not a web address")
        try:
            async with client.stream("GET", current, headers=headers) as response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise _fail(f"the {limits.label} link redirected nowhere", status)
                    current = str(httpx2.URL(current).join(location))
                    continue
                if status == 404 or status == 410:
                    raise _fail(f"the {limits.label} link returned {status} (not found)", status)
                if status >= 400:
                    raise _fail(f"the {limits.label} download failed with HTTP {status}", status)
                declared = media_type(response.headers.get("content-type", ""))
                if not limits.accepts(declared) and declared not in GENERIC_TYPES:
                    raise _fail(
                        f"the {limits.label} link returned {declared}, not {_article(limits.label)}"
                    )
                data = await _read(response, limits)
                return Fetched(data, _check_type(limits, declared, data), current)
        except httpx2.HTTPError as exc:
            failed = transport_failure(exc)
            # A download follows an answer: something was sent, so this never reads as the
            # machine being offline (that is decided by the provider exchanges alone).
            failed.failure.network = ""
            raise failed from exc
    raise _fail(f"the {limits.label} link redirected too many times")


async def _read(response: httpx2.Response, limits: MediaLimits) -> bytes:
    too_big = _fail(f"the {limits.label} is larger than the {_size_text(limits.max_bytes)} limit")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise too_big
    raw = bytearray()
    async for piece in response.aiter_bytes():
        raw += piece
        if len(raw) > limits.max_bytes:
            raise too_big
    if not raw:
        raise _fail(f"the {limits.label} link returned an empty file")
    return bytes(raw)
