"""Estimated costs over real HTTP against the emulator, and the arithmetic for each task.

Chat multiplies the router's published prices (the emulator's ``/v1/models``) by the usage
the provider reported, or by estimated tokens when it reported none; pictures, transcripts and
embeddings use the price table; failed attempts cost nothing and are not marked billed; each
estimate lands in the trace, the ``--json`` dict and the ledger; ``X-HF-Bill-To`` goes on
router requests only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.chat_types import ChatMessage, ChatRequest, ChatResult, Usage
from desktop.core.media_types import EmbedRequest, ImageRequest, MediaFile, MediaResult
from desktop.core.trace import Outcome, Trace
from desktop.core.vocab import Status
from desktop.engine.billing import billing_to
from desktop.engine.costs import chat_cost, media_cost
from desktop.engine.price_table import PriceRow, PriceTable, shipped_rows
from desktop.services import Services
from tests.emulator import LLAMA_8B, Emulator, direct_key
from tests.emulator.hub import PROVIDER_STATS
from tests.emulator.media import wav_bytes
from tests.emulator.media_models import BGE_SMALL, FLUX_SCHNELL, WHISPER
from tests.fast_polls import FAST_POLL

GROQ_IN, GROQ_OUT = (PROVIDER_STATS["groq"]["pricing"][k] for k in ("input", "output"))
CEREBRAS_IN, CEREBRAS_OUT = (PROVIDER_STATS["cerebras"]["pricing"][k] for k in ("input", "output"))


async def chat(services: Services, text: str = "What is a fox?") -> ChatResult:
    turn = await services.chat.send(None, text, model=LLAMA_8B)
    assert turn.result is not None
    return turn.result


# --- chat ---------------------------------------------------------------------------------------


async def test_chat_cost_is_published_price_times_reported_usage(open_services) -> None:
    services = await open_services()
    result = await chat(services)
    assert result.status == Status.COMPLETE and result.provider == "groq"
    usage = result.usage
    assert usage is not None and usage.prompt_tokens and usage.completion_tokens
    expected = (usage.prompt_tokens * GROQ_IN + usage.completion_tokens * GROQ_OUT) / 1e6
    cost = result.to_dict()["cost"]
    assert cost["usd"] == pytest.approx(expected) and cost["estimate"] is True
    assert "reported by the provider" in cost["basis"] and "$0.05 in / $0.08 out" in cost["basis"]
    # Kept with the message in the history, and in the ledger behind the totals.
    assert result.trace.to_dict()["cost"] == cost
    ledger = services.engine.costs.ledger
    assert ledger is not None
    (row,) = ledger.entries()
    assert (row.task, row.model, row.provider) == ("conversational", LLAMA_8B, "groq")
    assert row.usd == pytest.approx(expected)
    assert services.engine.costs.last_month_spent == pytest.approx(expected)  # for form hints


async def test_later_answers_are_settled_without_a_database_call(open_services) -> None:
    """The first answer reads the month's total; the next ones keep it running and queue their
    rows, written together shortly after (or by the next read): no SQL, no thread hop, on the
    answer's path (issue 8)."""
    services = await open_services()
    first = await chat(services)
    ledger = services.engine.costs.ledger
    assert ledger is not None
    statements: list[str] = []
    ledger._db.set_trace_callback(statements.append)
    request = ChatRequest(LLAMA_8B, [ChatMessage("user", "What is a fox?")])
    second = await services.engine.chat(request)
    assert second.status == Status.COMPLETE and statements == []
    both = first.cost.usd + second.cost.usd
    assert services.engine.costs.last_month_spent == pytest.approx(both)
    assert len(ledger.entries()) == 2  # a read writes the queue first
    assert await services.engine.costs.month_spent() == pytest.approx(both)


async def test_chat_without_reported_usage_estimates_tokens_and_says_so(
    open_services, emulator: Emulator
) -> None:
    emulator.set_quirks("groq", reports_usage=False)
    services = await open_services()
    prompt = "Tell me about foxes and their dens in winter"
    result = await chat(services, prompt)
    assert result.status == Status.COMPLETE and result.usage is None
    tokens_in = round(len(prompt) / 4)
    tokens_out = round(len(result.text) / 4)
    expected = (tokens_in * GROQ_IN + tokens_out * GROQ_OUT) / 1e6
    assert result.cost.usd == pytest.approx(expected)
    assert "estimated from the text; the provider reported no usage" in result.cost.basis


async def test_failed_attempts_cost_nothing_and_only_the_answer_is_billed(
    open_services, emulator: Emulator
) -> None:
    emulator.fault("groq", "status", status=503)
    services = await open_services()
    result = await chat(services)
    assert result.provider == "cerebras"
    groq, cerebras = result.trace.attempts
    assert (groq.outcome, groq.billed) == (Outcome.SERVER_ERROR, False)
    assert (cerebras.outcome, cerebras.billed) == (Outcome.OK, True)
    usage = result.usage
    assert usage is not None and usage.prompt_tokens is not None
    assert usage.completion_tokens is not None
    expected = (usage.prompt_tokens * CEREBRAS_IN + usage.completion_tokens * CEREBRAS_OUT) / 1e6
    assert result.cost.usd == pytest.approx(expected)
    assert "Cerebras" in result.cost.basis


async def test_a_turn_that_failed_everywhere_costs_zero_and_adds_no_total(
    open_services, emulator: Emulator
) -> None:
    for provider in ("groq", "cerebras", "together", "fireworks-ai", "novita", "hf-inference"):
        emulator.fault(provider, "status", status=503)
    services = await open_services()
    result = await chat(services)
    assert result.status == Status.FAILED
    assert result.to_dict()["cost"]["usd"] == 0.0
    assert not any(a.billed for a in result.trace.attempts)
    assert services.engine.costs.ledger is not None
    assert services.engine.costs.ledger.entries() == []


def test_custom_server_has_no_price_unless_the_user_sets_one() -> None:
    result = ChatResult("hi there", Status.COMPLETE, Trace("m", "auto"), provider="mine")
    result.via, result.usage = "custom", Usage(10, 2, 12)
    unknown = chat_cost(result, [ChatMessage("user", "hello")], None, "")
    assert unknown.usd is None and "your own server" in unknown.basis
    priced = chat_cost(result, [ChatMessage("user", "hello")], (1.0, 2.0), "your price")
    assert priced.usd == pytest.approx((10 * 1.0 + 2 * 2.0) / 1e6)


# --- media --------------------------------------------------------------------------------------


async def test_picture_cost_per_megapixel_for_each_picture(open_services) -> None:
    services = await open_services()
    services.images.poll = FAST_POLL
    result = await services.images.generate(
        ImageRequest(FLUX_SCHNELL, "a lighthouse", width=96, height=64, count=2, provider="fal-ai")
    )
    assert result.status == Status.COMPLETE and len(result.files) == 2
    row = PriceTable().find("text-to-image", "fal-ai", FLUX_SCHNELL)
    assert row is not None and row.unit == "megapixel" and row.usd == 0.003
    expected = 2 * (96 * 64 / 1e6) * 0.003
    assert result.to_dict()["cost"]["usd"] == pytest.approx(expected)
    assert "megapixel" in result.cost.basis and "price table 2026-12-07" in result.cost.basis
    # The library item keeps the estimate with its trace.
    assert result.record_id is not None
    stored = services.history.get_generation(result.record_id)
    assert stored is not None and stored.trace is not None
    assert stored.trace["cost"]["usd"] == pytest.approx(expected)


async def test_transcript_cost_per_audio_minute(open_services, tmp_path: Path) -> None:
    from desktop.core.media_types import TranscribeRequest

    services = await open_services()
    services.speech.poll = FAST_POLL
    audio = tmp_path / "talk.wav"
    audio.write_bytes(wav_bytes(3.0))
    result = await services.speech.transcribe(
        TranscribeRequest(WHISPER, str(audio), provider="hf-inference")
    )
    assert result.status == Status.COMPLETE, result.error
    assert result.cost.usd == pytest.approx(3.0 / 60 * 0.003)
    assert "minute of audio" in result.cost.basis


async def test_embedding_cost_from_estimated_tokens(open_services) -> None:
    services = await open_services()
    texts = ["a red fox", "a quick brown dog jumps"]
    result = await services.embeddings.embed(EmbedRequest(BGE_SMALL, texts))
    assert result.status == Status.COMPLETE, result.error
    tokens = sum(round(len(t) / 4) for t in texts)
    assert result.cost.usd == pytest.approx(tokens / 1e6 * 0.02)


def test_failed_media_costs_zero_and_unknown_prices_say_so() -> None:
    failed = MediaResult("text-to-image", Status.FAILED, Trace("m", "auto"))
    assert media_cost(failed, PriceTable()).usd == 0.0
    made = MediaResult(
        "text-to-video",
        Status.COMPLETE,
        Trace("org/clip", "auto"),
        provider="fal-ai",
        files=[MediaFile("v.mp4", "video/mp4", duration_s=4.0, provider="fal-ai")],
    )
    assert media_cost(made, PriceTable(shipped=[])).usd is None
    assert media_cost(made, PriceTable()).usd == pytest.approx(4.0 * 0.08)


def test_user_rows_win_and_specific_rows_beat_wildcards() -> None:
    table = PriceTable(
        [{"task": "text-to-image", "provider": "fal-ai", "family": "*", "unit": "image", "usd": 1}]
    )
    mine = table.find("text-to-image", "fal-ai", FLUX_SCHNELL)
    assert mine is not None and mine.user and mine.usd == 1.0
    shipped = PriceTable().find("text-to-image", "replicate", "black-forest-labs/flux-dev")
    assert shipped is not None and shipped.family == "flux-dev"
    anyone = PriceTable().find("text-to-image", "someone-new", "org/model")
    assert anyone is not None and anyone.provider == "*"
    assert all(isinstance(r, PriceRow) and r.date and r.source for r in shipped_rows())


# --- bill to ------------------------------------------------------------------------------------


async def test_bill_to_goes_on_router_requests_only(open_services, emulator: Emulator) -> None:
    services = await open_services(extra_env={"GROQ_API_KEY": direct_key("groq")})
    services.images.poll = FAST_POLL
    with billing_to("acme-labs"):
        direct = await chat(services)  # groq with its own key: direct, never billed to the org
        picture = await services.images.generate(
            ImageRequest(FLUX_SCHNELL, "a lighthouse", width=96, height=64, provider="fal-ai")
        )
    assert direct.via == "direct" and direct.trace.bill_to is None
    assert picture.status == Status.COMPLETE and picture.trace.bill_to == "acme-labs"
    routed = [r for r in emulator.requests if r.provider == "fal-ai"]
    assert routed and all(r.headers.get("x-hf-bill-to") == "acme-labs" for r in routed)
    others = [r for r in emulator.requests if r.provider != "fal-ai"]
    assert {"groq", "media"} <= {r.provider for r in others}
    assert all("x-hf-bill-to" not in r.headers for r in others)


async def test_bill_to_setting_applies_and_personal_sends_nothing(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    services.engine.costs.cost_settings.bill_to = "acme-labs"
    first = await chat(services)
    with billing_to(""):  # "personal" chosen for one tab overrides the global choice
        await chat(services, "again")
    chats = [r for r in emulator.requests if r.provider == "groq"]
    assert [r.headers.get("x-hf-bill-to") for r in chats] == ["acme-labs", None]
    assert first.trace.bill_to == "acme-labs"


async def test_cheapest_ranks_by_the_prices_the_user_sees(open_services) -> None:
    services = await open_services()
    published = await services.chat.send(None, "Hi", model=LLAMA_8B, provider="cheapest")
    assert published.result is not None and published.result.provider == "novita"
    services.engine.costs.cost_settings.chat_prices = {"cerebras": [0.001, 0.002]}
    turn = await services.chat.send(None, "Hi", model=LLAMA_8B, provider="cheapest")
    result = turn.result
    assert result is not None and result.provider == "cerebras"
    assert result.usage is not None and result.usage.prompt_tokens is not None
    assert result.usage.completion_tokens is not None
    expected = (result.usage.prompt_tokens * 0.001 + result.usage.completion_tokens * 0.002) / 1e6
    assert result.cost.usd == pytest.approx(expected)
    assert "(your price)" in result.cost.basis


async def test_video_cost_per_second_and_a_failed_job_costs_nothing(
    open_services, emulator: Emulator
) -> None:
    from dataclasses import replace as changed

    from desktop.core.media_types import VideoRequest
    from tests.emulator.jobs import WAN_T2V
    from tests.engine.test_video import FAST_POLL

    services = await open_services()
    services.video.timing = changed(FAST_POLL)
    made = await services.video.generate(VideoRequest(WAN_T2V, "a fox", provider="fal-ai"))
    assert made.status == Status.COMPLETE, made.error
    seconds = sum(f.duration_s or 0.0 for f in made.files) or 5.0
    assert made.to_dict()["cost"]["usd"] == pytest.approx(seconds * 0.08)
    assert "second" in made.cost.basis and "fal" in made.cost.basis
    emulator.jobs.plan("fal-ai", outcome="fail", error="out of GPUs")
    emulator.jobs.plan("novita", outcome="fail", error="out of GPUs")
    emulator.jobs.plan("replicate", outcome="fail", error="out of GPUs")
    failed = await services.video.generate(VideoRequest(WAN_T2V, "a fox", provider="fal-ai"))
    assert failed.status == Status.FAILED
    assert failed.cost.usd == 0.0 and not any(a.billed for a in failed.trace.attempts)


async def test_budget_warns_at_80_percent_and_asks_before_going_over(open_services) -> None:
    from desktop.core.cost_types import Cost
    from desktop.store.cost_ledger import CostEntry

    services = await open_services()
    meter = services.engine.costs
    assert meter.ledger is not None
    meter.ledger.add(CostEntry("conversational", LLAMA_8B, "groq", 8.0, "b"))
    spent = await meter.month_spent()
    assert meter.budget_check(spent=spent).level == "none"  # no budget set: nothing to watch
    meter.cost_settings.monthly_budget_usd = 10.0
    assert meter.budget_check(spent=spent).level == "warn"
    assert (
        meter.budget_check(spent=spent).message
        == "You have used $8.00 of your $10.00 monthly budget (80 % or more)."
    )
    # $9.50: under the budget, no question
    assert await meter.question_before(Cost(1.5, "b"), batch=False) is None
    question = await meter.question_before(Cost(2.5, "b"), batch=False)
    assert question is not None and question.startswith("This would take you over your monthly")
    meter.cost_settings.monthly_budget_usd = None
    meter.cost_settings.ask_above_usd = 1.0
    assert await meter.question_before(Cost(2.5, "one video"), batch=False) is None  # not a batch
    asked = await meter.question_before(Cost(2.5, "one video"), batch=True)
    assert asked is not None and "more than the $1.00 you asked to be warned about" in asked


# --- every library item keeps its cost ------------------------------------------------------


def stored_cost(services: Services, record_id: int | None) -> dict[str, object]:
    """The estimate kept with a library item (what the Library and ``--json`` show)."""
    assert record_id is not None
    stored = services.history.get_generation(record_id)
    assert stored is not None and stored.trace is not None
    cost = stored.trace.get("cost")
    assert isinstance(cost, dict)
    return cost


@pytest.mark.parametrize("animate", [False, True], ids=["text-to-video", "image-to-video"])
async def test_a_video_library_item_keeps_its_cost(
    open_services, tmp_path: Path, animate: bool
) -> None:
    from dataclasses import replace as changed

    from PIL import Image

    from desktop.core.media_types import VideoRequest
    from tests.emulator.image_edit import WAN_I2V
    from tests.emulator.jobs import WAN_T2V
    from tests.fast_polls import FAST_VIDEO_POLL

    services = await open_services()
    services.video.timing = changed(FAST_VIDEO_POLL)
    request = VideoRequest(WAN_T2V, "a fox", provider="fal-ai")
    if animate:
        still = tmp_path / "still.png"
        Image.new("RGB", (64, 48), (20, 120, 40)).save(still, "PNG")
        request = VideoRequest(WAN_I2V, "the fox runs", provider="fal-ai", source_path=str(still))
    made = await services.video.generate(request)
    assert made.status == Status.COMPLETE, made.error
    assert made.trace.task == ("image-to-video" if animate else "text-to-video")
    seconds = sum(f.duration_s or 0.0 for f in made.files) or 5.0
    assert made.to_dict()["cost"]["usd"] == pytest.approx(seconds * 0.08)  # --json
    kept = stored_cost(services, made.record_id)  # the Library
    assert kept["usd"] == pytest.approx(seconds * 0.08) and kept["estimate"] is True
    assert "second" in str(kept["basis"])


@pytest.mark.parametrize(("provider", "per_thousand"), [("fal-ai", 0.02), ("deepinfra", 0.0008)])
async def test_read_aloud_is_priced_by_its_characters_and_the_item_keeps_it(
    open_services, provider: str, per_thousand: float
) -> None:
    from desktop.core.media_types import SpeakRequest
    from tests.emulator.media_models import KOKORO

    services = await open_services()
    text = "The quick brown fox jumps over the lazy dog, twice over, for good measure."
    result = await services.speak.speak(SpeakRequest(KOKORO, text, provider=provider))
    assert result.status == Status.COMPLETE, result.error
    expected = len(text) / 1000 * per_thousand
    assert result.to_dict()["cost"]["usd"] == pytest.approx(expected)
    assert f"{len(text)} characters" in result.cost.basis
    assert "per 1,000 characters" in result.cost.basis
    assert stored_cost(services, result.record_id)["usd"] == pytest.approx(expected)


async def test_an_edited_picture_keeps_its_cost(open_services, tmp_path: Path) -> None:
    from PIL import Image

    from tests.emulator.image_edit import KONTEXT

    services = await open_services()
    services.images.poll = FAST_POLL
    source = tmp_path / "start.png"
    Image.new("RGB", (80, 48), (200, 40, 40)).save(source, "PNG")
    result = await services.images.generate(
        ImageRequest(KONTEXT, "make it snow", provider="fal-ai", source_path=str(source))
    )
    assert result.status == Status.COMPLETE, result.error
    usd = result.to_dict()["cost"]["usd"]
    assert isinstance(usd, float) and usd > 0
    assert stored_cost(services, result.record_id)["usd"] == pytest.approx(usd)


def test_chat_cost_text_groups_thousands_and_keeps_its_price_words() -> None:
    """The price half of the text is kept by provider and price, and small counts skip the
    separator (issue 8): the words are the same as ever, answer after answer."""
    result = ChatResult(
        "hi", Status.COMPLETE, Trace("m", "auto"), "groq", via="router", usage=Usage(1204, 1)
    )
    expected = (
        "1,204 tokens in + 1 out (reported by the provider) at Groq's $0.05 in / $0.08 out "
        "per million tokens (published by Hugging Face's router)"
    )
    for _ in range(2):
        cost = chat_cost(result, [], (0.05, 0.08), "published by Hugging Face's router")
        assert cost.basis == expected
        assert cost.usd == pytest.approx((1204 * 0.05 + 0.08) / 1_000_000)
    small = ChatResult("hi", Status.COMPLETE, Trace("m", "auto"), "groq", usage=Usage(1, 999))
    assert chat_cost(small, [], (1.0, 2.0), "your price").basis.startswith(
        "1 token in + 999 out (reported by the provider) at Groq's $1 in / $2 out"
    )
    with pytest.raises(AttributeError):  # still a frozen estimate
        cost.usd = 0.0  # type: ignore[misc]
    assert cost == type(cost)(cost.usd, cost.basis) and hash(cost) == hash(
        type(cost)(cost.usd, cost.basis)
    )
