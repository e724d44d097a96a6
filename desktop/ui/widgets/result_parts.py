"""The parts a result panel shows under its result (Images, Video, the Library's details).

Why shared: every tab tells what made a result the same way — the prompt (selectable), a
muted caption, the routing badge — and lines its actions up alike: the file actions on the
left, the "make it again" ones on the right. A panel keeps its own result view above.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QPushButton, QStackedWidget, QWidget

from desktop.ui.widgets import tab_order
from desktop.ui.widgets.labels import ElidedLabel, MutedLabel
from desktop.ui.widgets.routing_badge import RoutingBadge
from desktop.ui.widgets.wrap_row import WrapRow


def action_button(text: str, tip: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    if tip:
        button.setToolTip(tip)
    return button


def add_result_text(
    column: QBoxLayout, parent: QWidget
) -> tuple[ElidedLabel, MutedLabel, RoutingBadge]:
    """The prompt (selectable, elided), the caption and the routing badge, in that order."""
    prompt = ElidedLabel("", parent)
    prompt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    column.addWidget(prompt)
    caption = MutedLabel("", parent)
    column.addWidget(caption)
    badge = RoutingBadge(parent)
    column.addWidget(badge)
    return prompt, caption, badge


def clear_result_text(prompt: ElidedLabel, caption: MutedLabel, badge: RoutingBadge) -> None:
    prompt.set_full_text("")
    caption.setText("")
    badge.clear()


def add_actions_row(
    column: QBoxLayout, left: Sequence[QPushButton], right: Sequence[QPushButton]
) -> None:
    """``left`` at the left, ``right`` at the right edge; on a narrow window ``right`` wraps
    under ``left`` (:class:`WrapRow`) instead of widening the window."""
    parent = column.parentWidget()
    actions = WrapRow(spacing=6)
    for buttons in (left, right):
        group = QWidget(parent)
        row = QHBoxLayout(group)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for button in buttons:
            row.addWidget(button)
        actions.addWidget(group)
    column.addLayout(actions)
    tab_order.follow(*left, *right)


def note_label(text: str, stack: QStackedWidget) -> MutedLabel:
    """The sentence a result view shows instead of its result (centred, wrapped)."""
    note = MutedLabel(text, stack)
    note.setAlignment(Qt.AlignmentFlag.AlignCenter)
    note.setWordWrap(True)
    return note
