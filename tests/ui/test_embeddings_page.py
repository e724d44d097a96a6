"""The Embeddings tab against the loopback emulator: real HTTP, real maths, real files.

Four texts are computed; the heat map is 4 × 4 with the engine's similarities, the map has
four points, the neighbours of the first text come best first, and clicking a row or hovering
a cell works as a person expects. The CSV and NPY exports read back to the same vectors, a
CSV file loads its text column, a provider failing first shows in the trace, and earlier runs
come back from the library after a restart.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop.engine.vector_export import read_npy
from desktop.engine.vectors import cosine_matrix
from desktop.services import Services
from desktop.ui.embeddings import EmbeddingsPage
from tests.emulator import HF_TOKEN, Emulator
from tests.emulator.embeddings import embed_text
from tests.emulator.media_models import BGE_SMALL
from tests.ui.conftest import act, until
from tests.ui.media_helpers import FAST, act_until, answer_dialog, drop_files
from tests.ui.page_helpers import build_page_fixture  # noqa: F401 (fixture)

TEXTS = [
    "the cat sat on the mat",
    "a cat sat on a mat",
    "stock markets fell sharply",
    "the markets fell",
]


def configure(services: Services) -> Services:
    services.engine.deadlines = FAST
    services.settings.set_order(["hf-inference", "together", "nebius", "sambanova"])
    return services


@pytest.fixture
def services(emulator: Emulator, open_services: Callable[..., Services]) -> Services:
    return configure(open_services(emulator.env() | {"HF_TOKEN": HF_TOKEN}))


@pytest.fixture
def make_page(build_page: Callable[..., Any]) -> Callable[[Services], EmbeddingsPage]:
    """``make_page(services)``: a shown Embeddings tab (its start-up work may still run), closed
    properly after the test."""
    return lambda services: build_page(EmbeddingsPage, services, settle=False)


def compute(loop: qasync.QEventLoop, page: EmbeddingsPage, texts: list[str]) -> None:
    act(loop, lambda: page.texts_edit.setPlainText("\n\n".join(texts) + "\n"))
    page.model_picker.set_current_model(BGE_SMALL)
    seen: list[str] = []

    def click() -> None:
        QTest.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
        seen.append(page.run_button.text())

    act_until(loop, click, lambda: not page.busy and page.texts == texts)
    assert seen == ["Cancel"]


def test_four_texts_give_a_heat_map_a_map_and_neighbours(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], EmbeddingsPage],
) -> None:
    page = make_page(services)
    compute(loop, page, TEXTS)
    assert page.texts == TEXTS
    expected = cosine_matrix([embed_text(t, 384) for t in TEXTS])

    heat = page.heat_map
    assert heat.size_n == 4
    assert len(heat.matrix) == 4 and all(len(row) == 4 for row in heat.matrix)
    for got, want in zip(heat.matrix, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-5)
    assert all(heat.matrix[i][i] == pytest.approx(1.0) for i in range(4))
    cells = {(r, c): heat.cell_rect(r, c) for r in range(4) for c in range(4)}
    assert all(rect.width() >= 20 for rect in cells.values())  # readable squares, not slivers
    assert len({(rect.x(), rect.y()) for rect in cells.values()}) == 16

    assert page.text_map.point_count == 4
    positions = page.text_map.positions()
    assert len(positions) == 4 and all(
        page.text_map.rect().contains(p.toPoint()) for p in positions
    )

    rows = page.neighbour_list.rows()
    assert [index for index, _ in rows] == [1, 3, 2]  # "a cat sat on a mat" is closest
    scores = [score for _, score in rows]
    assert scores == sorted(scores, reverse=True)
    assert scores == pytest.approx([expected[0][j] for j in (1, 3, 2)], abs=1e-5)
    assert page.focus_picker.currentIndex() == 0

    # Hovering a cell shows the pair and its value; clicking a row shows that text's
    # neighbours.
    centre = heat.cell_rect(2, 3).center()
    act(loop, lambda: QTest.mouseMove(heat, centre))
    assert heat.hovered == (2, 3)
    assert page.hover_label.text() == f"3 ↔ 4: similarity {expected[2][3]:.3f}"
    assert f"Similarity {expected[2][3]:.3f}" in heat.describe(2, 3)
    act(loop, lambda: QTest.mouseClick(heat, Qt.MouseButton.LeftButton, pos=centre))
    assert page.focus_picker.currentIndex() == 2
    assert page.neighbour_list.rows()[0][0] == 3

    point = page.text_map.positions()[1].toPoint()
    act(loop, lambda: QTest.mouseClick(page.text_map, Qt.MouseButton.LeftButton, pos=point))
    assert page.focus_picker.currentIndex() == 1
    assert page.badge.label.text().startswith("via HF Inference · ")


def saved(page: EmbeddingsPage, target: Path) -> bool:
    return page.message_bar.text_label.text() == f"Saved {target.name}."


def test_csv_and_npy_exports_read_back_to_the_same_vectors(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], EmbeddingsPage],
    tmp_path: Path,
) -> None:
    page = make_page(services)
    compute(loop, page, TEXTS)
    vectors = page.vectors

    target = tmp_path / "vectors.csv"
    act(loop, lambda: page.export_buttons["csv"].click())
    answer_dialog(loop, page, target, done=lambda: saved(page, target))
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0] == ["text", *(f"d{i}" for i in range(384))]
    assert [row[0] for row in rows[1:]] == TEXTS
    assert [[float(x) for x in row[1:]] for row in rows[1:]] == vectors

    target = tmp_path / "vectors.npy"
    act(loop, lambda: page.export_buttons["npy"].click())
    answer_dialog(loop, page, target, done=lambda: saved(page, target))
    back = read_npy(target.read_bytes())
    assert len(back) == 4 and all(len(v) == 384 for v in back)
    for got, want in zip(back, vectors, strict=True):
        assert got == pytest.approx(want, abs=1e-6)  # float32 on disk


def test_a_csv_file_loads_its_text_column(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], EmbeddingsPage],
    tmp_path: Path,
) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(
        'id,review,stars\n1,Great phone,5\n2,"Battery died, sadly",1\n3,Okay screen,3\n',
        encoding="utf-8",
    )
    reviews = ["Great phone", "Battery died, sadly", "Okay screen"]
    page = make_page(services)
    assert drop_files(loop, page, path, done=lambda: page.typed_texts() == reviews)
    assert page.source_note.text() == "3 texts from column “review” of reviews.csv."
    until(loop, lambda: page.count_label.text() == "3 texts")

    # The same file through Load file…, over text already typed: it replaces the text.
    act(loop, lambda: page.texts_edit.setPlainText("something else"))
    act(loop, lambda: page.load_button.click())
    answer_dialog(loop, page, path, done=lambda: page.typed_texts() == reviews)

    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF")
    act_until(loop, lambda: page.load_file(notes), page.message_bar.isVisible)
    assert page.message_bar.text_label.text() == (
        "notes.pdf is not a text or CSV file; load a .txt with one text per line "
        "or a .csv with a column of text."
    )


def test_a_failing_provider_is_shown_in_the_trace(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], EmbeddingsPage],
    emulator: Emulator,
) -> None:
    emulator.fault("hf-inference", "status", status=500, times=1)
    page = make_page(services)
    compute(loop, page, TEXTS)
    assert page.badge.label.text().startswith("via Together AI · ")
    assert (
        page.badge.failover.text() == "HF Inference had a server problem, so Together AI delivered"
    )
    assert page.heat_map.size_n == 4


def test_nothing_to_embed_is_one_sentence(
    loop: qasync.QEventLoop,
    services: Services,
    make_page: Callable[[Services], EmbeddingsPage],
    emulator: Emulator,
) -> None:
    page = make_page(services)
    emulator.clear_requests()
    act(loop, page.compute)
    assert not page.busy
    assert page.message_bar.text_label.text() == "Add at least one text to embed."
    assert emulator.requests_for("hf-inference") == []


def test_earlier_runs_come_back_after_a_restart(
    loop: qasync.QEventLoop,
    emulator: Emulator,
    open_services: Callable[..., Services],
    make_page: Callable[[Services], EmbeddingsPage],
) -> None:
    env = emulator.env() | {"HF_TOKEN": HF_TOKEN}
    first = make_page(configure(open_services(env)))
    compute(loop, first, TEXTS)
    record_id = first.record_id
    vectors = first.vectors
    until(loop, lambda: first.history_list.ids() == [record_id])

    again = make_page(configure(open_services(env)))
    until(loop, lambda: again.history_list.ids() == [record_id])
    index = again.history_list.model_.index(0, 0)
    act_until(
        loop,
        lambda: QTest.mouseClick(
            again.history_list.viewport(),
            Qt.MouseButton.LeftButton,
            pos=again.history_list.visualRect(index).center(),
        ),
        lambda: again.record_id == record_id,
    )
    assert again.texts == TEXTS and again.typed_texts() == TEXTS
    assert again.heat_map.size_n == 4 and again.text_map.point_count == 4
    for got, want in zip(again.vectors, vectors, strict=True):
        assert got == pytest.approx(want, abs=1e-6)
    assert [index for index, _ in again.neighbour_list.rows()] == [1, 3, 2]
    assert not again.stale_note.isVisible()
