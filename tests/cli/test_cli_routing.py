"""Issue 9 through the command line: a cut answer finished elsewhere, skips in words."""

from __future__ import annotations

from tests.cli.conftest import Run, as_json
from tests.emulator import LLAMA_8B, Emulator

REPLY = "one two three four five six seven eight"
NOTE = "[Groq stopped mid-answer; Cerebras answered instead; the complete answer follows]"


def test_a_cut_answer_is_restarted_and_the_complete_one_streams_on_a_fresh_line(
    run: Run, emulator: Emulator
):
    emulator.set_reply(REPLY)
    emulator.fault("groq", "cut", after=3, times=1)
    proc = run("chat", "--model", LLAMA_8B, "Count")
    assert proc.returncode == 0, proc.stderr
    partial, complete = proc.stdout.rstrip("\n").split("\n")
    assert partial and REPLY.startswith(partial) and partial != REPLY
    assert complete == REPLY  # the last line of stdout is the whole answer
    assert NOTE in proc.stderr.splitlines()
    assert "via Cerebras" in proc.stderr
    convs = as_json(run("history", "list", "--json"))
    shown = run("history", "show", str(convs[0]["id"]))
    assert REPLY in shown.stdout and partial + REPLY not in shown.stdout


def test_json_is_one_complete_object_with_the_cut_attempt_in_its_trace(
    run: Run, emulator: Emulator
):
    emulator.set_reply(REPLY)
    emulator.set_quirks("cerebras", reported_model="llama3.1-8b-2025-06")
    emulator.fault("groq", "cut", after=3, times=1)
    proc = run("chat", "--model", LLAMA_8B, "--json", "Count")
    assert proc.returncode == 0, proc.stderr
    data = as_json(proc)
    assert data["status"] == "complete" and data["text"] == REPLY
    assert data["provider"] == "cerebras"
    assert data["notice"] == "Groq stopped mid-answer; Cerebras answered instead."
    assert data["provider_model"] == "llama3.1-8b"
    assert data["provider_model_reported"] == "llama3.1-8b-2025-06"
    cut, answered = data["trace"]["attempts"]
    assert cut["provider"] == "groq" and cut["outcome"] == "interrupted"
    assert cut["partial_text"] and REPLY.startswith(cut["partial_text"])
    assert answered["outcome"] == "ok"
    assert "Together AI: not needed (Cerebras answered)" in data["not_tried"]


def test_a_resting_first_choice_is_named_with_the_reason(run: Run, emulator: Emulator):
    emulator.fault("groq", "status", status=429, retry_after=25, times=1)
    first = run("chat", "--model", LLAMA_8B, "Hi")
    assert first.returncode == 0 and "via Cerebras" in first.stderr
    second = run("chat", "--model", LLAMA_8B, "Hi")
    assert second.returncode == 0, second.stderr
    assert "[Groq, your first choice, was skipped: resting for 2" in second.stderr
    assert "after it said \u2018too many requests\u2019]" in second.stderr
    data = as_json(run("chat", "--model", LLAMA_8B, "--json", "Hi"))
    assert any(
        line.startswith("Groq: resting for 2") and "too many requests" in line
        for line in data["not_tried"]
    )
