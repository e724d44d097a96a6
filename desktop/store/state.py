"""Window state: geometry, splitter sizes, the last tab. Kept apart from the settings.

State is not something the user chose, so it lives in its own small file (style.md §5.4):
it can be thrown away at any time, a damaged file simply starts empty, and writing it often
never risks the settings. Values are plain JSON; Qt's ``saveGeometry()`` bytes are stored as
base64 text through :meth:`StateStore.set_bytes`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from pathlib import Path

from desktop.store.atomic import atomic_write_text

log = logging.getLogger(__name__)

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


class StateStore:
    """A tiny JSON key/value file, read on first use and written by :meth:`save`.

    Attributes:
        path: the state file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, JsonValue] | None = None

    def _values(self) -> dict[str, JsonValue]:
        if self._data is None:
            self._data = self._read()
        return self._data

    def _read(self) -> dict[str, JsonValue]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            # Losing window geometry is harmless; refusing to start would not be.
            log.warning("Ignoring unreadable state file %s: %s", self.path, exc)
            return {}
        if not isinstance(data, dict):
            log.warning("Ignoring state file %s: not a JSON object", self.path)
            return {}
        return data

    def get(self, key: str, default: JsonValue = None) -> JsonValue:
        """The stored value, or ``default`` when absent."""
        return self._values().get(key, default)

    def set(self, key: str, value: JsonValue) -> None:
        """Remember a value in memory; :meth:`save` writes it."""
        self._values()[key] = value

    def remove(self, key: str) -> None:
        """Forget a value (no error if absent)."""
        self._values().pop(key, None)

    def get_bytes(self, key: str) -> bytes | None:
        """A value stored with :meth:`set_bytes`, or None if absent or damaged."""
        value = self.get(key)
        if not isinstance(value, str):
            return None
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None

    def set_bytes(self, key: str, data: bytes) -> None:
        """Store bytes (``saveGeometry()``, ``saveState()``) as base64 text."""
        self.set(key, base64.b64encode(data).decode("ascii"))

    def get_int_list(self, key: str) -> list[int] | None:
        """A list of ints (splitter sizes), or None if absent or of another shape."""
        value = self.get(key)
        if isinstance(value, list) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            return [v for v in value if isinstance(v, int)]
        return None

    def get_str(self, key: str, default: str | None = None) -> str | None:
        """A string value (last tab), or ``default`` if absent or not a string."""
        value = self.get(key)
        return value if isinstance(value, str) else default

    def save(self) -> None:
        """Write every value atomically."""
        text = json.dumps(self._values(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        atomic_write_text(self.path, text)
