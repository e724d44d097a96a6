"""The static media host (``GET /media/{name}``) and real sample files for every media task.

Providers that answer with a link (fal, Replicate, the video APIs) publish the file here and
return ``http://127.0.0.1:<port>/media/<name>``, exactly like a CDN link: no credential is
needed, and any ``Authorization`` a client sends shows up in the record (tests assert there is
none). Faults on the ``"media"`` target apply to the next downloads: ``status`` (404 …),
``reset``/``silent``, ``corrupt`` (half the file), ``wrong_type`` (``text/html`` unless
``content_type`` says otherwise), ``oversize`` (``size`` bytes; ``chunked=True`` sends no
``Content-Length``, so the client must count) and ``redirect`` (302 to ``location``, by default
the same file, as CDNs bounce to a signed URL).

Samples are real files: pictures drawn with Pillow (deterministic per prompt and seed), WAV
written with :mod:`wave`, MP4 made once with ffmpeg when it is installed (a minimal ``ftyp``
box otherwise). Other emulator modules use :func:`host_for` to publish.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import math
import shutil
import struct
import subprocess
import tempfile
import threading
import wave
import weakref
from pathlib import Path

from aiohttp import web
from PIL import Image, ImageDraw

from .faults import Fault, early
from .state import State

MAX_DRAW_SIDE = 1024
DEFAULT_SIDE = 256


class MediaHost:
    """Files published by the emulated providers, by name (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, tuple[bytes, str]] = {}

    def put(self, data: bytes, content_type: str, suffix: str = "") -> str:
        """Keep a file and return its name (content-addressed, so publishing is idempotent)."""
        name = hashlib.sha256(data).hexdigest()[:24] + suffix
        with self._lock:
            self._files[name] = (data, content_type)
        return name

    def get(self, name: str) -> tuple[bytes, str] | None:
        with self._lock:
            return self._files.get(name)

    def publish(
        self, request: web.Request, data: bytes, content_type: str, suffix: str = ""
    ) -> str:
        """Keep a file and return its absolute URL on the host the request came to."""
        return f"{request.scheme}://{request.host}/media/{self.put(data, content_type, suffix)}"


_HOSTS: weakref.WeakKeyDictionary[State, MediaHost] = weakref.WeakKeyDictionary()
_HOSTS_LOCK = threading.Lock()


def host_for(state: State) -> MediaHost:
    """The media host of one emulator (one per :class:`State`)."""
    with _HOSTS_LOCK:
        host = _HOSTS.get(state)
        if host is None:
            host = _HOSTS[state] = MediaHost()
        return host


# -- samples ---------------------------------------------------------------------------------


def _side(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return min(value, MAX_DRAW_SIDE)
    return DEFAULT_SIDE


def picture(
    prompt: str, seed: int | None, width: object = None, height: object = None, fmt: str = "PNG"
) -> bytes:
    """A real picture, different for every (prompt, seed): a gradient and a few shapes."""
    w, h = _side(width), _side(height)
    digest = hashlib.sha256(f"{prompt}|{seed}".encode()).digest()
    img = Image.new("RGB", (w, h), tuple(digest[:3]))
    draw = ImageDraw.Draw(img)
    for i in range(4):
        x0, y0 = digest[4 + i] * w // 256, digest[8 + i] * h // 256
        x1, y1 = x0 + max(4, w // 4), y0 + max(4, h // 4)
        draw.ellipse((x0, y0, x1, y1), fill=tuple(digest[12 + i * 3 : 15 + i * 3]))
    out = io.BytesIO()
    img.save(out, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()


def corrupt(data: bytes) -> bytes:
    """The first half of a file: what a cut transfer or a broken encoder leaves behind."""
    return data[: max(1, len(data) // 2)]


def wav_bytes(seconds: float = 1.0, rate: int = 16000, freq: float = 440.0) -> bytes:
    """A mono 16-bit sine tone."""
    frames = int(seconds * rate)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate)))
                for i in range(frames)
            )
        )
    return out.getvalue()


def wav_seconds(data: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(data)) as w:
            return w.getnframes() / w.getframerate()
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


@functools.cache
def mp4_bytes() -> bytes:
    """A one-second 64×64 H.264 MP4 (ffmpeg), or a bare ``ftyp`` box without ffmpeg."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "clip.mp4"
            done = subprocess.run(
                [
                    ffmpeg,
                    "-loglevel",
                    "error",
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc=size=64x64:rate=8",
                    "-t",
                    "1",
                    "-pix_fmt",
                    "yuv420p",
                    "-movflags",
                    "+faststart",
                    str(out),
                ],
                capture_output=True,
                timeout=60,
                check=False,
            )
            if done.returncode == 0 and out.is_file():
                return out.read_bytes()
    return struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isommp41"


# -- the host's route -----------------------------------------------------------------------


class MediaRoutes:
    """``GET /media/{name}``: the files of :func:`host_for`, with the ``"media"`` faults."""

    def __init__(self, state: State, stop: asyncio.Event) -> None:
        self.state = state
        self.stop = stop
        self.host = host_for(state)

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/media/{name}", self.serve)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        fault = self.state.take_fault("media")
        name = request.match_info["name"]
        faulty = await early(request, self.stop, fault, name, {})
        if faulty is not None:
            return faulty
        found = self.host.get(name)
        if found is None:
            return web.Response(status=404, text="Not Found", content_type="text/plain")
        if fault is not None and fault.kind == "redirect":
            location = str(fault.params.get("location", f"/media/{name}"))
            return web.Response(status=302, headers={"Location": location})
        data, content_type = found
        return await self._send(request, data, content_type, fault)

    @staticmethod
    async def _send(
        request: web.Request, data: bytes, content_type: str, fault: Fault | None
    ) -> web.StreamResponse:
        kind = fault.kind if fault else None
        if fault is not None and kind == "corrupt":
            data = corrupt(data)
        if fault is not None and kind == "wrong_type":
            content_type = str(fault.params.get("content_type", "text/html"))
            if content_type.startswith("text/html"):
                data = b"<html><body>Access denied</body></html>"
        if fault is not None and kind == "oversize":
            size = int(fault.params.get("size", 64 * 1024 * 1024))
            data = (data + b"\0" * size)[:size]
            if fault.params.get("chunked"):
                resp = web.StreamResponse(status=200)
                resp.content_type = content_type
                resp.enable_chunked_encoding()
                await resp.prepare(request)
                step = 256 * 1024
                try:
                    for at in range(0, len(data), step):
                        await resp.write(data[at : at + step])
                    await resp.write_eof()
                except ConnectionError:  # the client stopped reading at its cap: fine
                    pass
                return resp
        return web.Response(status=200, body=data, content_type=content_type)


def spoken_wav(path: Path, sentence: str) -> Path:
    """``sentence`` spoken by espeak-ng into ``path`` (a WAV), or a 2 s tone when espeak-ng is
    not installed, so speech tests run on machines without it."""
    espeak = shutil.which("espeak-ng")
    if espeak:
        subprocess.run(
            [espeak, "-w", str(path), sentence], check=True, capture_output=True, timeout=30
        )
    else:
        path.write_bytes(wav_bytes(2.0))
    return path
