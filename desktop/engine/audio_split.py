"""Long recordings: cut audio at its quiet moments into parts every provider accepts.

Why: a provider takes so many megabytes or minutes per request (an hour-long interview is
refused, or times out), so a long recording is cut into parts that fit the strictest of the
candidate providers, each part transcribed on its own (with failover), and the transcripts
stitched with each part's offset. Cutting in the middle of a word would garble it, so each
cut goes where the sound is quietest (lowest RMS energy over 20 ms frames) in the last
stretch before the limit.

Decoding: mono 16-bit WAV with the standard library; every other format (stereo, other
sample widths) through ``ffmpeg`` to 16 kHz mono (``ffprobe`` measures their length). Parts
are sent as mono 16-bit WAV, which every provider reads. Everything here is blocking: run it
off the event loop.
"""

from __future__ import annotations

import array
import contextlib
import io
import itertools
import math
import shutil
import subprocess
import sys
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import SwitchboardError

PART_RATE = 16_000
"""Samples per second of the parts sent (speech models resample to 16 kHz anyway)."""

FRAME_S = 0.02
SEARCH_FROM = 0.6
"""A cut is looked for in the last 40 % of the longest allowed part."""

FFMPEG_TIMEOUT_S = 600.0
ENERGY_STRIDE = 4
"""Every 4th sample is enough to tell speech from silence, and four times quicker."""


@dataclass(frozen=True)
class AudioLimit:
    """What one provider takes in one transcription request."""

    max_bytes: int
    max_seconds: float


@dataclass
class Pcm:
    """Mono 16-bit samples."""

    samples: array.array[int]
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0


@dataclass
class Part:
    """One piece of a long recording: where it starts in the whole, and its WAV bytes."""

    index: int
    offset_s: float
    duration_s: float
    wav: bytes


def strictest(limits: Sequence[AudioLimit]) -> AudioLimit | None:
    """The limit that fits every one of ``limits`` (None when there are none)."""
    if not limits:
        return None
    return AudioLimit(min(x.max_bytes for x in limits), min(x.max_seconds for x in limits))


def part_seconds(limit: AudioLimit, rate: int = PART_RATE) -> float:
    """The longest part that keeps under both the size and the duration limit (16-bit mono
    WAV at ``rate``)."""
    by_size = (limit.max_bytes - 1024) / (rate * 2)
    return max(1.0, min(limit.max_seconds, by_size))


def _ffmpeg(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SwitchboardError(
            f"This recording is too long to send in one piece, and cutting it needs {name}, "
            "which is not installed; install ffmpeg or convert the file to WAV."
        )
    return found


def probe_seconds(path: Path) -> float | None:
    """The duration ffprobe reports, or None when it cannot tell (or is not installed)."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    try:
        done = subprocess.run(
            [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        value = float(done.stdout.strip())
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def _wav_pcm(data: bytes) -> Pcm | None:
    """Mono 16-bit PCM WAV decoded as it is, or None for anything else (ffmpeg mixes
    channels and converts sample widths much faster than Python would)."""
    with contextlib.suppress(wave.Error, EOFError, ValueError), wave.open(io.BytesIO(data)) as w:
        if w.getsampwidth() != 2 or w.getcomptype() != "NONE" or w.getnchannels() != 1:
            return None
        raw = array.array("h")
        raw.frombytes(w.readframes(w.getnframes()))
        if sys.byteorder == "big":
            raw.byteswap()
        return Pcm(raw, w.getframerate())
    return None


def decode(path: Path, data: bytes) -> Pcm:
    """The recording as mono 16-bit samples (WAV directly, the rest through ffmpeg).

    Raises:
        SwitchboardError: ffmpeg is missing or cannot read the file.
    """
    if path.suffix.lower() == ".wav":
        pcm = _wav_pcm(data)
        if pcm is not None:
            return pcm
    ffmpeg = _ffmpeg("ffmpeg")
    cmd = [ffmpeg, "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1"]
    cmd += ["-ar", str(PART_RATE), "pipe:1"]
    try:
        done = subprocess.run(
            cmd, input=data, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SwitchboardError(f"Could not read {path.name} to cut it into parts: {exc}.") from exc
    if done.returncode != 0 or not done.stdout:
        raise SwitchboardError(
            f"{path.name} could not be decoded to cut it into parts; is it really audio?"
        )
    samples = array.array("h")
    samples.frombytes(done.stdout[: len(done.stdout) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return Pcm(samples, PART_RATE)


def frame_energies(samples: Sequence[int], rate: int) -> list[float]:
    """RMS energy of each 20 ms frame."""
    size = max(1, int(rate * FRAME_S))
    out: list[float] = []
    for start in range(0, len(samples), size):
        frame = samples[start : start + size]
        sampled = frame[::ENERGY_STRIDE] or frame
        out.append(math.sqrt(sum(s * s for s in sampled) / len(sampled)) if sampled else 0.0)
    return out


def find_cuts(samples: Sequence[int], rate: int, max_seconds: float) -> list[int]:
    """Sample indices to cut at so that no part is longer than ``max_seconds``.

    Each cut is the quietest 20 ms frame between 60 % and 100 % of the longest part after
    the previous cut (the middle of the quietest stretch when several tie).
    """
    size = max(1, int(rate * FRAME_S))
    energies = frame_energies(samples, rate)
    max_frames = max(2, int(max_seconds / FRAME_S))
    cuts: list[int] = []
    start = 0
    while len(energies) - start > max_frames:
        lo = start + max(1, int(max_frames * SEARCH_FROM))
        hi = start + max_frames
        window = energies[lo:hi]
        quietest = min(window)
        # The middle of the run of frames as quiet as the quietest (within 10 %).
        quiet = [lo + i for i, e in enumerate(window) if e <= quietest * 1.1 + 1.0]
        runs: list[list[int]] = []
        for frame in quiet:
            if runs and frame == runs[-1][-1] + 1:
                runs[-1].append(frame)
            else:
                runs.append([frame])
        best = max(runs, key=len)
        cut = best[len(best) // 2]
        cuts.append(cut * size)
        start = cut
    return [c for c in cuts if 0 < c < len(samples)]


def wav_bytes(samples: Sequence[int], rate: int) -> bytes:
    out = io.BytesIO()
    data = array.array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())
    return out.getvalue()


def split(path: Path, data: bytes, limit: AudioLimit) -> list[Part]:
    """Blocking: ``data`` (the file at ``path``) cut at silences into parts within ``limit``.

    Raises:
        SwitchboardError: the audio cannot be decoded (or ffmpeg is missing).
    """
    pcm = decode(path, data)
    if not pcm.samples:
        raise SwitchboardError(f"{path.name} holds no sound to transcribe.")
    cuts = find_cuts(pcm.samples, pcm.rate, part_seconds(limit, pcm.rate))
    bounds = [0, *cuts, len(pcm.samples)]
    parts: list[Part] = []
    for index, (a, b) in enumerate(itertools.pairwise(bounds)):
        piece = pcm.samples[a:b]
        parts.append(Part(index, a / pcm.rate, (b - a) / pcm.rate, wav_bytes(piece, pcm.rate)))
    return parts
