"""What the Embeddings tab's export buttons write: CSV, JSON or NumPy ``.npy``.

Why build the bytes in the thread pool: a few thousand texts of 1,024 numbers are tens of
megabytes of CSV or JSON, which would freeze the window for a noticeable moment on the
loop. The formats themselves are the engine's (:mod:`desktop.engine.vector_export`), so the
command line and the tab write identical files.
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop.engine.vector_export import npy_bytes, to_csv, to_json
from desktop.ui.widgets.export_kinds import ExportKind, by_key

EXPORT_KINDS: tuple[ExportKind, ...] = (
    ExportKind(
        "csv",
        "CSV",
        ".csv",
        "CSV files (*.csv)",
        "One row per text: the text, then its numbers (spreadsheets, pandas)",
    ),
    ExportKind(
        "json",
        "JSON",
        ".json",
        "JSON files (*.json)",
        "The model, the texts and their vectors (web apps, scripts)",
    ),
    ExportKind(
        "npy",
        "for Python (NumPy)",
        ".npy",
        "NumPy arrays (*.npy)",
        "The vectors as a float32 array, in the texts' order (numpy.load)",
    ),
)
KINDS = by_key(EXPORT_KINDS)


def export_bytes(
    key: str, texts: Sequence[str], vectors: Sequence[Sequence[float]], model: str | None
) -> bytes:
    """Blocking: the file contents for export ``key`` ("csv", "json" or "npy")."""
    if key == "csv":
        return to_csv(texts, vectors).encode("utf-8")
    if key == "json":
        return to_json(texts, vectors, model=model).encode("utf-8")
    if key == "npy":
        return npy_bytes(vectors)
    raise ValueError(f"unknown export {key!r}")


def suggested_name(model: str | None, suffix: str) -> str:
    """``BAAI/bge-small-en-v1.5`` → ``embeddings-bge-small-en-v1.5.csv``."""
    name = (model or "").rsplit("/", 1)[-1]
    return f"embeddings-{name}{suffix}" if name else f"embeddings{suffix}"
