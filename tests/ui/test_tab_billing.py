"""Each tab's own "Bill to", against the loopback emulator (real HTTP, real engine).

A tab set to an organisation sends ``X-HF-Bill-To`` with that name on its router requests;
a tab left "as on Providers" sends the global choice; a provider called directly with its
own key and the media downloads never see the header. The choice is kept per tab.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication, QWidget

from desktop.services import Services
from desktop.ui.chat.page import ChatPage
from desktop.ui.costs.tab_billing import GLOBAL_LABEL, billing_news
from desktop.ui.embeddings import EmbeddingsPage
from desktop.ui.images import ImagesPage
from desktop.ui.speech import SpeechPage
from desktop.ui.theme import dark_palette
from desktop.ui.video import VideoPage
from tests.emulator import LLAMA_8B, Emulator, direct_key
from tests.emulator.media_models import FLUX_SCHNELL
from tests.ui.page_helpers import (  # noqa: F401 (fixtures)
    build_page_fixture,
    media_env_fixture,
    wait_until,
)

pytestmark = pytest.mark.gui

SHOTS = os.environ.get("SWITCHBOARD_SHOTS", "")


def shoot(widget: QWidget, name: str) -> None:
    """Save what the widget looks like, light and dark, when asked (SWITCHBOARD_SHOTS)."""
    if not SHOTS or not Path(SHOTS).is_dir():
        return
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    QApplication.processEvents()
    widget.grab().save(str(Path(SHOTS) / f"bill-to-{name}-light.png"))
    app.setPalette(dark_palette())
    try:
        QApplication.processEvents()
        widget.grab().save(str(Path(SHOTS) / f"bill-to-{name}-dark.png"))
    finally:
        app.setPalette(light)


def bill_to_headers(emulator: Emulator, provider: str) -> list[tuple[bool, str | None]]:
    return [(r.routed, r.headers.get("x-hf-bill-to")) for r in emulator.requests_for(provider)]


def test_a_tab_billed_to_an_organisation_sends_it_and_another_tab_the_global_choice(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    open_services: Callable[..., Services],
    media_env: dict[str, str],
    emulator: Emulator,
) -> None:
    services = open_services(media_env | {"GROQ_API_KEY": direct_key("groq")})
    chosen = services.engine.costs.cost_settings
    chosen.organisations = ["acme-labs", "umbrella-corp"]
    chosen.bill_to = "umbrella-corp"  # the global choice (Providers page)
    services.settings.set_order(["groq", "cerebras", "fal-ai"])

    chat: ChatPage = build_page(ChatPage, services)
    assert chat.bill_to.isVisibleTo(chat) and chat.bill_to.currentText() == GLOBAL_LABEL
    chat.bill_to.choose("acme-labs")
    assert chat.bill_to.currentText() == "Bill: acme-labs"
    chat.model_picker.set_current_model(LLAMA_8B)
    chat.composer.set_text("Who pays?")
    chat.send()  # groq, with its own key: straight to groq, never billed to an organisation
    wait_until(loop, lambda: not chat.busy and len(chat.view.widgets()) == 2)
    assert bill_to_headers(emulator, "groq") == [(False, None)]
    chat.provider_picker.set_policy("cerebras")  # through the router
    chat.composer.set_text("And now?")
    chat.send()
    wait_until(loop, lambda: not chat.busy and len(chat.view.widgets()) == 4)
    assert bill_to_headers(emulator, "cerebras") == [(True, "acme-labs")]
    shoot(chat, "chat")

    images: ImagesPage = build_page(ImagesPage, services)
    assert images.bill_to.account() is None  # as on the Providers page
    images.model_picker.set_current_model(FLUX_SCHNELL)
    images.policy_picker.set_policy("fal-ai")
    images.form.prompt.setPlainText("a lighthouse at dusk")
    images.form.set_size(96, 64)
    images.run_button.click()
    wait_until(loop, lambda: not images.busy and images.model.rowCount() == 1)
    sent = bill_to_headers(emulator, "fal-ai")
    assert sent and all(s == (True, "umbrella-corp") for s in sent)
    downloads = emulator.requests_for("media")
    assert downloads and all("x-hf-bill-to" not in r.headers for r in downloads)
    shoot(images, "images")

    # The tab's own "your account" wins over the global organisation: no header at all.
    emulator.clear_requests()
    images.bill_to.choose("")
    images.run_button.click()
    wait_until(loop, lambda: not images.busy and images.model.rowCount() == 2)
    sent = bill_to_headers(emulator, "fal-ai")
    assert sent and all(s == (True, None) for s in sent)


def test_each_tab_keeps_its_choice_and_offers_organisations_once_listed(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    open_services: Callable[..., Services],
    media_env: dict[str, str],
) -> None:
    services = open_services(media_env)
    video: VideoPage = build_page(VideoPage, services)
    images: ImagesPage = build_page(ImagesPage, services)
    assert not video.bill_to.isVisibleTo(video)  # no organisation: nothing to choose
    services.engine.costs.cost_settings.organisations = ["acme-labs"]
    billing_news().changed.emit()  # what the Providers page says after "Add"
    assert video.bill_to.isVisibleTo(video) and images.bill_to.isVisibleTo(images)
    labels = [video.bill_to.itemText(i) for i in range(video.bill_to.count())]
    assert labels == [GLOBAL_LABEL, "Bill: your account", "Bill: acme-labs"]
    speech: SpeechPage = build_page(SpeechPage, services)  # both its pages: their own choice
    assert speech.bill_to.isVisibleTo(speech) and speech.read_aloud.bill_to.account() is None
    embeddings: EmbeddingsPage = build_page(EmbeddingsPage, services)
    assert embeddings.bill_to.isVisibleTo(embeddings)
    shoot(speech, "speech")
    shoot(embeddings, "embeddings")
    shoot(video, "video")

    video.bill_to.choose("acme-labs")
    images.bill_to.choose("")
    assert services.state.get("video.bill_to") == "acme-labs"
    assert services.state.get("images.bill_to") == ""
    again: VideoPage = build_page(VideoPage, services)  # the tab built again (next start)
    assert again.bill_to.account() == "acme-labs"
    assert build_page(ImagesPage, services).bill_to.account() == ""

    # An organisation taken off the list stays offered while a tab is billed to it.
    services.engine.costs.cost_settings.organisations = []
    billing_news().changed.emit()
    assert video.bill_to.account() == "acme-labs" and video.bill_to.isVisibleTo(video)
    video.bill_to.choose(None)
    assert "video.bill_to" not in services.state._values()
