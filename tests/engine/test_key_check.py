"""Which Hugging Face tokens may call Inference Providers, as whoami-v2 describes them."""

from __future__ import annotations

from desktop.engine.key_check import may_call_inference, models_route


def _fine(global_: list[str], scoped: list[dict[str, object]] | None = None) -> dict[str, object]:
    access = {"role": "fineGrained", "fineGrained": {"global": global_, "scoped": scoped or []}}
    return {"name": "someone", "auth": {"accessToken": access}}


def test_read_and_write_tokens_may_call_inference() -> None:
    assert may_call_inference({"auth": {"accessToken": {"role": "read"}}})
    assert may_call_inference({"auth": {"accessToken": {"role": "write"}}})


def test_a_fine_grained_token_needs_the_inference_permission() -> None:
    assert may_call_inference(_fine(["inference.serverless.write"]))
    assert not may_call_inference(_fine(["repo.content.read"]))
    scoped = [{"entity": {"type": "org"}, "permissions": ["inference.serverless.write"]}]
    assert may_call_inference(_fine([], scoped))


def test_only_openai_style_providers_get_a_free_key_check() -> None:
    assert models_route("groq") is not None and models_route("groq").endswith("/models")
    assert models_route("fal-ai") is None
    assert models_route("no-such-provider") is None
