"""Where Switchboard keeps its files: per-user data, config and cache directories.

The directories come from ``platformdirs`` (DESIGN §4 "Places"), so ``XDG_DATA_HOME``,
``XDG_CONFIG_HOME`` and ``XDG_CACHE_HOME`` move them on Linux, and tests point them at a
temporary folder. Everything else receives an :class:`AppPaths` instead of looking the places
up itself, which keeps the stores testable and free of global state.

:class:`AppPaths` is a named tuple, not a dataclass: every command needs it, and
``dataclasses`` alone (with ``inspect``, ``ast``, ``dis`` …) costs ``history list`` about a
tenth of ``python -c pass`` (issue 8).
"""

# No ``from __future__ import annotations`` here: a named tuple's string annotations each
# become a ``typing.ForwardRef``, which compiles its text; that doubled the cost of making
# the classes at import (issue 8).

from pathlib import Path
from typing import NamedTuple

import platformdirs

APP_NAME = "switchboard"


class AppPaths(NamedTuple):
    """The three root directories and the well-known files inside them.

    Attributes:
        data_dir: things the user would miss: history, media, window state.
        config_dir: things the user chose: settings.
        cache_dir: things that can be rebuilt: the model catalogue, provider health.
    """

    data_dir: Path
    config_dir: Path
    cache_dir: Path

    @classmethod
    def default(cls) -> "AppPaths":
        """The per-user directories for this platform, honouring the XDG variables.

        ``appauthor=False`` keeps Windows from nesting ``switchboard\\switchboard``.
        """
        return cls(
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )

    @property
    def history_db(self) -> Path:
        """The SQLite history database."""
        return self.data_dir / "history.db"

    @property
    def backups_dir(self) -> Path:
        """Daily copies of the history, and copies kept aside before a restore."""
        return self.data_dir / "backups"

    @property
    def jobs_db(self) -> Path:
        """Accepted provider jobs (video…), so a restart resumes them instead of resubmitting."""
        return self.data_dir / "jobs.db"

    @property
    def settings_file(self) -> Path:
        """The versioned settings file (JSON)."""
        return self.config_dir / "settings.json"

    @property
    def state_file(self) -> Path:
        """Window geometry, splitter sizes, last tab: state, not a choice, so not in config."""
        return self.data_dir / "state.json"

    @property
    def media_dir(self) -> Path:
        """Content-addressed images, videos and audio."""
        return self.data_dir / "media"

    @property
    def catalogue_cache_dir(self) -> Path:
        """Cached Hub model → provider mappings, for offline use."""
        return self.cache_dir / "catalogue"

    @property
    def health_file(self) -> Path:
        """Provider health persisted briefly across restarts; losing it is harmless."""
        return self.cache_dir / "health.json"

    def ensure(self) -> None:
        """Create every directory that does not exist yet.

        New directories are private to the user (0700 before the umask): history and media
        are personal.
        """
        for directory in (
            self.data_dir,
            self.config_dir,
            self.cache_dir,
            self.media_dir,
            self.catalogue_cache_dir,
        ):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
