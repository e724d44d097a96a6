"""``switchboard compare``, ``switchboard costs`` and ``--bill-to`` in a real subprocess."""

from __future__ import annotations

import json

from tests.cli.conftest import Run, as_json
from tests.emulator import LLAMA_8B, Emulator


def test_compare_prints_one_block_per_pair_with_its_figures(run: Run, emulator: Emulator):
    emulator.fault("cerebras", "status", status=503)
    proc = run(
        "compare", "--model", f"{LLAMA_8B}@groq", "--model", f"{LLAMA_8B}@cerebras", "Hi there"
    )
    assert proc.returncode == 0, proc.stderr  # one column answered
    blocks = proc.stdout.strip().split("\n\n")
    assert len(blocks) == 2
    by_head = {b.splitlines()[0]: b for b in blocks}
    groq = by_head[f"=== {LLAMA_8B} @ Groq ==="]
    assert "Hello from groq." in groq
    figures = groq.splitlines()[-1]
    assert figures.startswith("[wait ") and "≈ $" in figures and "word" in figures
    cerebras = by_head[f"=== {LLAMA_8B} @ Cerebras ==="]
    assert "[Cerebras had a server problem" in cerebras  # says why in words
    assert cerebras.endswith("≈ $0]")  # and a failure costs nothing
    # Pinned: the failing column never moved on to another provider.
    chat_providers = {r.provider for r in emulator.requests if r.method == "POST"}
    assert chat_providers == {"groq", "cerebras"}
    assert "compared 2 pairs" in proc.stderr


def test_compare_json_lists_the_columns_and_is_kept_in_the_library(run: Run, emulator: Emulator):
    data = as_json(
        run("compare", "--model", f"{LLAMA_8B}@groq", "--model", LLAMA_8B, "--json", "Hello")
    )
    assert data["kind"] == "conversational" and data["prompt"] == "Hello"
    groq, auto = data["columns"]
    assert groq["provider"] == "groq" and groq["text"] == "Hello from groq."
    assert auto["provider"] == "groq"  # no @provider: pinned to the first in the user's order
    for column in data["columns"]:
        assert column["status"] == "complete" and column["tokens_out"] > 0
        assert column["ttft_ms"] is not None and "tokens_per_s" in column
        assert column["cost"]["usd"] > 0 and column["cost"]["estimate"] is True
    assert data["cost"]["usd"] == groq["cost"]["usd"] + auto["cost"]["usd"]
    assert isinstance(data["record_id"], int)
    assert "hf_" not in json.dumps(data)


def test_compare_needs_two_to_four_pairs(run: Run):
    proc = run("compare", "--model", LLAMA_8B, "Hi")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "switchboard: A comparison takes 2 to 4 model and provider pairs (got 1)."
    )


def test_every_json_result_carries_its_cost_and_costs_adds_them_up(run: Run, emulator: Emulator):
    first = as_json(run("chat", "--model", LLAMA_8B, "--json", "What is a fox?"))
    second = as_json(run("chat", "--model", LLAMA_8B, "--provider", "cerebras", "--json", "Hi"))
    for data in (first, second):
        assert set(data["cost"]) == {"usd", "estimate", "basis"}
        assert data["cost"]["usd"] > 0 and data["cost"]["estimate"] is True
    totals = as_json(run("costs", "--json"))
    assert totals["estimate"] is True and totals["by"] == "provider"
    rows = {r["key"]: r for r in totals["totals"]}
    assert set(rows) == {"groq", "cerebras"}
    assert rows["groq"]["usd"] == round(first["cost"]["usd"], 8)
    assert rows["cerebras"]["label"] == "Cerebras" and rows["cerebras"]["count"] == 1
    assert totals["today_usd"] == totals["month_usd"] == totals["total"]["usd"]
    by_task = as_json(run("costs", "--by", "task", "--json"))
    assert [(r["label"], r["count"]) for r in by_task["totals"]] == [("Chat", 2)]
    text = run("costs", "--by", "provider")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("Today: ≈ $") and "This month: ≈ $" in lines[0]
    assert any(line.strip().startswith("Groq") and "1 item" in line for line in lines)
    assert lines[-1].strip().startswith("Total") and "2 items" in lines[-1]
    assert "≈ $" in run("chat", "--model", LLAMA_8B, "Hi").stderr  # [via Groq · … · ≈ $…]


def test_costs_since_takes_a_date(run: Run):
    bad = run("costs", "--since", "yesterday")
    assert bad.returncode == 1
    assert bad.stderr.strip() == "switchboard: 'yesterday' is not a date like 2026-12-01."
    future = as_json(run("costs", "--since", "2999-01-01", "--json"))
    assert future["totals"] == [] and future["since"] == "2999-01-01"


def test_bill_to_on_request_commands_reaches_the_router_only(
    run: Run, emulator: Emulator, cli_env: dict[str, str]
):
    routed = as_json(run("chat", "--model", LLAMA_8B, "--bill-to", "acme-labs", "--json", "Hi"))
    assert routed["trace"]["bill_to"] == "acme-labs"
    env_direct = cli_env | {"GROQ_API_KEY": emulator.direct_key("groq")}
    direct = run(
        "chat", "--model", LLAMA_8B, "--bill-to", "acme-labs", "--json", "Hi", env=env_direct
    )
    assert "bill_to" not in as_json(direct)["trace"]
    chats = [r for r in emulator.requests if r.provider == "groq"]
    assert [(r.routed, r.headers.get("x-hf-bill-to")) for r in chats] == [
        (True, "acme-labs"),
        (False, None),
    ]
