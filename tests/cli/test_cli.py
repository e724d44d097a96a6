"""The command line: same engine, same history, same settings as the window."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from desktop.store.history import HistoryStore
from tests.cli.conftest import ROOT, Run, as_json
from tests.emulator import LLAMA_8B, Emulator


def test_chat_streams_the_answer_and_saves_it(run: Run, emulator: Emulator):
    proc = run("chat", "--model", LLAMA_8B, "What is a fox?")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Hello from groq."
    assert "via Groq" in proc.stderr
    convs = as_json(run("history", "list", "--json"))
    assert [c["title"] for c in convs] == ["What is a fox?"]
    hits = as_json(run("history", "search", "fox", "--json"))
    assert hits and hits[0]["conversation_id"] == convs[0]["id"]
    shown = run("history", "show", str(convs[0]["id"]))
    assert "Hello from groq." in shown.stdout and "via Groq" in shown.stdout


def test_chat_json_carries_the_trace(run: Run, emulator: Emulator):
    emulator.fault("groq", "status", status=503)
    data = as_json(run("chat", "--model", LLAMA_8B, "--json", "Hi"))
    assert data["status"] == "complete" and data["provider"] == "cerebras"
    attempts = data["trace"]["attempts"]
    assert [(a["provider"], a["outcome"], a["status_code"]) for a in attempts] == [
        ("groq", "server_error", 503),
        ("cerebras", "ok", 200),
    ]
    assert data["usage"]["total_tokens"] > 0
    assert "hf_" not in json.dumps(data)  # no secret in the output


def test_failure_is_one_line_and_non_zero(run: Run, cli_env: dict[str, str]):
    env = {k: v for k, v in cli_env.items() if k != "HF_TOKEN"}
    proc = run("chat", "--model", LLAMA_8B, "Hi", env=env)
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "huggingface.co/settings/tokens" in lines[0]
    assert "Traceback" not in proc.stderr


def test_provider_order_is_shared_with_the_window(run: Run, emulator: Emulator):
    assert run("providers", "order", "together", "groq").returncode == 0
    rows = as_json(run("providers", "list", "--json"))
    assert [r["id"] for r in rows[:2]] == ["together", "groq"]
    assert rows[0]["reach"] == "via Hugging Face token"
    data = as_json(run("chat", "--model", LLAMA_8B, "--json", "Hi"))
    assert data["provider"] == "together"
    bad = run("providers", "order", "no-such-provider")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_custom_server_can_be_added_used_and_removed(
    run: Run, emulator: Emulator, cli_env: dict[str, str]
):
    url = emulator.direct_url("groq") + "/openai/v1"
    added = run(
        "providers",
        "add-custom",
        "lab",
        "--url",
        url,
        "--model",
        "house-llama=llama-3.1-8b-instant",
    )
    assert added.returncode == 0, added.stderr
    env = {k: v for k, v in cli_env.items() if k != "HF_TOKEN"}
    proc = run("chat", "--model", "house-llama", "--provider", "lab", "--json", "Hi", env=env)
    # The server wants a key nobody stored: the answer names the server and the fix.
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    (attempt,) = data["trace"]["attempts"]
    assert attempt["provider"] == "lab" and attempt["status_code"] == 401
    assert "Your lab key was refused" in data["error"]
    assert emulator.requests_for("groq")[-1].json["model"] == "llama-3.1-8b-instant"
    assert run("providers", "remove", "lab").returncode == 0
    rows = as_json(run("providers", "list", "--json"))
    assert "lab" not in [r["id"] for r in rows]


SAVED_WITHIN_S = 10.0
"""Far below the 30 s idle deadline that would end the stalled stream (and save at the end)."""
POLL_S = 0.02


def saved_text_contains(db: Path, text: str) -> bool:
    """Whether the assistant message in ``db`` holds ``text`` yet."""
    if not db.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            row = conn.execute("SELECT content FROM messages WHERE role='assistant'").fetchone()
            # Streamed batches are rows of message_parts until the answer ends.
            parts = conn.execute("SELECT group_concat(text, '') FROM message_parts").fetchone()
    except sqlite3.OperationalError:  # the app is still creating its tables
        return False
    saved = (row[0] if row else "") + (parts[0] if parts and parts[0] else "")
    return text in saved


def test_killing_the_app_mid_answer_keeps_what_was_shown(
    cli_env: dict[str, str], emulator: Emulator, tmp_path: Path
):
    emulator.set_reply(" ".join(f"word{i}" for i in range(12)))
    emulator.fault("groq", "stall", after=4)
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop", "chat", "--model", LLAMA_8B, "Count for me"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        shown = ""
        while "word3" not in shown:  # wait until the fourth word is on screen
            char = proc.stdout.read(1)
            assert char, proc.stderr.read() if proc.stderr else "no output"
            shown += char
        db = tmp_path / "data" / "switchboard" / "history.db"
        # The stream now stalls; it would end only at the idle deadline (30 s). The text on
        # screen must reach the database in batches well before that, while it still runs.
        deadline = time.monotonic() + SAVED_WITHIN_S
        while not saved_text_contains(db, "word3"):
            assert time.monotonic() < deadline, (
                f"the streamed text was not saved within {SAVED_WITHIN_S} s while streaming"
            )
            time.sleep(POLL_S)  # polling another process's database: nothing to wait on
        assert proc.poll() is None, "the answer had ended: the text was saved only at the end"
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()  # a failed assertion above: end the child before waiting for it
        proc.wait(timeout=10)
    with HistoryStore(db) as history:  # as the next start of the app or the CLI sees it
        (conversation,) = history.list_conversations()
        stored = history.get_conversation(conversation.id)
        assert stored is not None
        answer = stored.messages[-1]
        assert answer.role == "assistant" and answer.status == "interrupted"
        assert answer.content.startswith("word0 word1 word2 word3")
        assert history.search("word3")[0].message_id == answer.id


def test_a_resting_provider_is_remembered_by_the_next_run(run: Run, emulator: Emulator):
    emulator.fault("groq", "status", status=429, retry_after=600, times=1)
    first = as_json(run("chat", "--model", LLAMA_8B, "--json", "Hi"))
    assert [a["provider"] for a in first["trace"]["attempts"]] == ["groq", "cerebras"]
    # The breaker book was saved when the first run quit: the next run (a new process) goes
    # straight to Cerebras, without asking the rate-limited Groq again.
    second = as_json(run("chat", "--model", LLAMA_8B, "--json", "Hi again"))
    assert [a["provider"] for a in second["trace"]["attempts"]] == ["cerebras"]
    assert len(emulator.requests_for("groq")) == 1
