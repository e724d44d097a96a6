"""The model directory against the emulator: browsing per tab, filters, sorting, offers per user,
the disk cache (offline, bounded), custom servers' lists, warnings before sending, favourites."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.core.chat_types import ChatMessage, ChatRequest
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.engine.candidates import TEST_ONLY_NOTE
from desktop.engine.health import HealthBook
from desktop.engine.model_directory import ModelDirectory, ModelInfo
from desktop.engine.model_tasks import PIPELINE_TAGS
from desktop.services import Services
from desktop.store.settings import CustomEndpoint
from desktop.store.state import StateStore
from tests.emulator import FLUX_DEV, LLAMA_8B, MISTRAL_7B, QWEN_VL, Emulator

FLUX_SCHNELL = "black-forest-labs/FLUX.1-schnell"
WHISPER = "openai/whisper-large-v3"

Clock = list[float]


def make_directory(services: Services, root: Path, clock: Clock, **kwargs: Any) -> ModelDirectory:
    """A directory on the services' client and settings, with a clock the test moves."""
    return ModelDirectory(
        services.client,
        services.endpoints,
        root / "models",
        settings=lambda: services.settings,
        credentials=services.credentials,
        health=services.health,
        picks=StateStore(root / "models.json"),
        executor=services.executor,
        clock=lambda: clock[0],
        **kwargs,
    )


@pytest.fixture
def clock() -> Clock:
    return [1_800_000_000.0]


DirectoryFactory = Callable[..., Any]


@pytest.fixture
def directory_for(open_services, tmp_path: Path, clock: Clock) -> DirectoryFactory:
    async def factory(*, hf: bool = True, **kwargs: Any) -> tuple[ModelDirectory, Services]:
        services = await open_services(hf=hf)
        return make_directory(services, tmp_path / "dir", clock, **kwargs), services

    return factory


def by_id(models: tuple[ModelInfo, ...]) -> dict[str, ModelInfo]:
    return {m.id: m for m in models}


def hub_queries(emulator: Emulator) -> list[dict[str, str]]:
    return [r.query for r in emulator.requests_for("hub") if r.path.endswith("/api/models")]


# --- browsing ---------------------------------------------------------------------------------


async def test_chat_tab_lists_models_with_providers_prices_and_states(directory_for, emulator):
    directory, _ = await directory_for()
    page = await directory.search("chat")
    models = by_id(page.models)
    assert {LLAMA_8B, QWEN_VL, MISTRAL_7B} <= set(models)
    assert FLUX_DEV not in models and not page.stale and page.fetched_at is not None
    # Both chat pipeline tags were asked, with the fields the browser shows.
    tags = {q["pipeline_tag"] for q in hub_queries(emulator)}
    assert tags == {"text-generation", "image-text-to-text"}
    assert all(q["inference_provider"] == "all" for q in hub_queries(emulator))
    llama = models[LLAMA_8B]
    assert llama.name == "Llama 3.1 8B Instruct" and llama.author == "meta-llama"
    assert llama.summary == "quick everyday answers" and "starter" in llama.badges
    assert llama.likes == 4800 and llama.downloads == 6_000_000
    offers = {o.provider: o for o in llama.offers}
    # The router's published figures, per provider.
    assert offers["groq"].price_in == 0.05 and offers["groq"].price_out == 0.08
    assert offers["groq"].context_length == 131072 and offers["groq"].first_token_ms == 180
    assert offers["groq"].state == "live"
    # Dropped by the router and no key of its own: the user cannot use it.
    assert offers["sambanova"].state == "needs a key"
    # In the user's provider order.
    order = [p for p in _user_order(directory) if p in offers]
    assert [o.provider for o in llama.offers] == order
    # HF's health check of Together for Mistral fails: shown as resting.
    assert by_id(page.models)[MISTRAL_7B].offers[0].state == "resting"
    assert "reads images" in models[QWEN_VL].badges
    assert "reads images" not in llama.badges


def _user_order(directory: ModelDirectory) -> list[str]:
    return directory._settings().ordered_providers()


async def test_offers_follow_keys_switches_and_breakers(directory_for):
    directory, services = await directory_for(hf=False)
    llama = by_id((await directory.search("chat")).models)[LLAMA_8B]
    assert {o.state for o in llama.offers} == {"needs a key"}  # no token, no keys
    await services.set_secret("groq", "key-groq")
    services.settings.disabled = ["cerebras"]
    for _ in range(3):
        services.health.record(HealthBook.key("groq", "groq"), Outcome.SERVER_ERROR)
    llama = by_id(directory.cached("chat").models)[LLAMA_8B]
    states = {o.provider: o.state for o in llama.offers}
    assert states["cerebras"] == "off"
    assert states["groq"] == "resting"
    assert states["together"] == "needs a key"


async def test_image_tab_lists_image_models_with_a_test_only_provider(directory_for, emulator):
    directory, _ = await directory_for()
    page = await directory.search("image")
    models = by_id(page.models)
    assert {FLUX_DEV, FLUX_SCHNELL} <= set(models)
    assert LLAMA_8B not in models and WHISPER not in models
    flux = {o.provider: o.state for o in models[FLUX_DEV].offers}
    assert flux["fal-ai"] == "live" and flux["nebius"] in ("test-only", "needs a key")
    assert models[FLUX_SCHNELL].summary == "fast drafts"
    # The Images tab also changes pictures: image-to-image models are asked for too.
    assert [q["pipeline_tag"] for q in hub_queries(emulator)] == [
        "text-to-image",
        "image-to-image",
    ]


async def test_staging_offer_is_test_only_for_a_user_who_can_reach_it(directory_for, emulator):
    emulator.add_model(
        "acme/Stage-Chat",
        {
            "groq": {"providerId": "stage-groq"},
            "together": {"providerId": "stage-together", "status": "staging"},
        },
    )
    directory, _ = await directory_for()
    stage = by_id((await directory.search("chat", "stage")).models)["acme/Stage-Chat"]
    assert {o.provider: o.state for o in stage.offers} == {
        "groq": "live",
        "together": "test-only",
    }


async def test_search_text_and_provider_filter(directory_for, emulator):
    directory, _ = await directory_for()
    page = await directory.search("chat", "mistral")
    assert [m.id for m in page.models] == [MISTRAL_7B]
    page = await directory.search("chat", provider="cerebras")
    assert [m.id for m in page.models] == [LLAMA_8B]
    assert {q["inference_provider"] for q in hub_queries(emulator)[-2:]} == {"cerebras"}
    assert all(q.get("search") == "mistral" for q in hub_queries(emulator)[:2])


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("likes", [LLAMA_8B, MISTRAL_7B, QWEN_VL]),
        ("downloads", [LLAMA_8B, QWEN_VL, MISTRAL_7B]),
        ("trending", [QWEN_VL, LLAMA_8B, MISTRAL_7B]),
    ],
)
async def test_sort_orders_across_both_chat_tags(directory_for, emulator, sort, expected):
    directory, _ = await directory_for()
    page = await directory.search("chat", sort=sort)
    seeded = [m.id for m in page.models if m.id in expected]
    assert seeded == expected
    hub_sort = {"likes": "likes", "downloads": "downloads", "trending": "trendingScore"}[sort]
    assert {q["sort"] for q in hub_queries(emulator)} == {hub_sort}


async def test_a_new_search_cancels_the_one_in_flight(directory_for, emulator):
    directory, _ = await directory_for()
    emulator.fault("hub", "silent", times=1)
    first = asyncio.ensure_future(directory.search("chat", "llama"))
    await asyncio.to_thread(emulator.wait_for_requests, 1, "hub")
    page = await directory.search("chat", "mistral")
    assert [m.id for m in page.models] == [MISTRAL_7B]
    with pytest.raises(asyncio.CancelledError):
        await first
    # The held request was dropped, never repeated: one Hub request per tag for "mistral".
    assert [q.get("search") for q in hub_queries(emulator)] == ["llama", "mistral", "mistral"]


async def test_type_ahead_is_answered_from_memory_without_requests(directory_for, emulator):
    directory, _ = await directory_for()
    await directory.search("chat")
    emulator.clear_requests()
    page = directory.cached("chat", "mistral")
    assert [m.id for m in page.models][:1] == [MISTRAL_7B]
    assert all("mistral" in m.id.lower() or "mistral" in m.summary for m in page.models)
    assert directory.cached("chat", "Qwen2.5-VL").models[0].id == QWEN_VL
    assert emulator.requests == []


async def test_a_fresh_answer_is_reused_and_an_old_one_refetched(directory_for, emulator, clock):
    directory, _ = await directory_for()
    per_search = len(PIPELINE_TAGS["image"])  # one Hub query per pipeline tag of the tab
    await directory.search("image")
    await directory.search("image")
    assert len(hub_queries(emulator)) == per_search
    clock[0] += 11 * 60
    await directory.search("image")
    assert len(hub_queries(emulator)) == 2 * per_search


# --- offline ------------------------------------------------------------------------------


async def test_offline_serves_the_cache_with_its_age(directory_for, emulator, clock, tmp_path):
    directory, services = await directory_for()
    online = await directory.search("image")
    await directory.flush()
    fetched = online.fetched_at
    # A new start (empty memory), three hours later, with the Hub unreachable.
    clock[0] += 3 * 3600
    emulator.fault("hub", "status", status=503)
    again = make_directory(services, tmp_path / "dir", clock)
    page = await again.search("image")
    assert page.stale and page.fetched_at == fetched
    assert page.note == "Offline: results from 3 hours ago."
    assert [m.id for m in page.models] == [m.id for m in online.models]
    # Type-ahead says so too, and a query never asked before uses what is known.
    assert again.cached("image", "schnell").stale
    other = await again.search("image", "schnell")
    assert other.stale and [m.id for m in other.models][:1] == [FLUX_SCHNELL]


async def test_first_launch_offline_offers_the_starter_picks(open_services, tmp_path, clock):
    services = await open_services(extra_env={"HF_ENDPOINT": Emulator.closed_url()})
    directory = make_directory(services, tmp_path / "dir", clock)
    for task, expected in (
        ("chat", "meta-llama/Llama-3.1-8B-Instruct"),
        ("image", FLUX_SCHNELL),
        ("video", "Wan-AI/Wan2.1-T2V-14B"),
        ("speech", WHISPER),
        ("embeddings", "BAAI/bge-m3"),
    ):
        page = await directory.search(task)
        assert page.stale and page.fetched_at is None
        assert page.note == "Offline: showing starter picks; connect to see every model."
        assert 5 <= len(page.models) <= 8
        assert expected in by_id(page.models)
        assert all("starter" in m.badges and m.summary and m.task == task for m in page.models)
    assert by_id((await directory.search("speech")).models)[WHISPER].summary == "99 languages"


async def test_disk_cache_stays_within_its_bound(directory_for, tmp_path, clock):
    directory, services = await directory_for()
    await directory.search("image", limit=30)
    await directory.flush()
    one = directory.store.total_bytes()
    directory.store.max_bytes = int(one * 2.5)
    for limit in (29, 28, 27, 26):
        clock[0] += 1
        await directory.search("image", limit=limit)
        await directory.flush()
    assert directory.store.total_bytes() <= directory.store.max_bytes
    reloaded = make_directory(services, tmp_path / "dir", clock)
    keys = [e.key for e in reloaded.store.load_all()]
    assert len(keys) == 2 and all(k.startswith("hub|image|") for k in keys)
    assert {k.split("|")[4] for k in keys} == {"27", "26"}  # the least recently used went first


# --- custom servers -------------------------------------------------------------------------


async def test_custom_server_models_appear_in_chat_and_embeddings(directory_for, emulator):
    directory, services = await directory_for()
    services.settings.add_custom(CustomEndpoint(name="ollama", base_url=emulator.custom_url))
    chat = by_id((await directory.search("chat")).models)
    assert {"llama3.2:3b", "qwen2.5:7b-instruct"} <= set(chat)
    assert "nomic-embed-text" not in chat
    assert chat["llama3.2:3b"].offers[0].provider == "ollama"
    assert chat["llama3.2:3b"].offers[0].state == "live"
    embeddings = by_id((await directory.search("embeddings")).models)
    assert "nomic-embed-text" in embeddings and "llama3.2:3b" not in embeddings
    only = await directory.search("chat", provider="ollama")
    assert [m.id for m in only.models] == ["llama3.2:3b", "qwen2.5:7b-instruct"]
    images = await directory.search("image", provider="ollama")
    assert images.models == () and "chat and make embeddings" in images.note


async def test_custom_server_down_keeps_its_last_list(directory_for, emulator, clock):
    directory, services = await directory_for()
    services.settings.add_custom(CustomEndpoint(name="ollama", base_url=emulator.custom_url))
    await directory.search("chat", provider="ollama")
    emulator.set_custom_models(["something-new"])
    emulator.fault("custom", "status", status=500)
    clock[0] += 5 * 60
    page = await directory.search("chat", provider="ollama")
    assert page.stale and "llama3.2:3b" in by_id(page.models)
    assert page.note == "ollama did not answer; its list is from 5 minutes ago."


# --- one model ------------------------------------------------------------------------------


async def test_show_one_model_online_unknown_and_offline(directory_for, emulator, tmp_path, clock):
    directory, services = await directory_for()
    info = await directory.show(LLAMA_8B)
    assert info is not None and info.task == "chat" and info.pipeline_tag == "text-generation"
    assert {o.provider for o in info.offers} >= {"groq", "cerebras"}
    assert await directory.show("nobody/no-such-model") is None and not directory.offline
    await directory.flush()
    clock[0] += 3600
    emulator.fault("hub", "reset")
    emulator.fault("models", "reset")
    again = make_directory(services, tmp_path / "dir", clock)
    cached = await again.show(LLAMA_8B)
    assert again.offline and cached is not None and cached.offers == info.offers


# --- checks before sending -----------------------------------------------------------------


async def test_check_flags_wrong_tab_no_vision_and_misspellings(directory_for):
    directory, _ = await directory_for()
    await directory.search("chat")
    await directory.search("image")
    wrong = directory.check(FLUX_DEV, "chat")
    assert wrong is not None and wrong.kind == "wrong-task" and wrong.fits_task == "image"
    assert wrong.message == "This is an image model; pick a chat model."
    chat_in_images = directory.check(LLAMA_8B, "image")
    assert chat_in_images is not None
    assert chat_in_images.message == "This is a chat model; pick an image model."
    assert directory.check(LLAMA_8B, "chat") is None
    blind = directory.check(LLAMA_8B, "chat", has_image=True)
    assert blind is not None and blind.kind == "no-vision"
    assert directory.check(QWEN_VL, "chat", has_image=True) is None
    typo = directory.check("meta-llama/Llama-3.1-8B-Instrut", "chat")
    assert typo is not None and typo.kind == "unknown" and typo.suggestions[0] == LLAMA_8B
    assert "No model called meta-llama/Llama-3.1-8B-Instrut" in typo.message
    assert directory.check("someone/brand-new-model", "chat") is None  # may exist: not flagged


async def test_check_works_offline_from_the_starter_picks(open_services, tmp_path, clock):
    services = await open_services(extra_env={"HF_ENDPOINT": Emulator.closed_url()})
    directory = make_directory(services, tmp_path / "dir", clock)
    speech = directory.check(WHISPER, "image")
    assert speech is not None and speech.fits_task == "speech"
    assert speech.message == "This is a speech-to-text model; pick an image model."
    assert directory.check("openai/whisper-large-v3-turbo", "speech") is None
    typo = directory.check("black-forest-labs/FLUX.1-shnell", "image")
    assert typo is not None and typo.suggestions[0] == FLUX_SCHNELL


# --- favourites and recents ------------------------------------------------------------------


async def test_favourites_and_recents_survive_a_restart(directory_for, tmp_path, clock):
    directory, services = await directory_for()
    assert directory.toggle_favourite("image", FLUX_DEV) is True
    assert directory.toggle_favourite("image", FLUX_SCHNELL) is True
    assert directory.toggle_favourite("image", FLUX_SCHNELL) is False
    directory.note_used("chat", MISTRAL_7B, "groq")
    clock[0] += 1
    directory.note_used("chat", LLAMA_8B, "cheapest")
    clock[0] += 1
    directory.note_used("chat", MISTRAL_7B, "novita")
    again = make_directory(services, tmp_path / "dir", clock)
    assert [p.model_id for p in again.favourites("image")] == [FLUX_DEV]
    assert again.favourites("chat") == []
    recents = again.recents("chat")
    assert [(p.model_id, p.provider_policy) for p in recents] == [
        (MISTRAL_7B, "novita"),
        (LLAMA_8B, "cheapest"),
    ]
    assert again.provider_policy(LLAMA_8B) == "cheapest"
    assert again.provider_policy(FLUX_DEV) is None


# --- staging providers named by hand -------------------------------------------------------


async def test_a_staging_provider_named_by_hand_is_used_with_a_test_only_note(
    open_services, emulator
):
    emulator.add_model(
        "acme/Stage-Chat",
        {
            "groq": {"providerId": "stage-groq"},
            "together": {"providerId": "stage-together", "status": "staging"},
        },
    )
    services = await open_services()
    request = ChatRequest(
        model="acme/Stage-Chat", messages=[ChatMessage("user", "Hi")], provider="together"
    )
    result = await services.engine.chat(request)
    assert result.status == Status.COMPLETE and result.provider == "together"
    (note,) = [c for c in result.trace.candidates if c.provider == "together"]
    assert note.note == TEST_ONLY_NOTE and note.skipped is None
    # Auto still skips it, saying why.
    auto = await services.engine.chat(
        ChatRequest(model="acme/Stage-Chat", messages=[ChatMessage("user", "Hi")])
    )
    assert auto.provider == "groq"
    skipped = [c for c in auto.trace.candidates if c.provider == "together"]
    assert skipped and skipped[0].skipped == "not public yet (staging)"


async def test_auto_uses_a_custom_server_for_the_models_it_lists(open_services, emulator):
    services = await open_services()
    services.settings.add_custom(CustomEndpoint(name="ollama", base_url=emulator.custom_url))
    request = ChatRequest(model="llama3.2:3b", messages=[ChatMessage("user", "Hi")])
    before = await services.engine.chat(request)
    assert before.status != Status.COMPLETE  # no alias, list not fetched yet
    await services.models.search("chat", provider="ollama")
    after = await services.engine.chat(request)
    assert after.status == Status.COMPLETE and after.provider == "ollama"
    assert after.text == "Hello from custom."
    (sent,) = [r for r in emulator.requests if r.path == "/custom/v1/chat/completions"]
    assert sent.json["model"] == "llama3.2:3b"


async def test_providers_switchboard_cannot_call_are_not_offered(directory_for, emulator):
    emulator.add_model(
        "acme/New-Chat",
        {
            "groq": {"providerId": "new-groq"},
            "brand-new-cloud": {"providerId": "new-chat"},  # unknown to this release
            "fal-ai": {"providerId": "fal-ai/new-chat"},  # fal serves no chat here
        },
    )
    directory, _ = await directory_for()
    info = by_id((await directory.search("chat", "new-chat")).models)["acme/New-Chat"]
    assert [o.provider for o in info.offers] == ["groq"]


async def test_a_provider_the_router_lists_but_the_table_lacks_is_offered_for_chat(
    directory_for, emulator
):
    emulator.routed_providers.add("brand-new-cloud")
    emulator.add_model(
        "acme/New-Chat",
        {"groq": {"providerId": "new-groq"}, "brand-new-cloud": {"providerId": "new-chat"}},
    )
    directory, _ = await directory_for()
    info = by_id((await directory.search("chat", "new-chat")).models)["acme/New-Chat"]
    assert [o.provider for o in info.offers] == ["groq", "brand-new-cloud"]
    assert info.offers[1].label == "brand-new-cloud" and info.offers[1].state == "live"
