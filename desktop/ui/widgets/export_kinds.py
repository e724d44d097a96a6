"""One export button of a task tab (Speech, Embeddings): its label, file ending, dialog filter.

Qt-free, so each tab's list of kinds and its writers stay plain and testable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ExportKind:
    """One export button: its label, file ending and dialog filter."""

    key: str
    label: str
    suffix: str
    name_filter: str
    tooltip: str


def by_key(kinds: Iterable[ExportKind]) -> dict[str, ExportKind]:
    return {kind.key: kind for kind in kinds}
