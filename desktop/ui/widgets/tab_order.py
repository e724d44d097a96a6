"""The Tab key follows the page: top to bottom, left to right, as a person reads it.

Why explicit: Qt's default order is the order widgets were *made*, and pages make their
parts in whatever order their code needs (the Run button after the progress area, the
message bar of the right column before the form, a "Compare…" button added afterwards), so
Tab jumped about. Each page names its parts in reading order with :func:`follow`; a part
that is a container (a form, a panel) keeps its own inner order.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def takes_tab(widget: QWidget) -> bool:
    """Whether Tab can stop on ``widget`` itself (when it is shown and enabled)."""
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.focusProxy() is None


def stops(part: QWidget) -> list[QWidget]:
    """``part`` itself if Tab stops on it, else the controls inside it that Tab stops on, in
    their present order (a control's own inner parts, such as a spin box's text field, are
    left to it)."""
    if takes_tab(part):
        return [part]
    found: list[QWidget] = []
    widget: QWidget | None = part.nextInFocusChain()
    while widget is not None and widget is not part and part.isAncestorOf(widget):
        if takes_tab(widget) and not any(widget is not w and w.isAncestorOf(widget) for w in found):
            found.append(widget)
        widget = widget.nextInFocusChain()
    return found


def follow(*parts: QWidget | None) -> list[QWidget]:
    """Make Tab go through ``parts`` in the order given (None: a part this page lacks).

    Returns the controls in the order Tab now visits them (for tests and for a page that
    continues the chain)."""
    order: list[QWidget] = []
    for part in parts:
        if part is not None:
            order += [w for w in stops(part) if w not in order]
    for first, second in pairwise(order):
        QWidget.setTabOrder(first, second)
    return order
