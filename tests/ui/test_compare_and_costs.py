"""The compare view, the totals panel with its chart, the expected-cost hint and the budget
question, against the loopback emulator (real HTTP, real engine, real history)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCharts import QBarSeries, QValueAxis
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop.core.table import Task
from desktop.core.vocab import Status
from desktop.engine.compare import COMPARE_TASK, Pair, load_comparison
from desktop.services import Services
from desktop.store.cost_ledger import CostEntry
from desktop.ui.compare.view import CompareView
from desktop.ui.costs.panel import CHART_DAYS, CostsPanel
from desktop.ui.images import ImagesPage
from desktop.ui.theme import dark_palette
from tests.emulator import LLAMA_8B, Emulator
from tests.emulator.media_models import FLUX_SCHNELL
from tests.ui.page_helpers import (  # noqa: F401 (fixtures)
    build_page_fixture,
    drive,
    media_env_fixture,
    wait_until,
)

pytestmark = pytest.mark.gui

SHOTS = Path(os.environ.get("SWITCHBOARD_SHOTS", "/work/briefs/shots"))


@pytest.fixture
def services(open_services: Callable[..., Services], media_env: dict[str, str]) -> Services:
    return open_services(media_env)


def shoot(widget: QWidget, name: str) -> None:
    """Save what the widget looks like, light and dark (for people to look at)."""
    if not SHOTS.is_dir():
        return
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    QApplication.processEvents()  # children added to a shown widget appear on the next pass
    widget.grab().save(str(SHOTS / f"costs-{name}-light.png"))
    app.setPalette(dark_palette())
    try:
        QApplication.processEvents()
        widget.grab().save(str(SHOTS / f"costs-{name}-dark.png"))
    finally:
        app.setPalette(light)


def compare_view(build_page: Callable[..., Any], services: Services, task: Task) -> CompareView:
    view: CompareView = build_page(functools.partial(CompareView, task=task), services)
    return view


def finished(view: CompareView) -> bool:
    return (
        not view.busy
        and bool(view.columns)
        and all(c.keep.isEnabled() or c.error.isVisibleTo(c) for c in view.columns)
        and view.status.text().startswith("Saved in the Library")
    )


def test_chat_compare_shows_two_pinned_columns_with_figures_and_keeps_one(
    loop: qasync.QEventLoop, build_page: Callable[..., Any], services: Services
) -> None:
    view = compare_view(build_page, services, Task.CHAT)
    kept: list[tuple[str, int]] = []
    view.kept.connect(lambda task, ident: kept.append((task, ident)))
    view.set_pairs([Pair(LLAMA_8B, "groq"), Pair(LLAMA_8B, "cerebras")])
    view.prompt.setPlainText("What is a fox?")
    view.go.click()
    wait_until(loop, lambda: finished(view))

    groq, cerebras = view.columns
    assert groq.text.toPlainText() == "Hello from groq."
    assert cerebras.text.toPlainText() == "Hello from cerebras."
    assert "Groq" in groq.title.text() and "Cerebras" in cerebras.title.text()
    for column in view.columns:
        figures = column.figures.text()
        assert figures.startswith("wait ") and "≈ $" in figures and "word" in figures
        assert "per million tokens" in column.figures.toolTip()
    shoot(view, "compare-chat")

    # Saved in the Library as a comparison that reopens with the same columns.
    assert view.comparison is not None and view.comparison.record_id is not None
    saved = load_comparison(services.history, view.comparison.record_id)
    assert saved is not None and [c.provider for c in saved.columns] == ["groq", "cerebras"]
    gen = services.history.get_generation(view.comparison.record_id)
    assert gen is not None and gen.task == COMPARE_TASK
    reopened = compare_view(build_page, services, Task.CHAT)
    reopened.show_saved(saved)
    wait_until(loop, lambda: all(c.keep.isEnabled() for c in reopened.columns))
    assert [c.text.toPlainText() for c in reopened.columns] == [
        "Hello from groq.",
        "Hello from cerebras.",
    ]
    assert [r.pair().provider for r in reopened.rows] == ["groq", "cerebras"]

    cerebras.keep.click()
    wait_until(loop, lambda: bool(kept))
    task, conversation_id = kept[0]
    assert task == Task.CHAT.value
    conversation = services.history.get_conversation(conversation_id)
    assert conversation is not None
    assert [(m.role, m.content) for m in conversation.messages] == [
        ("user", "What is a fox?"),
        ("assistant", "Hello from cerebras."),
    ]
    assert conversation.messages[1].provider == "cerebras"


def test_a_failing_column_says_why_and_another_provider_can_take_it(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    services: Services,
    emulator: Emulator,
) -> None:
    emulator.fault("cerebras", "status", status=503)
    view = compare_view(build_page, services, Task.CHAT)
    view.set_pairs([Pair(LLAMA_8B, "groq"), Pair(LLAMA_8B, "cerebras")])
    view.prompt.setPlainText("Hi")
    view.go.click()
    wait_until(loop, lambda: finished(view))
    failing = view.columns[1]
    assert failing.error.isVisibleTo(failing) and "server problem" in failing.error.text()
    assert not failing.keep.isEnabled() and failing.other.isVisibleTo(failing)
    assert failing.figures.text().endswith("≈ $0")
    # Pinned: the failing column did not quietly go to another provider.
    assert {r.provider for r in emulator.requests if r.method == "POST"} == {"groq", "cerebras"}
    menu = failing.other.menu()
    assert menu is not None
    together = next(a for a in menu.actions() if a.text() == "Together AI")
    together.trigger()
    wait_until(loop, lambda: failing.keep.isEnabled())
    wait_until(loop, lambda: view.status.text().startswith("Saved in the Library"))
    assert failing.text.toPlainText() == "Hello from together."
    assert view.comparison is not None
    assert view.comparison.columns[1].provider == "together"


def compare_two_pictures(loop: qasync.QEventLoop, view: CompareView, size: tuple[int, int]) -> None:
    """FLUX schnell at fal and at Together, one prompt, until both pictures are shown."""
    view.image_size = size
    view.set_pairs([Pair(FLUX_SCHNELL, "fal-ai"), Pair(FLUX_SCHNELL, "together")])
    view.prompt.setPlainText("a lighthouse at dusk")
    view.go.click()
    wait_until(loop, lambda: finished(view), timeout=20)
    wait_until(loop, lambda: all(c.picture.image is not None for c in view.columns))


def test_two_image_models_side_by_side(
    loop: qasync.QEventLoop, build_page: Callable[..., Any], services: Services
) -> None:
    view = compare_view(build_page, services, Task.TEXT_TO_IMAGE)
    compare_two_pictures(loop, view, (96, 64))
    for column in view.columns:
        assert "96×64" in column.figures.text() and "≈ $" in column.figures.text()
    assert view.comparison is not None
    assert all(c.status == Status.COMPLETE for c in view.comparison.columns)
    shoot(view, "compare-images")


def test_compared_pictures_are_decoded_at_column_size_and_shown_again_when_reopened(
    loop: qasync.QEventLoop, build_page: Callable[..., Any], services: Services
) -> None:
    view = compare_view(build_page, services, Task.TEXT_TO_IMAGE)
    view.resize(900, 600)
    compare_two_pictures(loop, view, (1024, 1024))
    for column in view.columns:
        image = column.picture.image
        assert image is not None
        box = column.picture.decode_box()
        assert image.width() <= box.width() + 2 and image.height() <= box.height() + 2
        assert image.width() < 1024  # not the whole picture: the column is narrower
    saved = view.comparison
    assert saved is not None
    view.show_saved(saved)
    wait_until(loop, lambda: all(c.picture.image is not None for c in view.columns))


def test_totals_panel_shows_today_month_groups_and_a_chart(
    loop: qasync.QEventLoop, services: Services
) -> None:
    ledger = services.engine.costs.ledger
    assert ledger is not None
    now = ledger.now()
    for day in range(10):
        at = now - day * 86400
        ledger.add(CostEntry("conversational", LLAMA_8B, "groq", 0.002 * (day + 1), "b", at=at))
        ledger.add(CostEntry("text-to-image", FLUX_SCHNELL, "fal-ai", 0.01, "b", at=at))
    services.engine.costs.cost_settings.monthly_budget_usd = 0.05
    panel = CostsPanel(services)
    panel.resize(1000, 300)
    panel.show()
    panel.refresh()
    wait_until(loop, lambda: bool(panel.days))
    assert panel.summary.text().startswith("Today ≈ $0.01")  # 0.002 + 0.01
    assert "of $0.05" in panel.summary.text()
    assert panel.budget_note.isVisibleTo(panel)
    assert panel.budget_note.text().startswith("Over your monthly budget: $0.13 of your $0.05")
    (series,) = panel.chart.series()
    assert isinstance(series, QBarSeries)
    (bars,) = series.barSets()
    assert bars.count() == CHART_DAYS
    assert bars.at(CHART_DAYS - 1) == pytest.approx(0.012)
    assert [t.key for t in panel.by_provider][:2] in (["fal-ai", "groq"], ["groq", "fal-ai"])
    shoot(panel, "totals")
    panel.close()


def test_the_chart_of_tiny_costs_labels_its_axis_with_distinct_amounts(
    loop: qasync.QEventLoop, services: Services
) -> None:
    """A month of small chats (≈ $0.0000006 each) used to read "$0.000" on every tick."""
    ledger = services.engine.costs.ledger
    assert ledger is not None
    ledger.add(CostEntry("conversational", LLAMA_8B, "groq", 0.00000059, "b", at=ledger.now()))
    panel = CostsPanel(services)
    panel.resize(1000, 300)
    panel.show()
    panel.refresh()
    wait_until(loop, lambda: bool(panel.days))
    (axis,) = [a for a in panel.chart.axes() if isinstance(a, QValueAxis)]
    top = axis.max()
    assert axis.labelFormat() % top != axis.labelFormat() % (top / 2) != axis.labelFormat() % 0
    assert axis.labelFormat() % top == "$0.00000068"
    panel.close()


def test_images_form_shows_the_expected_cost_and_the_budget_asks_first(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    services: Services,
    emulator: Emulator,
) -> None:
    services.settings.set_order(["fal-ai", "together"])
    page: ImagesPage = build_page(ImagesPage, services)
    page.model_picker.set_current_model(FLUX_SCHNELL)
    page.policy_picker.set_policy("fal-ai")
    page.form.prompt.setPlainText("a lighthouse")
    page.form.set_size(1024, 1024)
    page.form.count.setValue(2)
    page.cost_hint.update_now()
    assert page.cost_hint.text() == "Expected cost ≈ $0.0063 at fal"  # 2 × 1.05 MP × $0.003

    meter = services.engine.costs
    meter.cost_settings.monthly_budget_usd = 0.01
    assert meter.ledger is not None
    meter.ledger.add(CostEntry("conversational", LLAMA_8B, "groq", 0.01, "b"))  # all used
    page.form.set_size(96, 64)
    page.run_button.click()
    wait_until(loop, lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox) and "over your monthly budget" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    wait_until(loop, lambda: not page.busy)
    assert not [r for r in emulator.requests if r.provider == "fal-ai"]  # nothing was started

    meter.cost_settings.monthly_budget_usd = None
    page.run_button.click()
    wait_until(loop, lambda: not page.busy)
    assert len([r for r in emulator.requests if r.provider == "fal-ai"]) == 2


def test_compare_buttons_sit_beside_the_provider_boxes_and_the_library_reopens(
    loop: qasync.QEventLoop, make_window: Callable[..., Any], media_env: dict[str, str]
) -> None:
    from PySide6.QtWidgets import QPushButton

    from desktop.engine.compare import Column, Comparison, save_comparison

    window = make_window(media_env)
    for page, task in (
        (window.chat, Task.CHAT),
        (window.images, Task.TEXT_TO_IMAGE),
        (window.speech, Task.SPEECH_TO_TEXT),
    ):
        buttons = [b for b in page.findChildren(QPushButton) if b.text() == "Compare…"]
        assert len(buttons) == 1, task
        buttons[0].click()
        dialog = window.compare.dialogs[-1]
        assert dialog.view.task == task and dialog.isVisible()
        assert dialog.view.rows[0].model.current_model()  # the tab's model to start with
        dialog.close()
    comparison = Comparison(
        Task.CHAT.value,
        "Hi",
        [
            Column(LLAMA_8B, "groq", status=Status.COMPLETE, text="one"),
            Column(LLAMA_8B, "cerebras"),
        ],
    )
    record = save_comparison(window.services.history, comparison)
    window.reuse_in_tab(COMPARE_TASK, record)  # the Library's "Reuse in Compare"
    wait_until(loop, lambda: any(d.view.comparison is not None for d in window.compare.dialogs))
    reopened = next(d for d in window.compare.dialogs if d.view.comparison is not None)
    assert reopened.view.columns[0].text.toPlainText() == "one"
    reopened.close()
