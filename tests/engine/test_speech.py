"""Speech-to-text over real HTTP against the emulator: each provider's request (raw bytes,
fal's data-URL labels, Replicate's versioned predictions and output shapes), failover, the
library row, and the TXT/SRT/VTT exports."""

from __future__ import annotations

import base64
import itertools
import re
from pathlib import Path

import pytest

from desktop.core.media_types import MediaResult, TranscribeRequest
from desktop.core.media_types import TranscriptChunk as Chunk
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.engine.speech import FIRST_RESULT_S, first_deadline_for, read_audio
from desktop.engine.transcripts import sentences, timed_cues, to_srt, to_txt, to_vtt
from desktop.providers.mime import fal_audio_label
from desktop.services import Services
from tests.emulator import HF_TOKEN, Emulator, direct_key
from tests.emulator.media import spoken_wav, wav_bytes
from tests.emulator.media_models import WHISPER, WHISPER_VERSION
from tests.emulator.transcriptions import form_parts
from tests.fast_polls import FAST_POLL


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real spoken sentence (espeak-ng), or a tone when espeak-ng is not installed."""
    return spoken_wav(
        tmp_path_factory.mktemp("audio") / "hello.wav", "Hello from Switchboard. This is a test."
    )


async def hear(services: Services, path: Path, provider: str = "auto") -> MediaResult:
    services.speech.poll = FAST_POLL
    return await services.speech.transcribe(
        TranscribeRequest(model=WHISPER, audio_path=str(path), provider=provider)
    )


def contents(path: Path) -> bytes:
    return path.read_bytes()


def transcript(provider: str) -> str:
    return f"Hello from {provider}. This is a test recording."


# --- every provider, its exact request ---------------------------------------------------------


async def test_hf_inference_gets_the_raw_audio_with_its_type(
    open_services, emulator: Emulator, spoken: Path
) -> None:
    services = await open_services()
    result = await hear(services, spoken, "hf-inference")
    assert result.status == Status.COMPLETE and result.text == transcript("hf-inference")
    assert result.chunks == []  # no timestamps without parameters
    (req,) = emulator.requests_for("hf-inference")
    assert req.path == f"/router/hf-inference/models/{WHISPER}"
    assert req.headers["content-type"] == "audio/wav"
    assert req.authorization == f"Bearer {HF_TOKEN}"
    assert req.body == contents(spoken)


@pytest.mark.parametrize("direct", [False, True])
async def test_fal_gets_a_data_url_it_can_read_and_gives_timestamps(
    open_services, emulator: Emulator, spoken: Path, direct: bool
) -> None:
    env = {"FAL_KEY": direct_key("fal-ai")} if direct else {}
    services = await open_services(extra_env=env)
    result = await hear(services, spoken, "fal-ai")
    assert result.status == Status.COMPLETE and result.text == transcript("fal-ai")
    (req,) = emulator.requests_for("fal-ai")
    assert req.path == ("/direct" if direct else "/router") + "/fal-ai/fal-ai/whisper"
    assert req.authorization == (f"Key {direct_key('fal-ai')}" if direct else f"Bearer {HF_TOKEN}")
    label, _, payload = req.json["audio_url"].partition(",")
    assert label == "data:audio/x-wav;base64"
    assert base64.b64decode(payload) == contents(spoken)
    duration = result.files[0].duration_s
    assert duration is not None and duration > 0.5
    assert [c.text for c in result.chunks] == ["Hello from fal-ai.", "This is a test recording."]
    assert result.chunks[0].start == 0.0
    assert result.chunks[-1].end == pytest.approx(duration, abs=0.01)


@pytest.mark.parametrize(
    ("suffix", "hf_type", "fal_label"),
    [
        (".mp3", "audio/mpeg", "audio/mpeg"),
        (".flac", "audio/flac", "audio/flac"),
        (".ogg", "audio/ogg", "audio/ogg"),
        (".m4a", "audio/mp4", "audio/mp4"),
        (".webm", "audio/webm", "video/webm"),
        (".wav", "audio/wav", "audio/x-wav"),
    ],
)
async def test_each_audio_type_is_labelled_for_each_provider(
    open_services, emulator: Emulator, tmp_path: Path, suffix: str, hf_type: str, fal_label: str
) -> None:
    path = tmp_path / f"clip{suffix}"
    path.write_bytes(wav_bytes(0.5) if suffix == ".wav" else b"\x00fake audio frames" * 64)
    services = await open_services()
    assert (await hear(services, path, "hf-inference")).status == Status.COMPLETE
    assert (await hear(services, path, "fal-ai")).status == Status.COMPLETE
    (hf,) = emulator.requests_for("hf-inference")
    assert hf.headers["content-type"] == hf_type
    (fal,) = emulator.requests_for("fal-ai")
    assert fal.json["audio_url"].startswith(f"data:{fal_label};base64,")
    assert fal_audio_label(hf_type) == fal_label


@pytest.mark.parametrize("direct", [False, True])
async def test_replicate_uses_the_pinned_version(
    open_services, emulator: Emulator, spoken: Path, direct: bool
) -> None:
    env = {"REPLICATE_API_TOKEN": direct_key("replicate")} if direct else {}
    services = await open_services(extra_env=env)
    result = await hear(services, spoken, "replicate")
    assert result.status == Status.COMPLETE and result.text == transcript("replicate")
    (req,) = [r for r in emulator.requests_for("replicate") if r.method == "POST"]
    assert req.path == ("/direct" if direct else "/router") + "/replicate/v1/predictions"
    assert req.headers["prefer"] == "wait"
    assert req.json["version"] == WHISPER_VERSION
    label, _, payload = req.json["input"]["audio"].partition(",")
    assert label == "data:audio/wav;base64" and base64.b64decode(payload) == contents(spoken)
    assert [c.text for c in result.chunks] == ["Hello from replicate.", "This is a test recording."]


@pytest.mark.parametrize(
    ("shape", "timestamps"),
    [
        ("transcription", True),
        ("string", False),
        ("list", False),
        ("txt_file", False),
    ],
)
async def test_replicate_output_in_each_shape(
    open_services, emulator: Emulator, spoken: Path, shape: str, timestamps: bool
) -> None:
    emulator.add_model(
        WHISPER,
        {
            "replicate": {
                "providerId": f"openai/whisper:{WHISPER_VERSION}",
                "task": "automatic-speech-recognition",
                "output": shape,
            }
        },
        pipeline_tag="automatic-speech-recognition",
    )
    services = await open_services()
    result = await hear(services, spoken, "replicate")
    assert result.status == Status.COMPLETE and result.text == transcript("replicate")
    assert bool(result.chunks) is timestamps
    downloads = emulator.requests_for("media")
    assert len(downloads) == (1 if shape == "txt_file" else 0)
    assert all(d.authorization is None for d in downloads)


async def test_a_slow_replicate_transcription_is_polled(
    open_services, emulator: Emulator, spoken: Path
) -> None:
    services = await open_services()
    emulator.fault("replicate", "job_pending", polls=2, times=1)
    result = await hear(services, spoken, "replicate")
    assert result.status == Status.COMPLETE
    assert [r.method for r in emulator.requests_for("replicate")] == ["POST", "GET", "GET"]


# --- failover ------------------------------------------------------------------------------------


async def test_fal_unsupported_data_url_fails_over(
    open_services, emulator: Emulator, spoken: Path
) -> None:
    services = await open_services()
    services.settings.set_order(["fal-ai", "hf-inference"])
    emulator.fault("fal-ai", "status", status=400, body={"detail": "Unsupported data URL"}, times=1)
    result = await hear(services, spoken)
    assert result.status == Status.COMPLETE and result.provider == "hf-inference"
    first = result.trace.attempts[0]
    assert (first.provider, first.outcome, first.status_code) == ("fal-ai", Outcome.REJECTED, 400)
    assert first.message == "Unsupported data URL"
    assert result.trace.summary() == "fal refused these settings → HF Inference ✓"


async def test_replicate_422_fails_over(open_services, emulator: Emulator, spoken: Path) -> None:
    services = await open_services()
    services.settings.set_order(["replicate", "fal-ai"])
    emulator.fault("replicate", "status", status=422, times=1)
    result = await hear(services, spoken)
    assert result.status == Status.COMPLETE and result.provider == "fal-ai"
    assert result.trace.attempts[0].outcome == Outcome.REJECTED


async def test_a_server_error_fails_over(open_services, emulator: Emulator, spoken: Path) -> None:
    services = await open_services()
    services.settings.set_order(["hf-inference", "fal-ai"])
    emulator.fault("hf-inference", "status", status=500, times=1)
    result = await hear(services, spoken)
    assert result.provider == "fal-ai"
    assert [a.outcome for a in result.trace.attempts] == [Outcome.SERVER_ERROR, Outcome.OK]


async def test_a_silent_provider_is_left_at_the_deadline(
    open_services, emulator: Emulator, spoken: Path
) -> None:
    services = await open_services()
    services.speech.first_deadline_s = 0.5
    services.settings.set_order(["fal-ai", "hf-inference"])
    emulator.fault("fal-ai", "silent", times=1)
    result = await hear(services, spoken)
    assert result.provider == "hf-inference"
    assert result.trace.attempts[0].outcome == Outcome.TIMEOUT


# --- files, the library ----------------------------------------------------------------------


async def test_the_transcript_and_audio_are_kept_in_the_library(
    open_services, emulator: Emulator, spoken: Path
) -> None:
    services = await open_services()
    result = await hear(services, spoken, "fal-ai")
    row = services.history.get_generation(result.record_id or 0)
    assert row is not None
    assert (row.task, row.prompt, row.text) == (
        "automatic-speech-recognition",
        "hello.wav",
        transcript("fal-ai"),
    )
    assert (row.model, row.provider, row.status) == (WHISPER, "fal-ai", "complete")
    assert [c["text"] for c in row.params["chunks"]] == [c.text for c in result.chunks]
    (audio,) = row.files
    assert contents(Path(audio["path"])) == contents(spoken)
    assert audio["mime"] == "audio/wav" and audio["duration_s"] > 0
    assert services.history.search("recording")[0].generation_id == result.record_id


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("notes.txt", b"hello", "not an audio file"),
        ("empty.wav", b"", "is empty"),
        ("missing.mp3", None, "Could not open"),
    ],
)
async def test_unreadable_files_fail_clearly_without_a_request(
    open_services, emulator: Emulator, tmp_path: Path, name: str, content: bytes | None, words: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    services = await open_services()
    emulator.clear_requests()
    result = await hear(services, path)
    assert result.status == Status.FAILED and words in (result.error or "")
    assert [r for r in emulator.requests if r.provider not in ("hub", "models")] == []


def test_long_recordings_get_more_time() -> None:
    assert first_deadline_for(0) == FIRST_RESULT_S
    assert first_deadline_for(10 * 1024 * 1024) == FIRST_RESULT_S + 200.0


def test_reading_measures_wav_duration(tmp_path: Path) -> None:
    path = tmp_path / "tone.WAV"
    path.write_bytes(wav_bytes(1.5))
    audio = read_audio(path)
    assert audio.mime == "audio/wav" and audio.duration_s == pytest.approx(1.5)


# --- exports ---------------------------------------------------------------------------------

SRT_TIME = r"\d\d:\d\d:\d\d,\d\d\d"
VTT_TIME = r"\d\d:\d\d:\d\d\.\d\d\d"
CHUNKS = [Chunk(0.0, 1.25, "Hello there."), Chunk(1.25, 3723.5, "A very long pause.")]


def test_srt_numbers_cues_with_comma_milliseconds() -> None:
    assert to_srt(CHUNKS) == (
        "1\n00:00:00,000 --> 00:00:01,250\nHello there.\n\n"
        "2\n00:00:01,250 --> 01:02:03,500\nA very long pause.\n"
    )


def test_vtt_has_a_header_and_dot_milliseconds() -> None:
    assert to_vtt(CHUNKS) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.250\nHello there.\n\n"
        "00:00:01.250 --> 01:02:03.500\nA very long pause.\n"
    )


def test_a_missing_end_takes_the_next_start() -> None:
    cues = timed_cues([Chunk(0.0, None, "One two."), Chunk(2.0, None, "Three four five six.")])
    assert [(c.start, c.end) for c in cues] == [(0.0, 2.0), (2.0, 3.6)]


def test_without_timestamps_sentences_are_spread_over_the_duration() -> None:
    text = "First sentence here. Second one! And a third?"
    assert sentences(text) == ["First sentence here.", "Second one!", "And a third?"]
    cues = timed_cues([], text, duration_s=9.0)
    assert cues[0].start == 0.0 and cues[-1].end == pytest.approx(9.0)
    assert all(a.end == pytest.approx(b.start) for a, b in itertools.pairwise(cues))
    srt = to_srt([], text)
    assert re.findall(rf"^{SRT_TIME} --> {SRT_TIME}$", srt, re.M) and srt.startswith("1\n")
    vtt = to_vtt([], text, 9.0)
    assert vtt.startswith("WEBVTT\n\n") and len(re.findall(rf"{VTT_TIME} --> {VTT_TIME}", vtt)) == 3


def test_txt_and_empty_exports() -> None:
    assert to_txt(" Hello. ") == "Hello.\n"
    assert to_txt(None, CHUNKS) == "Hello there. A very long pause.\n"
    assert to_srt([], "") == "" and to_vtt([], None) == "WEBVTT\n"


def test_cue_text_cannot_break_vtt() -> None:
    assert "-->" not in to_vtt([Chunk(0, 1, "a --> b")]).split("\n", 3)[3]


@pytest.mark.parametrize("direct", [False, True])
async def test_deepinfra_gets_a_multipart_upload_and_gives_segments(
    open_services, emulator: Emulator, spoken: Path, direct: bool
) -> None:
    env = {"DEEPINFRA_API_KEY": direct_key("deepinfra")} if direct else {}
    services = await open_services(extra_env=env)
    result = await hear(services, spoken, "deepinfra")
    assert result.status == Status.COMPLETE, result.error
    assert result.text == transcript("deepinfra")
    assert [c.text for c in result.chunks] == ["Hello from deepinfra.", "This is a test recording."]
    (req,) = emulator.requests_for("deepinfra")
    assert (
        req.path
        == ("/direct" if direct else "/router") + "/deepinfra/v1/openai/audio/transcriptions"
    )
    parts = form_parts(req.headers["content-type"], req.body)
    assert [(name, filename, mime) for name, filename, mime, _ in parts] == [
        ("file", "audio.wav", "audio/wav"),
        ("model", None, "text/plain"),
    ]
    assert parts[0][3] == contents(spoken) and parts[1][3] == WHISPER.encode()
