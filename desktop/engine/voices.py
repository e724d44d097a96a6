"""What Switchboard knows about read-aloud models before sending: their voices, their text limit.

Why a table: neither the Hub mapping nor the router says which voices a speech model has or
how much text it takes, yet a person should pick a voice from a list and hear "too long"
before anything is sent. Models not listed here get no voice list (the voice box stays free
text, empty means the model's default) and the general limit.

Where the lists come from: reference/providers.md §4.8 documents no voice list and no text
limit for any read-aloud provider (only that Together requires a voice). So every list and
limit here is a chosen default, and the window says so (:func:`voice_note`,
:func:`limit_note`) instead of presenting them as the provider's word.
"""

from __future__ import annotations

from typing import TypeVar

V = TypeVar("V")

KOKORO_VOICES = (
    "af_heart",
    "af_bella",
    "af_nicole",
    "af_sarah",
    "af_sky",
    "am_adam",
    "am_michael",
    "bf_emma",
    "bf_isabella",
    "bm_george",
    "bm_lewis",
)
ORPHEUS_VOICES = ("tara", "leah", "jess", "leo", "dan", "mia", "zac", "zoe")

MODEL_VOICES: dict[str, tuple[str, ...]] = {
    "hexgrad/Kokoro-82M": KOKORO_VOICES,
    "canopylabs/orpheus-3b-0.1-ft": ORPHEUS_VOICES,
}
"""Voices per Hub model id (the providers that serve a model take its voice names)."""

DEFAULT_TEXT_LIMIT = 4096
"""Characters per request: the OpenAI-style speech APIs (Together, DeepInfra) take 4096."""

MODEL_TEXT_LIMITS: dict[str, int] = {
    "facebook/mms-tts-eng": 1000,
    "espnet/kan-bayashi_ljspeech_vits": 1000,
}
"""Smaller limits of models that read short passages only."""


def _lookup(table: dict[str, V], model: str) -> V | None:
    if model in table:
        return table[model]
    lowered = model.lower()
    return next((v for k, v in table.items() if k.lower() == lowered), None)


def voices_for(model: str) -> tuple[str, ...]:
    """The voices known for ``model`` (case-insensitive id), or none."""
    return _lookup(MODEL_VOICES, model.strip()) or ()


def text_limit(model: str) -> int:
    """How many characters one request may read aloud."""
    return _lookup(MODEL_TEXT_LIMITS, model.strip()) or DEFAULT_TEXT_LIMIT


def voice_note(model: str) -> str:
    """What the window says about the voice list of ``model``: a guess, or none known."""
    if voices_for(model):
        return (
            "These voice names are Switchboard's guess for this model (providers publish no "
            "list); type another name if you know one."
        )
    return "No voice list is known for this model: keep its own voice or type a name."


def limit_note(model: str) -> str:
    """Where the text limit of ``model`` comes from (a chosen default, never documented)."""
    return (
        f"{text_limit(model):,} characters is Switchboard's chosen limit for this model "
        "(providers publish none); longer text is refused before anything is sent."
    )


def check_text(model: str, text: str) -> str | None:
    """One sentence when ``text`` cannot be sent to ``model`` as it is, else None."""
    if not text.strip():
        return "Type the text to read aloud first: it is empty."
    limit = text_limit(model)
    if len(text) > limit:
        return (
            f"The text is {len(text):,} characters long; {model} reads at most {limit:,} at a "
            "time, so shorten it or split it in parts."
        )
    return None
