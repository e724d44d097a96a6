"""Helpers for the task-tab tests: driving the loop safely, and pages built like the app does.

Every helper drives the loop with conftest's :func:`drive`, never with qasync's
``run_until_complete`` (whose loop-less last pass strands task steps; see :func:`drive`).
Clicks and other plain calls happen between drives, as a person's do; work they start takes
its first step inside the next drive.

Import the fixtures by their function names (``build_page_fixture``, ``media_env_fixture``);
tests ask for them as ``build_page`` and ``media_env``.

Pages start tasks when they are built (reading the history, resuming video jobs), so they
are built inside the running loop, as ``MainWindow`` builds them; each is closed properly
(its scope cancelled) at the end of the test, before the services it uses are closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QWidget

from desktop.services import Services
from tests.emulator import HF_TOKEN, Emulator
from tests.ui.conftest import drive, settle, until

P = TypeVar("P", bound=QWidget)
T = TypeVar("T")


def wait_until(
    loop: asyncio.AbstractEventLoop, condition: Callable[[], object], timeout: float = 10
) -> None:
    """Run the loop until ``condition()`` holds (widget states signal nothing: poll)."""
    until(loop, condition, timeout)


@pytest.fixture(name="media_env")
def media_env_fixture(emulator: Emulator) -> dict[str, str]:
    """The emulator's endpoints and a valid Hugging Face token."""
    return emulator.env() | {"HF_TOKEN": HF_TOKEN}


@pytest.fixture(name="build_page")
def build_page_fixture(loop: qasync.QEventLoop) -> Iterator[Callable[..., Any]]:
    """``build_page(PageClass, services, settle=True)``: a shown page whose start-up work is
    done (``settle=False``: still running, e.g. a resumed job); closed afterwards."""
    pages: list[Any] = []

    def factory(cls: type[P], services: Services, *, settle: bool = True) -> P:
        async def build() -> P:
            page = cls(services)
            page.resize(1180, 760)
            page.show()
            return page

        page = drive(loop, build())
        pages.append(page)
        if settle:
            settle_quietly(loop)
        return page

    yield factory
    for page in pages:
        close_page(loop, page)


def settle_quietly(loop: asyncio.AbstractEventLoop, timeout: float = 5) -> None:
    """Run the loop until no other task is left (or ``timeout``), without a loop-less pass.

    pytest-qt pumps Qt events after each test phase, outside the asyncio loop; work a page
    started while being built must be finished before that (as conftest's ``settle`` does
    for the window).
    """
    settle(loop, timeout)


def close_page(loop: qasync.QEventLoop, page: Any) -> None:
    """Cancel the page's work and close it, as the main window does on quit."""
    if getattr(page, "_closed_by_test", False):
        return
    page._closed_by_test = True
    drive(loop, page.aclose())
    page.close()
    page.deleteLater()
