"""Misspelt model ids get suggestions; real neighbours of a known id never do."""

from __future__ import annotations

import pytest

from desktop.engine.model_typos import close_ids

KNOWN = [
    "meta-llama/Llama-3.1-8B-Instruct",
    "Qwen/Qwen2.5-VL-7B-Instruct",
    "google/gemma-3-27b-it",
    "BAAI/bge-small-en-v1.5",
    "intfloat/multilingual-e5-large",
    "black-forest-labs/FLUX.1-schnell",
]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("meta-llama/Llama-3.1-8B-Instrut", "meta-llama/Llama-3.1-8B-Instruct"),  # dropped
        ("black-forest-labs/FLUX.1-shnell", "black-forest-labs/FLUX.1-schnell"),
        ("meta-llama/Llama-3.1-8B-Insrtuct", "meta-llama/Llama-3.1-8B-Instruct"),  # swapped
        ("meta-lama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"),  # owner
        ("META-LLAMA/llama-3.1-8b-instruct", "meta-llama/Llama-3.1-8B-Instruct"),  # case
        ("Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"),  # owner left out
    ],
)
def test_slips_of_the_keyboard_are_caught(typed: str, meant: str) -> None:
    assert close_ids(typed, KNOWN)[:1] == [meant]


@pytest.mark.parametrize(
    "real",
    [
        "Qwen/Qwen2.5-7B-Instruct",  # the text-only sibling of the VL model
        "google/gemma-2-2b-it",  # another generation
        "google/gemma-3-12b-it",  # another size: digits differ
        "meta-llama/Llama-3.2-8B-Instruct",
        "BAAI/bge-small-zh-v1.5",  # another language
        "intfloat/multilingual-e5-large-instruct",
        "someone/brand-new-model",
    ],
)
def test_real_neighbours_are_left_alone(real: str) -> None:
    assert close_ids(real, KNOWN) == []
