"""``switchboard models`` in a real subprocess against the emulator: text, --json, show,
custom servers, offline from the cache and first launch offline."""

from __future__ import annotations

from tests.cli.conftest import Run, as_json
from tests.emulator import FLUX_DEV, LLAMA_8B, MISTRAL_7B, QWEN_VL, Emulator


def test_chat_list_shows_providers_with_prices_and_context(run: Run) -> None:
    proc = run("models", "--task", "chat")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"{LLAMA_8B}  —  Llama 3.1 8B Instruct: quick everyday answers" in out
    assert "$0.05 in / $0.08 out per 1M tokens" in out
    assert "131,072 tokens context" in out
    groq_line = next(line for line in out.splitlines() if line.strip().startswith("Groq"))
    assert " live " in groq_line and "first token 0.18 s" in groq_line
    assert proc.stderr == ""


def test_json_lists_models_of_a_task_given_as_a_pipeline_tag(run: Run) -> None:
    data = as_json(run("models", "--task", "text-to-image", "--json"))
    assert data["task"] == "image" and data["stale"] is False
    ids = [m["id"] for m in data["models"]]
    assert FLUX_DEV in ids and LLAMA_8B not in ids
    flux = next(m for m in data["models"] if m["id"] == FLUX_DEV)
    assert {o["provider"]: o["state"] for o in flux["offers"]}["fal-ai"] == "live"
    assert isinstance(flux["badges"], list)


def test_search_provider_sort_and_limit(run: Run, emulator: Emulator) -> None:
    data = as_json(run("models", "--task", "chat", "--search", "mistral", "--json"))
    assert [m["id"] for m in data["models"]] == [MISTRAL_7B]
    data = as_json(run("models", "--task", "chat", "--provider", "cerebras", "--json"))
    assert [m["id"] for m in data["models"]] == [LLAMA_8B]
    data = as_json(run("models", "--task", "chat", "--sort", "trending", "--limit", "1", "--json"))
    assert [m["id"] for m in data["models"]] == [QWEN_VL]
    queries = [r.query for r in emulator.requests_for("hub")]
    assert queries[-1]["sort"] == "trendingScore" and queries[-1]["limit"] == "1"


def test_show_one_model_and_a_misspelt_one(run: Run) -> None:
    proc = run("models", "show", LLAMA_8B)
    assert proc.returncode == 0, proc.stderr
    assert "task: chat (text-generation)" in proc.stdout and "Cerebras" in proc.stdout
    data = as_json(run("models", "show", QWEN_VL, "--json"))
    assert data["task"] == "chat" and "reads images" in data["badges"]
    missing = run("models", "show", "meta-llama/Llama-3.1-8B-Instrut")
    assert missing.returncode == 1
    (line,) = missing.stderr.splitlines()
    assert line.startswith(
        "switchboard: there is no model called meta-llama/Llama-3.1-8B-Instrut; "
        f"did you mean {LLAMA_8B}"
    )


def test_a_task_with_no_tab_is_a_one_line_error(run: Run) -> None:
    proc = run("models", "--task", "image-segmentation")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip() == (
        "switchboard: there is no tab for the task 'image-segmentation'; use one of chat, image, "
        "video, speech, embeddings, speak."
    )


def test_read_aloud_models_are_listed_under_text_to_speech(run: Run) -> None:
    proc = run("models", "--task", "text-to-speech", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "hexgrad/Kokoro-82M" in proc.stdout


def test_a_custom_server_as_provider_lists_what_it_serves(run: Run, emulator: Emulator) -> None:
    added = run("providers", "add-custom", "ollama", "--url", emulator.custom_url)
    assert added.returncode == 0, added.stderr
    proc = run("models", "--task", "chat", "--provider", "ollama")
    assert proc.returncode == 0, proc.stderr
    names = [line.split()[0] for line in proc.stdout.splitlines() if not line.startswith(" ")]
    assert names == ["llama3.2:3b", "qwen2.5:7b-instruct"]
    data = as_json(run("models", "--task", "embeddings", "--provider", "ollama", "--json"))
    assert [m["id"] for m in data["models"]] == ["nomic-embed-text"]


def test_offline_lists_come_from_the_cache_with_a_note(
    run: Run, cli_env: dict[str, str], emulator: Emulator
) -> None:
    online = as_json(run("models", "--task", "image", "--json"))
    offline_env = cli_env | {"HF_ENDPOINT": Emulator.closed_url()}
    proc = run("models", "--task", "image", "--json", env=offline_env)
    data = as_json(proc)
    assert data["stale"] is True and data["fetched_at"] == online["fetched_at"]
    assert [m["id"] for m in data["models"]] == [m["id"] for m in online["models"]]
    assert proc.stderr.startswith("[Offline: results from just now.]")
    shown = run("models", "show", FLUX_DEV, env=offline_env)
    assert shown.returncode == 0 and "Offline" in shown.stderr and FLUX_DEV in shown.stdout


def test_first_launch_offline_lists_the_starter_picks(run: Run, cli_env: dict[str, str]) -> None:
    offline_env = cli_env | {"HF_ENDPOINT": Emulator.closed_url()}
    proc = run("models", "--task", "speech", env=offline_env)
    assert proc.returncode == 0
    assert "openai/whisper-large-v3  —  Whisper large v3: 99 languages" in proc.stdout
    assert proc.stderr.strip() == "[Offline: showing starter picks; connect to see every model.]"
    unknown = run("models", "show", "nobody/nothing", env=offline_env)
    assert unknown.returncode == 1
    assert "could not reach Hugging Face, and nobody/nothing is not in the cache" in unknown.stderr


def test_chat_with_a_staging_provider_named_by_hand_says_test_only(
    run: Run, emulator: Emulator
) -> None:
    emulator.add_model(
        "acme/Stage-Chat",
        {
            "groq": {"providerId": "stage-groq"},
            "together": {"providerId": "stage-together", "status": "staging"},
        },
    )
    proc = run("chat", "Hi", "--model", "acme/Stage-Chat", "--provider", "together")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Hello from together."
    assert proc.stderr.startswith("[via Together AI · ")
    assert "test-only: Hugging Face lists this provider as staging" in proc.stderr
    listed = as_json(run("models", "--task", "chat", "--search", "stage", "--json"))
    (model,) = listed["models"]
    states = {o["provider"]: o["state"] for o in model["offers"]}
    assert states == {"groq": "live", "together": "test-only"}
