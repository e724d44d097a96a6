"""Model ids are checked against the Hub's grammar before any URL is built from them."""

from __future__ import annotations

import pytest

from desktop.engine.model_ids import BadModelId, check_hub_id, hub_id_problem


@pytest.mark.parametrize(
    "model_id",
    [
        "meta-llama/Llama-3.1-8B-Instruct",
        "black-forest-labs/FLUX.1-schnell",
        "gpt2",
        "BAAI/bge-small-en-v1.5",
        "openai/whisper-large-v3",
    ],
)
def test_real_ids_pass(model_id: str) -> None:
    assert hub_id_problem(model_id) is None
    assert check_hub_id(model_id) == model_id


@pytest.mark.parametrize(
    "model_id",
    [
        "",
        "../../etc/passwd",
        "a/../b",
        "owner/name/extra",
        "/name",
        "owner/",
        "owner/na me",
        "owner/name?x=1",
        "owner/name#frag",
        "owner/-name",
        "owner/name.",
        "owner/na--me",
        "a/" + "b" * 97,
        "a/" + "b" * 100_000,
        "owner/name\x1b[2J",
    ],
)
def test_anything_else_is_refused_in_one_sentence(model_id: str) -> None:
    with pytest.raises(BadModelId) as caught:
        check_hub_id(model_id)
    message = str(caught.value)
    assert "not a model id" in message and len(message) < 300
