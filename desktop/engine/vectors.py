"""Small vector maths for the Embeddings tab: similarity matrix, a 2-D map, neighbours.

Pure Python on purpose (numpy is not a dependency of the app): the tab shows tens to a few
hundred texts, and the only heavy step, the Gram matrix of dot products, is ``n²/2`` calls of
``sum(map(mul, a, b))``, which runs in C. The 2-D map is PCA computed from that Gram matrix
(the top eigenvectors of ``X Xᵀ`` for centred ``X`` give the principal coordinates directly),
with power iteration and deflation; deterministic, signs fixed so the map does not flip
between runs. Call these in an executor for big inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import mul

Vector = Sequence[float]

POWER_ITERATIONS = 200
TOLERANCE = 1e-10


def dot(a: Vector, b: Vector) -> float:
    return float(sum(map(mul, a, b)))


def norm(a: Vector) -> float:
    return math.sqrt(dot(a, a))


def check_vectors(vectors: Sequence[Vector], count: int | None = None) -> int:
    """The common dimension of ``vectors``; ValueError when empty, ragged or the wrong count."""
    if count is not None and len(vectors) != count:
        raise ValueError(f"expected {count} vectors, got {len(vectors)}")
    if not vectors:
        raise ValueError("no vectors")
    dims = {len(v) for v in vectors}
    if len(dims) != 1:
        raise ValueError(f"vectors of different lengths: {sorted(dims)}")
    dim = dims.pop()
    if dim == 0:
        raise ValueError("empty vectors")
    return dim


def gram(vectors: Sequence[Vector]) -> list[list[float]]:
    """All dot products, computed once per pair."""
    n = len(vectors)
    out = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            out[i][j] = out[j][i] = dot(vectors[i], vectors[j])
    return out


def cosine_matrix(vectors: Sequence[Vector]) -> list[list[float]]:
    """Cosine similarity of every pair (1.0 on the diagonal; 0.0 for a zero vector)."""
    g = gram(vectors)
    norms = [math.sqrt(max(g[i][i], 0.0)) for i in range(len(vectors))]
    out = []
    for i, row in enumerate(g):
        out.append(
            [
                max(-1.0, min(1.0, value / (norms[i] * norms[j]))) if norms[i] and norms[j] else 0.0
                for j, value in enumerate(row)
            ]
        )
    return out


def nearest(i: int, matrix: Sequence[Sequence[float]], k: int = 5) -> list[tuple[int, float]]:
    """The ``k`` most similar other items to item ``i`` as ``(index, score)``, best first
    (ties broken by index, so the order is stable)."""
    row = matrix[i]
    others = [(j, row[j]) for j in range(len(row)) if j != i]
    others.sort(key=lambda pair: (-pair[1], pair[0]))
    return others[: max(0, k)]


def _top_eigen(matrix: list[list[float]]) -> tuple[float, list[float]]:
    """The largest eigenvalue of a symmetric positive semi-definite matrix and its unit
    eigenvector, by power iteration from a fixed start."""
    n = len(matrix)
    vec = [1.0 + 0.01 * i for i in range(n)]
    length = norm(vec)
    vec = [x / length for x in vec]
    value = 0.0
    for _ in range(POWER_ITERATIONS):
        nxt = [dot(row, vec) for row in matrix]
        length = norm(nxt)
        if length < TOLERANCE:
            return 0.0, [0.0] * n
        nxt = [x / length for x in nxt]
        if sum((a - b) ** 2 for a, b in zip(nxt, vec, strict=True)) < TOLERANCE:
            vec, value = nxt, length
            break
        vec, value = nxt, length
    # Fixed sign: the largest component is positive.
    pivot = max(range(n), key=lambda idx: abs(vec[idx]))
    if vec[pivot] < 0:
        vec = [-x for x in vec]
    return value, vec


def pca_2d(vectors: Sequence[Vector]) -> list[tuple[float, float]]:
    """Each vector's coordinates on the first two principal components (centred data)."""
    n = len(vectors)
    if n == 0:
        return []
    dim = check_vectors(vectors)
    mean = [sum(col) / n for col in zip(*vectors, strict=True)] if n > 1 else list(vectors[0])
    centred = [[x - m for x, m in zip(v, mean, strict=True)] for v in vectors]
    g = gram(centred)
    axes: list[list[float]] = []
    for _ in range(min(2, n, dim)):
        value, vec = _top_eigen(g)
        scale = math.sqrt(max(value, 0.0))
        axes.append([x * scale for x in vec])
        # Deflate: remove the found component before looking for the next one.
        g = [[g[i][j] - value * vec[i] * vec[j] for j in range(n)] for i in range(n)]
    while len(axes) < 2:
        axes.append([0.0] * n)
    return [(axes[0][i], axes[1][i]) for i in range(n)]
