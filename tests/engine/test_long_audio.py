"""Long recordings: cut at silences into parts every candidate takes, each part routed with
failover, progress per part, one stitched transcript whose subtitles stay in order across
part boundaries. Real HTTP against the emulator; real WAV (and MP3 through ffmpeg)."""

from __future__ import annotations

import base64
import io
import itertools
import math
import re
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import pytest

from desktop.core.media_types import MediaResult, PartProgress, TranscribeRequest
from desktop.core.media_types import TranscriptChunk as Chunk
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.engine.audio_split import AudioLimit, Part, find_cuts, part_seconds, split
from desktop.engine.long_audio import Heard, stitch
from desktop.engine.transcripts import to_srt, to_vtt
from desktop.services import Services
from tests.emulator import Emulator
from tests.emulator.media_models import WHISPER
from tests.fast_polls import FAST_POLL

RATE = 8000
TONE_S = 1.5
GAP_S = 0.5
BURSTS = 4
"""Four 1.5 s tones with 0.5 s of silence between them: 7.5 s, silences at 1.5-2.0, 3.5-4.0 …"""

SHORT = AudioLimit(max_bytes=50 * 1024 * 1024, max_seconds=2.5)


def bursts(bursts: int = BURSTS, rate: int = RATE) -> bytes:
    samples: list[int] = []
    for i in range(bursts):
        samples += [
            int(9000 * math.sin(2 * math.pi * 300 * n / rate)) for n in range(int(TONE_S * rate))
        ]
        if i < bursts - 1:
            samples += [0] * int(GAP_S * rate)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return out.getvalue()


def silences() -> list[tuple[float, float]]:
    return [(TONE_S * (i + 1) + GAP_S * i, (TONE_S + GAP_S) * (i + 1)) for i in range(BURSTS - 1)]


def sent_parts(emulator: Emulator, provider: str) -> list[bytes]:
    out = []
    for req in emulator.requests_for(provider):
        if provider == "fal-ai":
            out.append(base64.b64decode(req.json["audio_url"].partition(",")[2]))
        else:
            out.append(req.body)
    return out


def seconds_of(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()


def to_mp3(wav: Path) -> Path:
    mp3 = wav.with_name("podcast.mp3")
    cmd = ["ffmpeg", "-v", "error", "-y", "-i", str(wav), str(mp3)]
    subprocess.run(cmd, check=True, timeout=60)
    return mp3


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


async def hear(
    services: Services,
    path: Path,
    provider: str = "fal-ai",
    progress: list[PartProgress] | None = None,
) -> MediaResult:
    services.speech.poll = FAST_POLL
    services.speech.audio_limits = {"fal-ai": SHORT, "hf-inference": SHORT, "replicate": SHORT}
    return await services.speech.transcribe(
        TranscribeRequest(model=WHISPER, audio_path=str(path), provider=provider),
        on_part=None if progress is None else progress.append,
    )


# --- cutting ------------------------------------------------------------------------------------


def test_cuts_fall_inside_the_silences_and_parts_fit_the_limit() -> None:
    data = bursts()
    with wave.open(io.BytesIO(data)) as w:
        samples = struct.unpack(f"<{w.getnframes()}h", w.readframes(w.getnframes()))
    cuts = [c / RATE for c in find_cuts(samples, RATE, 2.5)]
    assert len(cuts) == BURSTS - 1
    for cut, (quiet_from, quiet_to) in zip(cuts, silences(), strict=True):
        assert quiet_from <= cut <= quiet_to
    bounds = [0.0, *cuts, len(samples) / RATE]
    assert all(b - a <= 2.5 for a, b in itertools.pairwise(bounds))


def test_the_size_limit_shortens_parts_too() -> None:
    assert part_seconds(AudioLimit(max_bytes=1024 + 2 * 16000 * 3, max_seconds=600)) == 3.0
    assert part_seconds(AudioLimit(max_bytes=10**9, max_seconds=4.0)) == 4.0


def test_stitching_moves_times_by_each_offset_and_times_parts_without_timestamps() -> None:
    first = Part(0, 0.0, 2.0, b"")
    second = Part(1, 2.0, 3.0, b"")
    text, cues = stitch(
        [
            Heard(first, "One. Two.", [Chunk(0.0, 1.0, "One."), Chunk(1.0, 2.0, "Two.")]),
            Heard(second, "Five. Four.", []),  # no timestamps from this provider
        ]
    )
    assert text == "One. Two. Five. Four."
    assert [(c.start, c.end, c.text) for c in cues] == [
        (0.0, 1.0, "One."),
        (1.0, 2.0, "Two."),
        (2.0, 3.5, "Five."),
        (3.5, 5.0, "Four."),
    ]


# --- through the engine --------------------------------------------------------------------------


async def test_a_long_recording_is_sent_in_parts_and_stitched_with_progress(
    open_services, emulator: Emulator, tmp_path: Path
) -> None:
    services = await open_services()
    path = write(tmp_path / "interview.wav", bursts())
    progress: list[PartProgress] = []
    result = await hear(services, path, progress=progress)
    assert result.status == Status.COMPLETE, result.error
    parts = sent_parts(emulator, "fal-ai")
    assert len(parts) == BURSTS
    assert all(seconds_of(p) <= 2.5 for p in parts)
    assert sum(seconds_of(p) for p in parts) == pytest.approx(7.5, abs=0.01)
    assert [(p.done, p.total) for p in progress] == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert result.params["parts"] == BURSTS
    # One transcript: each part's two sentences, times on the recording's clock, in order.
    assert result.text == " ".join(["Hello from fal-ai. This is a test recording."] * BURSTS)
    starts = [c.start for c in result.chunks]
    assert starts == sorted(starts) and len(result.chunks) == 2 * BURSTS
    assert result.chunks[-1].end == pytest.approx(7.5, abs=0.01)
    offsets = [0.0] + [p.offset_s for p in progress[1:BURSTS]]
    for i, offset in enumerate(offsets):
        assert result.chunks[2 * i].start == pytest.approx(offset, abs=0.01)
    # Subtitles across boundaries: no cue goes back in time or overlaps the next.
    srt_times = re.findall(
        r"(\d\d:\d\d:\d\d,\d\d\d) --> (\d\d:\d\d:\d\d,\d\d\d)", to_srt(result.chunks, result.text)
    )
    flat = [t for pair in srt_times for t in pair]
    assert flat == sorted(flat) and len(srt_times) == 2 * BURSTS
    assert "00:00:07.500" in to_vtt(result.chunks, result.text)


async def test_each_part_fails_over_on_its_own(
    open_services, emulator: Emulator, tmp_path: Path
) -> None:
    services = await open_services()
    services.settings.set_order(["hf-inference", "fal-ai"])
    emulator.fault("hf-inference", "status", status=503)  # every time
    result = await hear(services, write(tmp_path / "talk.wav", bursts()), provider="auto")
    assert result.status == Status.COMPLETE, result.error
    attempts = [(a.provider, a.outcome) for a in result.trace.attempts]
    assert attempts[:2] == [("hf-inference", Outcome.SERVER_ERROR), ("fal-ai", Outcome.OK)]
    assert attempts.count(("fal-ai", Outcome.OK)) == BURSTS  # every part, once
    assert {o for p, o in attempts if p == "hf-inference"} == {Outcome.SERVER_ERROR}
    assert len(sent_parts(emulator, "fal-ai")) == BURSTS
    assert result.provider == "fal-ai"


async def test_a_part_no_provider_takes_fails_the_whole_and_says_which(
    open_services, emulator: Emulator, tmp_path: Path
) -> None:
    services = await open_services()
    emulator.fault("fal-ai", "status", status=503)  # every time
    result = await hear(services, write(tmp_path / "talk.wav", bursts()))
    assert result.status == Status.FAILED
    assert result.error and result.error.startswith("Part 1 of 4 (from 0:00) could not be")
    assert result.trace.attempts and all(
        a.outcome == Outcome.SERVER_ERROR for a in result.trace.attempts
    )


async def test_short_audio_is_sent_whole(open_services, emulator: Emulator, tmp_path: Path) -> None:
    services = await open_services()
    data = bursts(1)
    result = await hear(services, write(tmp_path / "short.wav", data))
    assert result.status == Status.COMPLETE and "parts" not in result.params
    assert sent_parts(emulator, "fal-ai") == [data]


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
async def test_a_long_mp3_is_decoded_and_cut_too(
    open_services, emulator: Emulator, tmp_path: Path
) -> None:
    mp3 = to_mp3(write(tmp_path / "source.wav", bursts()))
    services = await open_services()
    result = await hear(services, mp3)
    assert result.status == Status.COMPLETE, result.error
    parts = sent_parts(emulator, "fal-ai")
    assert len(parts) >= 3 and all(seconds_of(p) <= 2.5 for p in parts)
    assert result.files[0].path.endswith(".mp3")  # the original is kept, not the parts


def test_split_needs_audio(tmp_path: Path) -> None:
    from desktop.core.errors import SwitchboardError

    with pytest.raises(SwitchboardError, match="could not be decoded"):
        split(tmp_path / "junk.mp3", b"not audio at all" * 100, SHORT)
