"""One storage path: every database call the window makes runs on the database worker.

The SQLite connections (history, jobs and the cost ledger) report each statement they run,
with the thread that ran it, while a whole session goes by: the window opens, a chat answer
streams, a picture and a video are made under a monthly budget (so the budget is checked
before each start), conversations are searched, the library with its cost totals is opened
and searched, and the Providers page shows the totals again. Not one statement may run on
the GUI (main) thread.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

import pytest
import qasync

from desktop.services import Services
from desktop.store.worker import THREAD_NAME
from desktop.ui.main_window import MainWindow
from tests.emulator import LLAMA_8B, Emulator
from tests.emulator.jobs import WAN_T2V
from tests.emulator.media_models import FLUX_SCHNELL
from tests.fast_polls import FAST_VIDEO_POLL as FAST_POLL
from tests.ui.conftest import run, settle
from tests.ui.page_helpers import media_env_fixture, wait_until  # noqa: F401 (fixtures)

pytestmark = pytest.mark.gui


def _connections(services: Services) -> list[sqlite3.Connection]:
    ledger = services.engine.costs.ledger
    assert ledger is not None
    return [services.history._db._conn, services.jobs._conn, ledger._db]


def test_no_database_call_of_a_whole_session_runs_on_the_gui_thread(
    loop: qasync.QEventLoop,
    make_window: Callable[..., MainWindow],
    media_env: dict[str, str],
    emulator: Emulator,
) -> None:
    emulator.set_reply("A streamed answer about zebras, long enough for a few chunks.")
    threads: list[threading.Thread] = []
    ledger_threads: list[threading.Thread] = []
    lock = threading.Lock()

    def record(_statement: str) -> None:
        with lock:
            threads.append(threading.current_thread())

    def record_ledger(_statement: str) -> None:
        with lock:
            ledger_threads.append(threading.current_thread())

    def prepare(services: Services) -> None:
        services.video.timing = FAST_POLL
        services.settings.set_order(["fal-ai", "replicate", "novita", "together"])
        services.engine.costs.cost_settings.monthly_budget_usd = 100.0  # checked before a start
        for conn in _connections(services)[:2]:
            conn.set_trace_callback(record)
        _connections(services)[2].set_trace_callback(record_ledger)

    window = make_window(media_env, prepare=prepare)
    services = window.services

    chat = window.chat
    chat.model_picker.set_current_model(LLAMA_8B)
    chat.composer.set_text("Tell me about zebras")
    chat.send()
    wait_until(loop, lambda: not chat.busy and chat.sidebar.model.rowCount() == 1)
    chat.sidebar.search.setText("zebras")
    wait_until(loop, lambda: chat.sidebar.model.rowCount() == 1 and not chat.sidebar.model.editable)

    images = window.images
    images.model_picker.set_current_model(FLUX_SCHNELL)
    images.form.prompt.setPlainText("a lighthouse at dusk")
    images.form.set_size(96, 64)
    images.run_button.click()
    wait_until(loop, lambda: not images.busy and images.model.rowCount() == 1)

    video = window.video
    video.model_picker.set_current_model(WAN_T2V)
    video.form.prompt.setPlainText("a red fox running through fresh snow")
    video.run_button.click()
    wait_until(loop, lambda: not video.busy)
    wait_until(loop, lambda: (g := video.model.generation(0)) and g.status == "complete")

    window.tabs.setCurrentWidget(window.library)
    library = window.library
    wait_until(loop, lambda: library.model.rowCount() == 3)  # the chat, the picture, the video
    library.search.setText("lighthouse")
    wait_until(loop, lambda: library.count_label.text() == "1 found")
    library.search.setText("zebras")  # the chats are searched on the worker too
    wait_until(loop, lambda: library.count_label.text() == "1 found")
    wait_until(loop, lambda: library.costs.summary.text().startswith("Today ≈ $"))

    window.tabs.setCurrentWidget(window.providers)
    providers_costs = window.providers.costs
    providers_costs.summary.setText("")
    providers_costs.refresh()
    wait_until(loop, lambda: providers_costs.summary.text().startswith("Today ≈ $"))

    run(loop, window.shutdown())
    window.deleteLater()  # destroyed while the loop still runs, as the fixtures do
    settle(loop)
    for conn in _connections(services):
        conn.set_trace_callback(None)

    assert len(threads) > 20  # the session did reach the database, many times
    # the ledger was written (3 results) and read (budget checks, two totals views)
    assert len(ledger_threads) > 8
    threads += ledger_threads
    assert threading.main_thread() not in threads
    assert {t.name.rsplit("_", 1)[0] for t in threads} == {THREAD_NAME}
