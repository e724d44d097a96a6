"""Read aloud over real HTTP against the emulator: each provider's exact request (routed and
direct), the audio kept as given, failover on every fault class, and bad input that sends
nothing."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

from desktop.core.media_types import MediaResult, SpeakRequest
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.services import Services
from tests.emulator import HF_TOKEN, Emulator, direct_key
from tests.emulator.media_models import KOKORO, MMS_TTS
from tests.fast_polls import FAST_POLL

TEXT = "The quick brown fox jumps over the lazy dog."


async def say(
    services: Services,
    text: str = TEXT,
    provider: str = "auto",
    voice: str | None = "af_heart",
    model: str = KOKORO,
) -> MediaResult:
    services.speak.poll = FAST_POLL
    return await services.speak.speak(
        SpeakRequest(model=model, text=text, voice=voice, provider=provider)
    )


def head(path: str) -> bytes:
    return Path(path).read_bytes()[:4]


def seconds(path: str) -> float:
    with wave.open(io.BytesIO(Path(path).read_bytes())) as w:
        return w.getnframes() / w.getframerate()


# --- every provider, its exact request ---------------------------------------------------------


@pytest.mark.parametrize("direct", [False, True])
async def test_together_gets_input_model_and_voice_and_answers_raw_audio(
    open_services, emulator: Emulator, direct: bool
) -> None:
    env = {"TOGETHER_API_KEY": direct_key("together")} if direct else {}
    services = await open_services(extra_env=env)
    result = await say(services, provider="together")
    assert result.status == Status.COMPLETE, result.error
    (req,) = emulator.requests_for("together")
    assert req.path == ("/direct" if direct else "/router") + "/together/v1/audio/speech"
    assert req.json == {"input": TEXT, "voice": "af_heart", "model": "hexgrad/Kokoro-82M"}
    key = direct_key("together") if direct else HF_TOKEN
    assert req.authorization == f"Bearer {key}"
    (file,) = result.files
    assert file.mime == "audio/wav" and file.path.endswith(".wav")
    assert file.duration_s == pytest.approx(seconds(file.path)) and file.duration_s > 0.5
    assert result.provider == "together"


@pytest.mark.parametrize("direct", [False, True])
async def test_deepinfra_uses_its_openai_route(
    open_services, emulator: Emulator, direct: bool
) -> None:
    env = {"DEEPINFRA_API_KEY": direct_key("deepinfra")} if direct else {}
    services = await open_services(extra_env=env)
    result = await say(services, provider="deepinfra", voice=None)
    assert result.status == Status.COMPLETE, result.error
    (req,) = emulator.requests_for("deepinfra")
    assert req.path == ("/direct" if direct else "/router") + "/deepinfra/v1/openai/audio/speech"
    assert req.json == {"input": TEXT, "model": "hexgrad/Kokoro-82M"}  # no voice: its default


@pytest.mark.parametrize("direct", [False, True])
async def test_fal_gets_text_and_voice_and_its_audio_link_is_fetched_without_credentials(
    open_services, emulator: Emulator, direct: bool
) -> None:
    env = {"FAL_KEY": direct_key("fal-ai")} if direct else {}
    services = await open_services(extra_env=env)
    result = await say(services, provider="fal-ai", voice="bf_emma")
    assert result.status == Status.COMPLETE, result.error
    (req,) = emulator.requests_for("fal-ai")
    assert (
        req.path == ("/direct" if direct else "/router") + "/fal-ai/fal-ai/kokoro/american-english"
    )
    assert req.json == {"text": TEXT, "voice": "bf_emma"}
    assert req.authorization == (f"Key {direct_key('fal-ai')}" if direct else f"Bearer {HF_TOKEN}")
    (download,) = emulator.requests_for("media")
    assert download.authorization is None
    assert head(result.files[0].path) == b"RIFF"


async def test_replicate_prediction_carries_the_text(open_services, emulator: Emulator) -> None:
    services = await open_services()
    result = await say(services, provider="replicate")
    assert result.status == Status.COMPLETE, result.error
    create = next(r for r in emulator.requests_for("replicate") if r.method == "POST")
    assert create.path == "/router/replicate/v1/models/jaaari/kokoro-82m/predictions"
    assert create.json == {"input": {"text": TEXT, "voice": "af_heart"}}


async def test_hf_inference_gets_inputs_and_answers_raw_audio(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    result = await say(services, model=MMS_TTS, voice=None)
    assert result.status == Status.COMPLETE, result.error
    (req,) = emulator.requests_for("hf-inference")
    assert req.path == f"/router/hf-inference/models/{MMS_TTS}"
    assert req.json == {"inputs": TEXT, "parameters": {}}
    assert result.provider == "hf-inference"


async def test_longer_text_gives_longer_audio_and_the_library_keeps_text_voice_model_provider(
    open_services,
) -> None:
    services = await open_services()
    short = await say(services, text="Hi there.")
    long = await say(services, text=TEXT * 4)
    assert short.files[0].duration_s < long.files[0].duration_s
    row = await services.db.run(services.history.get_generation, long.record_id)
    assert row is not None and row.task == "text-to-speech"
    assert row.prompt == TEXT * 4 and row.model == KOKORO and row.provider == "together"
    assert row.params["voice"] == "af_heart"
    assert head(row.files[0]["path"]) == b"RIFF" and row.files[0]["mime"] == "audio/wav"


# --- failover ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "params", "outcome"),
    [
        ("status", {"status": 503}, Outcome.SERVER_ERROR),
        ("status", {"status": 429, "retry_after": 30}, Outcome.RATE_LIMITED),
        ("reset", {}, Outcome.CONNECT_ERROR),
        ("corrupt", {}, Outcome.BAD_RESPONSE),
    ],
)
async def test_a_failing_provider_fails_over_to_the_next(
    open_services, emulator: Emulator, kind: str, params: dict[str, object], outcome: Outcome
) -> None:
    services = await open_services()
    emulator.fault("together", kind, times=1, **params)
    result = await say(services)
    assert result.status == Status.COMPLETE, result.error
    assert [a.provider for a in result.trace.attempts] == ["together", "fal-ai"]
    assert result.trace.attempts[0].outcome == outcome
    assert result.provider == "fal-ai"
    assert head(result.files[0].path) == b"RIFF"


async def test_audio_that_is_not_audio_is_refused_and_said_in_words(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    emulator.fault("together", "corrupt", times=1)
    result = await say(services, provider="together")
    assert result.status == Status.FAILED and result.files == []
    assert result.error and "not" in result.error.lower()
    assert result.trace.attempts[0].outcome == Outcome.BAD_RESPONSE


async def test_a_voice_the_model_lacks_is_refused_by_each_provider_and_reported(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    result = await say(services, provider="together", voice="nobody")
    assert result.status == Status.FAILED
    assert result.error and "nobody" in result.error


# --- bad input: nothing is sent ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "empty"), ("   \n ", "empty"), ("x" * 5000, "4,096")],
)
async def test_bad_text_says_one_sentence_and_sends_nothing(
    open_services, emulator: Emulator, text: str, words: str
) -> None:
    services = await open_services()
    emulator.clear_requests()
    result = await say(services, text=text)
    assert result.status == Status.FAILED and result.record_id is None
    assert result.error and words in result.error and result.error.count(".") <= 2
    assert [r for r in emulator.requests if r.path.startswith(("/router", "/direct"))] == []
