"""Embedding exports: CSV, JSON and NumPy's ``.npy``, plus reading ``.npy`` back.

``.npy`` is written by hand (numpy is not a dependency), following the format's version 1.0
specification: the magic ``\\x93NUMPY``, version bytes ``1 0``, a little-endian ``uint16``
header length, then an ASCII Python-literal header
``{'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }`` padded with spaces and ending
in ``\\n`` so that the data starts at a multiple of 64 bytes, then the ``n × d`` values in row
order as little-endian IEEE floats (``<f4`` float32 by default, ``<f8`` float64 on request).
``numpy.load`` reads it as a float array of shape ``(n, d)``. The library keeps vectors this
way (float32: what embedding models produce, half the size of float64).
"""

from __future__ import annotations

import ast
import csv
import io
import json
import struct
import sys
from array import array
from collections.abc import Sequence
from typing import Any

MAGIC = b"\x93NUMPY"
ALIGN = 64


def npy_bytes(vectors: Sequence[Sequence[float]], *, float64: bool = False) -> bytes:
    """The vectors (all of one length) as an ``.npy`` file."""
    rows = len(vectors)
    cols = len(vectors[0]) if rows else 0
    if any(len(v) != cols for v in vectors):
        raise ValueError("all vectors must have the same length")
    descr = "<f8" if float64 else "<f4"
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {cols}), }}"
    prefix = len(MAGIC) + 2 + 2
    padding = (ALIGN - (prefix + len(header) + 1) % ALIGN) % ALIGN
    header_bytes = (header + " " * padding + "\n").encode("latin-1")
    values = array("d" if float64 else "f", (float(x) for v in vectors for x in v))
    if sys.byteorder == "big":
        values.byteswap()
    return (
        MAGIC
        + bytes([1, 0])
        + struct.pack("<H", len(header_bytes))
        + header_bytes
        + values.tobytes()
    )


def read_npy(data: bytes) -> list[list[float]]:
    """Vectors from a 2-D little-endian float ``.npy`` (version 1.0 or 2.0), C order.

    Raises:
        ValueError: not such a file.
    """
    if not data.startswith(MAGIC) or len(data) < 10:
        raise ValueError("not an .npy file")
    major = data[6]
    if major == 1:
        (length,) = struct.unpack("<H", data[8:10])
        start = 10
    elif major in (2, 3):
        (length,) = struct.unpack("<I", data[8:12])
        start = 12
    else:
        raise ValueError(f"unsupported .npy version {major}")
    try:
        header: Any = ast.literal_eval(data[start : start + length].decode("latin-1"))
    except (ValueError, SyntaxError) as exc:
        raise ValueError("unreadable .npy header") from exc
    if not isinstance(header, dict) or header.get("fortran_order"):
        raise ValueError("only C-ordered .npy files are supported")
    descr, shape = header.get("descr"), header.get("shape")
    codes = {"<f4": "f", "<f8": "d"}
    if descr not in codes or not isinstance(shape, tuple) or len(shape) != 2:
        raise ValueError("expected a 2-D little-endian float array")
    rows, cols = shape
    values = array(codes[descr])
    values.frombytes(data[start + length :])
    if sys.byteorder == "big":
        values.byteswap()
    if len(values) != rows * cols:
        raise ValueError("the .npy data is truncated")
    return [list(values[r * cols : (r + 1) * cols]) for r in range(rows)]


def to_csv(texts: Sequence[str], vectors: Sequence[Sequence[float]]) -> str:
    """One row per text: the text, then its values (header ``text,d0,d1,…``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    dims = len(vectors[0]) if vectors else 0
    writer.writerow(["text", *(f"d{i}" for i in range(dims))])
    for text, vector in zip(texts, vectors, strict=True):
        writer.writerow([text, *(repr(float(x)) for x in vector)])
    return out.getvalue()


def to_json(
    texts: Sequence[str], vectors: Sequence[Sequence[float]], *, model: str | None = None
) -> str:
    """``{"model", "dimensions", "items": [{"text", "embedding"}]}``."""
    payload = {
        "model": model,
        "dimensions": len(vectors[0]) if vectors else 0,
        "items": [
            {"text": text, "embedding": [float(x) for x in vector]}
            for text, vector in zip(texts, vectors, strict=True)
        ],
    }
    return json.dumps(payload, ensure_ascii=False)
