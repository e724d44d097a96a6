"""Opening a very long conversation (issue 8): its end is shown first, the rest arrive in slices.

Behaviour, not timing (tests/bench times the opening): which message is built first, that
the loop runs between slices, and that what the reader sees ends up complete and in order.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import qasync

from desktop.ui.chat import message_view
from desktop.ui.chat.message_view import PAGE, MessageView
from desktop.ui.chat.message_widget import MessageWidget
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import act, until

pytestmark = pytest.mark.gui


def test_a_long_conversation_opens_at_its_end_and_fills_in_slices(
    loop: qasync.QEventLoop,
    make_window: Callable[..., MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No time budget: one message per slice, so the slicing is visible whatever the machine.
    monkeypatch.setattr(message_view, "FIRST_SLICE_S", 0.0)
    monkeypatch.setattr(message_view, "SLICE_S", 0.0)
    slices: list[int] = []
    real_slice = MessageView._build_slice

    def counting(view: MessageView) -> None:
        slices.append(len(view.widgets()))
        real_slice(view)

    monkeypatch.setattr(MessageView, "_build_slice", counting)
    window = make_window({"HF_TOKEN": "hf_x"})
    history = window.services.history
    cid = history.create_conversation("long", "m", "auto")
    for n in range(1000):
        history.add_message(cid, "user", f"question {n}")
        history.add_message(
            cid, "assistant", f"**answer** {n}\n\nsecond paragraph", provider="groq"
        )
    view = window.chat.view
    built: list[str] = []
    view.message_added.connect(lambda widget: built.append(widget.data.text))

    act(loop, lambda: window.chat.open_conversation(cid))
    until(loop, lambda: bool(built))
    assert built[0].startswith("**answer** 999")  # the newest message is built first
    until(loop, lambda: not view.loading())
    assert slices[0] == 1 and len(slices) == PAGE - 1  # the loop ran between slices
    widgets: list[MessageWidget] = view.widgets()
    assert len(widgets) == PAGE
    assert [w.data.text for w in widgets[:2]] == [
        "question 970",
        "**answer** 970\n\nsecond paragraph",
    ]
    assert widgets[-1].data.text.startswith("**answer** 999")
    assert built == [w.data.text for w in reversed(widgets)]  # newest to oldest
    # Only the last answer offers Regenerate, even though it was built first.
    assert widgets[-1].regenerate_button.isVisibleTo(widgets[-1])
    assert not widgets[-3].regenerate_button.isVisibleTo(widgets[-3])
    # Older pages still come on request, and a search hit far back is still reachable.
    first_id = history.get_conversation(cid).messages[0].id  # type: ignore[union-attr]
    assert view.reveal(first_id)
    assert view.widgets()[0].data.text == "question 0"
