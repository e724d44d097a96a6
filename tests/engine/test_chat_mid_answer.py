"""Every way a streamed answer can break after its first text, and the sentence a person reads.

The wire code (providers/chat_wire.py) names what broke; the engine's one commit-point rule
turns it into ``interrupted`` with the partial text kept, never a silent failover. Here the
person turned restarting off (``Settings.restart_cut_answers``), so the partial answer is the
result even though another provider was left; test_chat_restart.py covers the restart. Each
case runs over real HTTP against the emulator.
"""

from __future__ import annotations

from typing import Any

import pytest

from desktop.core.chat_types import ChatMessage, ChatRequest
from desktop.core.trace import Outcome
from desktop.core.vocab import FixAction, Status
from tests.emulator import LLAMA_8B, Emulator

KEPT = "the partial answer is kept."


@pytest.mark.parametrize(
    ("kind", "params", "sentence"),
    [
        ("cut", {"after": 3}, f"The connection to Groq broke in the middle of the answer; {KEPT}"),
        ("stall", {"after": 2}, f"Groq stopped sending in the middle of the answer; {KEPT}"),
        (
            "no_finish",
            {},
            f"Groq ended the answer early without saying it was finished; {KEPT}",
        ),
        (
            "error_event",
            {"after": 2, "message": "Model is overloaded"},
            f"Groq reported an error in the middle of the answer (Model is overloaded); {KEPT}",
        ),
        (
            "malformed",
            {"after": 2, "count": 3},
            f"Groq sent unreadable data in the middle of the answer; {KEPT}",
        ),
    ],
)
async def test_a_break_after_the_first_text_keeps_it_and_says_what_happened(
    open_services: Any, emulator: Emulator, kind: str, params: dict[str, Any], sentence: str
) -> None:
    services = await open_services()
    services.settings.restart_cut_answers = False
    emulator.set_reply("one two three four five six seven eight")
    emulator.fault("groq", kind, **params)
    deltas: list[str] = []
    request = ChatRequest(model=LLAMA_8B, messages=[ChatMessage("user", "Hi")])
    result = await services.engine.chat(request, on_delta=deltas.append)
    assert result.status == Status.INTERRUPTED
    assert result.text and result.text == "".join(deltas)
    assert result.error == sentence and result.error_action == FixAction.RETRY
    (attempt,) = result.trace.attempts  # never retried on its own after the commit point
    assert attempt.outcome == Outcome.INTERRUPTED and attempt.message == sentence
    assert emulator.requests_for("cerebras") == []
