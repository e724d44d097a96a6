"""Names vulture (the dead-code check in ``make deadcode``) cannot see being used.

Every name here is called by a framework, never by our own code, so vulture reports it as
unused: Qt calls the virtual overrides of a widget or model, pytest injects fixtures by name
and calls hooks and reads ``pytestmark``, markdown-it and sqlite3 read attributes we set.
Anything not in this list that vulture reports is dead: remove it rather than list it here.
"""

from vulture.whitelist_utils import Whitelist

qt = Whitelist()
# Qt virtual overrides (QWidget, QAbstractItemModel, QTextBrowser), called by Qt itself.
qt.closeEvent
qt.dragEnterEvent
qt.dropEvent
qt.leaveEvent
qt.minimumSizeHint
qt.mimeTypes
qt.mouseDoubleClickEvent
qt.paintEvent
qt.supportedDragActions
qt.wheelEvent
qt.itemAt  # QLayout (WrapRow): the layout protocol Qt calls
qt.expandingDirections
qt.hasHeightForWidth
qt.heightForWidth
qt.splitPath  # QCompleter: how typed text is split before matching

library = Whitelist()
library.validateLink  # markdown-it's link check, overridden to refuse unsafe schemes
library.row_factory  # sqlite3 connection attribute: rows come back as sqlite3.Row
library.viable  # keyring backend API: whether the in-memory test keyring may be chosen
library.charset  # aiohttp response attributes the emulator's faults set
library.content_length
library.optionxform  # configparser: keep the .desktop file's key case
library.used_at  # a persisted dataclass field (favourites and recents), written by asdict
library.DataclassInstance  # typeshed's protocol, imported for a TypeVar bound only
library.breaker  # a trace field: saved and shown with the routing story, set by failover

pytest = Whitelist()
# Hooks and the module-level marker: pytest reads them by name.
pytest.pytestmark
pytest.pytest_runtest_call
pytest.pytest_collection_modifyitems
# Fixtures: requested by name in test signatures or used automatically (autouse).
pytest.isolated_dirs
pytest.no_provider_env
pytest.emulator_env
pytest.restore_keyring
pytest.no_leaked_windows
pytest.media_env_fixture
pytest.build_page_fixture
pytest._clipboard_handed_over
pytest._no_proxy
