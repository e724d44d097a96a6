"""The providers HF's router added (Baseten, DeepInfra, OVHcloud, Public AI, Scaleway, Z.ai,
WaveSpeed): chat routed and direct on each one's own route, failover among them, embeddings
on Scaleway and DeepInfra, and the providers HF stopped routing (Hyperbolic, Nebius,
SambaNova) usable with their own key and saying so without one."""

from __future__ import annotations

import pytest

from desktop.core.chat_types import ChatMessage, ChatRequest, ChatResult
from desktop.core.media_types import EmbedRequest
from desktop.core.table import PROVIDERS, Endpoints, Task
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.services import Services
from desktop.ui.providers.descriptions import DESCRIPTIONS, reach
from tests.emulator import HF_TOKEN, Emulator, direct_key
from tests.emulator.media_models import BGE_M3

NEW_CHAT = {
    "baseten": ("/v1/chat/completions", "BASETEN_API_KEY"),
    "deepinfra": ("/v1/openai/chat/completions", "DEEPINFRA_API_KEY"),
    "ovhcloud": ("/v1/chat/completions", "OVHCLOUD_API_KEY"),
    "publicai": ("/v1/chat/completions", "PUBLICAI_API_KEY"),
    "scaleway": ("/v1/chat/completions", "SCALEWAY_API_KEY"),
    "zai-org": ("/api/paas/v4/chat/completions", "ZAI_ORG_API_KEY"),
}
GLM = "zai-org/GLM-4.5"


def serve_everywhere(emulator: Emulator) -> None:
    emulator.add_model(
        GLM,
        {pid: {"providerId": f"{pid}/glm-4.5"} for pid in NEW_CHAT},
        pipeline_tag="text-generation",
    )


async def ask(services: Services, provider: str) -> ChatResult:
    request = ChatRequest(model=GLM, messages=[ChatMessage("user", "Hi")], provider=provider)
    return await services.engine.chat(request)


def test_every_new_provider_is_in_the_table_with_a_plain_description() -> None:
    for pid in [*NEW_CHAT, "wavespeed"]:
        spec = PROVIDERS[pid]
        assert spec.routed and spec.direct_base and spec.direct_base.startswith("https://")
        assert spec.env_keys[0] == pid.upper().replace("-", "_") + "_API_KEY"
        words = DESCRIPTIONS[pid]
        assert words.endswith(".") and len(words) < 90
    assert Task.TEXT_TO_SPEECH in PROVIDERS["deepinfra"].tasks
    assert Task.EMBEDDINGS in PROVIDERS["scaleway"].tasks


def test_each_base_url_can_be_redirected() -> None:
    env = {
        f"SWITCHBOARD_{pid.upper().replace('-', '_')}_URL": f"http://127.0.0.1:9/{pid}"
        for pid in NEW_CHAT
    }
    endpoints = Endpoints.from_env(env)
    assert all(endpoints.direct[pid] == f"http://127.0.0.1:9/{pid}" for pid in NEW_CHAT)


@pytest.mark.parametrize("pid", sorted(NEW_CHAT))
async def test_chat_through_the_router_on_each_new_provider(
    open_services, emulator: Emulator, pid: str
) -> None:
    serve_everywhere(emulator)
    services = await open_services()
    result = await ask(services, pid)
    assert result.status == Status.COMPLETE, result.error
    assert result.provider == pid and result.via == "router"
    (req,) = emulator.requests_for(pid)
    assert req.path == f"/router/{pid}{NEW_CHAT[pid][0]}"
    assert req.authorization == f"Bearer {HF_TOKEN}" and req.json["model"] == f"{pid}/glm-4.5"


@pytest.mark.parametrize("pid", sorted(NEW_CHAT))
async def test_chat_direct_with_each_ones_own_key(
    open_services, emulator: Emulator, pid: str
) -> None:
    serve_everywhere(emulator)
    services = await open_services(extra_env={NEW_CHAT[pid][1]: direct_key(pid)})
    result = await ask(services, pid)
    assert result.status == Status.COMPLETE, result.error
    assert result.via == "direct" and result.trace.billed_to == pid
    (req,) = emulator.requests_for(pid)
    assert req.path == f"/direct/{pid}{NEW_CHAT[pid][0]}"
    assert req.authorization == f"Bearer {direct_key(pid)}"


async def test_auto_fails_over_between_new_providers(open_services, emulator: Emulator) -> None:
    serve_everywhere(emulator)
    services = await open_services()
    services.settings.set_order(["scaleway", "deepinfra", "baseten"])
    emulator.fault("scaleway", "status", status=503, times=1)
    result = await ask(services, "auto")
    assert result.status == Status.COMPLETE
    assert [(a.provider, a.outcome) for a in result.trace.attempts] == [
        ("scaleway", Outcome.SERVER_ERROR),
        ("deepinfra", Outcome.OK),
    ]


@pytest.mark.parametrize(
    ("pid", "route", "direct"),
    [
        ("scaleway", "/v1/embeddings", False),
        ("deepinfra", "/v1/openai/embeddings", False),
        ("deepinfra", "/v1/openai/embeddings", True),
    ],
)
async def test_embeddings_on_scaleway_and_deepinfra(
    open_services, emulator: Emulator, pid: str, route: str, direct: bool
) -> None:
    env = {NEW_CHAT[pid][1]: direct_key(pid)} if direct else {}
    services = await open_services(extra_env=env)
    result = await services.embeddings.embed(
        EmbedRequest(model=BGE_M3, texts=["a cat", "a dog"], provider=pid)
    )
    assert result.status == Status.COMPLETE, result.error
    assert result.vectors is not None and len(result.vectors) == 2
    (req,) = emulator.requests_for(pid)
    assert req.path == ("/direct/" if direct else "/router/") + pid + route


@pytest.mark.parametrize("pid", ["hyperbolic", "nebius", "sambanova"])
def test_providers_hf_no_longer_routes_say_so(pid: str) -> None:
    assert not PROVIDERS[pid].routed
    assert reach(pid).startswith("Hugging Face no longer routes it: add its own key")


async def test_a_dropped_provider_works_with_its_own_key_and_is_skipped_without(
    open_services, emulator: Emulator
) -> None:
    emulator.add_model(
        GLM, {"sambanova": {"providerId": "GLM-4.5"}}, pipeline_tag="text-generation"
    )
    without = await open_services(subdir="a")
    result = await ask(without, "auto")
    assert result.status == Status.FAILED
    assert result.error is not None
    assert "Hugging Face no longer routes SambaNova; it needs its own key" in result.error
    with_key = await open_services(
        subdir="b", extra_env={"SAMBANOVA_API_KEY": direct_key("sambanova")}
    )
    result = await ask(with_key, "auto")
    assert result.status == Status.COMPLETE and result.via == "direct"


async def test_a_provider_newer_than_the_table_is_offered_for_chat_through_the_router(
    open_services, emulator: Emulator
) -> None:
    emulator.routed_providers.add("newco")
    emulator.add_model(
        GLM,
        {"newco": {"providerId": "glm-4.5-newco"}, "groq": {"providerId": "glm-groq"}},
        pipeline_tag="text-generation",
    )
    services = await open_services()
    services.settings.set_order(["groq"])  # newco is unknown: it goes last in the order
    emulator.fault("groq", "status", status=503, times=1)
    result = await ask(services, "auto")
    assert result.status == Status.COMPLETE, result.error
    assert [a.provider for a in result.trace.attempts] == ["groq", "newco"]
    (req,) = [r for r in emulator.requests if r.path == "/router/v1/chat/completions"]
    assert req.json["model"] == f"{GLM}:newco"
    assert req.authorization == f"Bearer {HF_TOKEN}"
    assert "not in Switchboard's provider table yet" in result.trace.candidates[1].note
