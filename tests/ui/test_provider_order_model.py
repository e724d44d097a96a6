"""The drag-reorderable provider list: moveRows semantics, Qt model rules, persistence."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester

from desktop.core.table import DEFAULT_ORDER
from desktop.engine.credentials import Credentials
from desktop.store.settings import CustomEndpoint, Settings, SettingsStore
from desktop.ui.providers.key_status import NO_KEY, OWN_KEY, UNROUTED, VIA_HF, key_status
from desktop.ui.providers.order_model import ProviderOrderModel
from desktop.ui.widgets.two_line_delegate import NOTE_ROLE

ROOT = QModelIndex()


@pytest.fixture
def saved() -> list[int]:
    return []


@pytest.fixture
def make_model(saved: list[int]) -> Callable[..., ProviderOrderModel]:
    def factory(
        settings: Settings | None = None, env: dict[str, str] | None = None
    ) -> ProviderOrderModel:
        return ProviderOrderModel(
            settings or Settings(), Credentials(env or {}), lambda: saved.append(1)
        )

    return factory


def test_move_down_lands_before_the_destination_row(
    make_model: Callable[..., ProviderOrderModel],
) -> None:
    model = make_model()
    first, second, third = model.ids[:3]
    # Qt's convention: the destination counts rows before the move, so "after row 2" is 3.
    assert model.moveRows(ROOT, 0, 1, ROOT, 3)
    assert model.ids[:3] == [second, third, first]


def test_move_up(make_model: Callable[..., ProviderOrderModel]) -> None:
    model = make_model()
    ids = model.ids
    assert model.moveRows(ROOT, 4, 1, ROOT, 1)
    assert model.ids[:5] == [ids[0], ids[4], ids[1], ids[2], ids[3]]


def test_move_a_block(make_model: Callable[..., ProviderOrderModel]) -> None:
    model = make_model()
    ids = model.ids
    assert model.moveRows(ROOT, 0, 2, ROOT, len(ids))
    assert model.ids == ids[2:] + ids[:2]


@pytest.mark.parametrize(
    ("source", "count", "destination"),
    [
        (2, 1, 2),  # onto itself
        (2, 1, 3),  # just after itself: no change
        (1, 3, 2),  # into its own block
        (-1, 1, 0),  # out of range
        (0, 1, 99),
        (0, 0, 3),  # nothing to move
    ],
)
def test_refuses_moves_that_change_nothing_or_make_no_sense(
    make_model: Callable[..., ProviderOrderModel],
    saved: list[int],
    source: int,
    count: int,
    destination: int,
) -> None:
    model = make_model()
    before = model.ids
    assert not model.moveRows(ROOT, source, count, ROOT, destination)
    assert model.ids == before
    assert saved == []


def test_passes_qt_model_tester(
    qtmodeltester: ModelTester, make_model: Callable[..., ProviderOrderModel]
) -> None:
    qtmodeltester.check(make_model())  # type: ignore[no-untyped-call]  # pytest-qt is untyped


def test_flags_allow_drops_only_between_rows(
    make_model: Callable[..., ProviderOrderModel],
) -> None:
    model = make_model()
    item = model.flags(model.index(0, 0))
    assert item & Qt.ItemFlag.ItemIsDragEnabled
    assert item & Qt.ItemFlag.ItemIsUserCheckable
    assert not item & Qt.ItemFlag.ItemIsDropEnabled
    assert model.flags(ROOT) & Qt.ItemFlag.ItemIsDropEnabled
    assert model.supportedDropActions() == Qt.DropAction.MoveAction


def test_order_is_saved_to_the_settings_on_every_move(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    store = SettingsStore(tmp_path_factory.mktemp("cfg") / "settings.json")
    settings = Settings()
    model = ProviderOrderModel(settings, Credentials({}), lambda: store.save(settings))
    moved = model.ids[5]
    assert model.moveRows(ROOT, 5, 1, ROOT, 0)
    assert settings.ordered_providers()[0] == moved
    assert store.load().ordered_providers()[0] == moved  # written to disk too


def test_unticking_switches_a_provider_off(
    make_model: Callable[..., ProviderOrderModel], saved: list[int]
) -> None:
    settings = Settings()
    model = make_model(settings)
    changed: list[int] = []
    model.changed.connect(lambda: changed.append(1))
    index = model.index(model.row_of("groq"), 0)
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert model.setData(index, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert not settings.is_enabled("groq")
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert saved and changed
    assert model.setData(index, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert settings.is_enabled("groq")


def test_custom_servers_are_rows_too(make_model: Callable[..., ProviderOrderModel]) -> None:
    settings = Settings()
    settings.add_custom(CustomEndpoint("ollama", "http://localhost:11434/v1"))
    model = make_model(settings)
    assert model.ids[-1] == "ollama"
    assert model.index(len(model.ids) - 1, 0).data() == "ollama"
    assert len(model.ids) == len(DEFAULT_ORDER) + 1


def test_key_status_words() -> None:
    settings = Settings()
    nothing = Credentials({})
    assert key_status("groq", settings, nothing) == NO_KEY
    hf = Credentials({"HF_TOKEN": "hf_x"})
    assert key_status("groq", settings, hf) == VIA_HF
    assert key_status("nebius", settings, hf) == UNROUTED
    assert key_status("nebius", settings, nothing) == UNROUTED
    own = Credentials({"GROQ_API_KEY": "k", "NEBIUS_API_KEY": "k"})
    assert key_status("groq", settings, own) == OWN_KEY
    assert key_status("nebius", settings, own) == OWN_KEY
    assert key_status("hf-inference", settings, nothing) == NO_KEY
    assert key_status("hf-inference", settings, hf) == VIA_HF


def test_key_status_is_shown_and_refreshed(
    make_model: Callable[..., ProviderOrderModel],
) -> None:
    credentials = Credentials({})
    model = ProviderOrderModel(Settings(), credentials, lambda: None)
    index = model.index(model.row_of("groq"), 0)
    assert index.data(NOTE_ROLE) == NO_KEY
    changes: list[int] = []
    model.dataChanged.connect(lambda *_: changes.append(1))
    credentials.remember("groq", "secret")
    model.refresh_status()
    assert changes
    assert index.data(NOTE_ROLE) == OWN_KEY
