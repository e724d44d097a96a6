"""The details pane of the model browser: everything known about the chosen model.

Why rich text in a read-only browser: the pane is a short document (a heading, a few plain
facts, a table of providers) that must wrap and scroll at any window size and follow the
palette; a :class:`QTextBrowser` does all of that, and the id stays selectable for copying.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QTextBrowser, QWidget

from desktop.ui.models import words
from desktop.ui.theme import muted_text

if TYPE_CHECKING:
    from desktop.engine.model_directory import ModelInfo, ProviderOffer


def offer_row(offer: ProviderOffer, chat: bool) -> str:
    """One provider as a table row: name, state and (for chat) what it publishes."""
    state = words.STATE_WORDS.get(offer.state, offer.state)
    cells = [f"<b>{html.escape(offer.label)}</b>", html.escape(state)]
    if chat:
        facts = words.offer_facts(offer)
        if offer.supports_tools:
            facts.append("uses tools")
        cells.append(html.escape(" · ".join(facts)))
    return "<tr>" + "".join(f"<td style='padding:2px 10px 2px 0'>{c}</td>" for c in cells) + "</tr>"


def details_html(model: ModelInfo, palette: QPalette, *, favourite: bool) -> str:
    """The pane's document for ``model``."""
    muted = muted_text(palette).name()
    chat = model.task == "chat"
    parts = [
        f"<h2 style='margin-bottom:2px'>{'★ ' if favourite else ''}{html.escape(model.name)}</h2>"
    ]
    by = f"by {html.escape(model.author)} · " if model.author else ""
    parts.append(
        f"<p style='color:{muted}; margin-top:0'>{by}<code>{html.escape(model.id)}</code></p>"
    )
    if model.summary:
        parts.append(f"<p>{html.escape(model.summary)}</p>")
    facts = []
    if model.task is not None:
        facts.append(f"Made for the {words.TASK_TITLES[model.task]} tab")
    elif model.pipeline_tag:
        facts.append(f"Hugging Face task: {html.escape(model.pipeline_tag)}")
    popular = words.popularity(model)
    if popular:
        facts.append(html.escape(popular))
    badges = words.badges(model)
    if badges:
        facts.append(html.escape(", ".join(badges).capitalize()))
    if facts:
        parts.append("<p>" + "<br>".join(facts) + "</p>")
    parts.append("<h3 style='margin-bottom:2px'>Who serves it for you</h3>")
    if model.offers:
        parts.append(
            "<p style='margin-top:0; color:"
            + muted
            + "'>In your order from the Providers page.</p>"
        )
        parts.append("<table>" + "".join(offer_row(o, chat) for o in model.offers) + "</table>")
        if any(o.state == "test-only" for o in model.offers):
            parts.append(
                f"<p style='color:{muted}'>Test-only providers are skipped by Auto; pick one "
                "by name in the Provider box to use it.</p>"
            )
        if any(o.state == "needs a key" for o in model.offers):
            parts.append(
                f"<p style='color:{muted}'>“Needs a key”: add a Hugging Face token or the "
                "provider's own key on the Providers page.</p>"
            )
    else:
        parts.append(
            f"<p style='color:{muted}'>No provider lists it at the moment; it may still work "
            "on a server of your own.</p>"
        )
    return "".join(parts)


class DetailsPane(QTextBrowser):
    """Read-only, wrapping, scrollable; empty text until a model is chosen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setOpenLinks(False)
        self.setAccessibleName("Model details")
        self.model: ModelInfo | None = None
        self.setMinimumWidth(240)

    def show_model(self, model: ModelInfo | None, *, favourite: bool = False) -> None:
        self.model = model
        if model is None:
            self.setHtml(
                f"<p style='color:{muted_text(self.palette()).name()}'>Choose a model on the "
                "left to see what it does and who serves it.</p>"
            )
            return
        self.setHtml(details_html(model, self.palette(), favourite=favourite))
