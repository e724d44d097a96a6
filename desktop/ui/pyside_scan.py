"""PySide6's check of every imported module, without keeping every source file in memory.

Why (issue 8): PySide6 installs an import hook (``shibokensupport.feature.feature_imported``)
that asks, for every module imported after Qt, whether its source mentions "PySide6" (so
``from __feature__ import snake_case`` can apply to it). It asks through
``inspect.getsource``, and ``inspect`` reads the file through :mod:`linecache`, which keeps
every line of every such module for the life of the process: about 12 MiB of small strings
after start-up, scattered between the modules' own objects so that clearing the cache later
gives almost nothing back. :func:`scan_without_caching` answers the same question by reading
the file once and letting the text go. Anything unusual (no ``.py`` file, a PySide6 without
this hook) keeps PySide6's own check.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import ModuleType

log = logging.getLogger(__name__)

FEATURE_MODULE = "shibokensupport.feature"
MARKER = b"PySide6"


def _reads_file(original: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def mentions_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return original(module)
        try:
            with open(path, "rb") as source:
                return MARKER in source.read()
        except OSError:
            return original(module)

    mentions_pyside.__wrapped__ = original  # type: ignore[attr-defined]
    return mentions_pyside


def scan_without_caching() -> bool:
    """Make PySide6's per-module check read files without caching them; True if it did.

    Call it before anything else imports Qt: modules imported before it were read already.
    """
    import PySide6  # noqa: F401 (PySide6 installs the hook when it is first imported)

    feature = sys.modules.get(FEATURE_MODULE)
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original):
        log.debug("PySide6 has no per-module source check here; nothing to change")
        return False
    if hasattr(original, "__wrapped__"):
        return True
    feature._mod_uses_pyside = _reads_file(original)  # type: ignore[attr-defined]
    return True
