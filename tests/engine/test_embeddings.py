"""Embeddings over real HTTP against the emulator (hf-inference feature extraction and the
OpenAI-compatible route of nebius, sambanova, together and custom servers), the commit check,
the library's ``.npy`` file, and the pure helpers: similarity, PCA map, neighbours, exports."""

from __future__ import annotations

import ast
import csv
import io
import json
import math
import struct
from pathlib import Path
from typing import Any

import pytest

from desktop.core.media_types import EmbedRequest, MediaResult
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.engine.embeddings import load_vectors
from desktop.engine.vector_export import npy_bytes, read_npy, to_csv, to_json
from desktop.engine.vectors import check_vectors, cosine_matrix, nearest, pca_2d
from desktop.services import Services
from desktop.store.settings import CustomEndpoint
from tests.emulator import HF_TOKEN, Emulator, direct_key
from tests.emulator.embeddings import embed_text
from tests.emulator.media_models import BGE_SMALL, E5_LARGE

TEXTS = ["the cat sat on the mat", "a cat on a mat", "stock markets fell sharply"]


async def embed(
    services: Services,
    provider: str = "auto",
    model: str = BGE_SMALL,
    texts: list[str] | None = None,
) -> MediaResult:
    return await services.embeddings.embed(
        EmbedRequest(model=model, texts=list(TEXTS if texts is None else texts), provider=provider)
    )


def assert_vectors(result: MediaResult, dims: int = 384) -> None:
    assert result.status == Status.COMPLETE, result.error
    assert result.vectors is not None and len(result.vectors) == len(TEXTS)
    for text, vector in zip(TEXTS, result.vectors, strict=True):
        assert len(vector) == dims
        assert vector == pytest.approx(embed_text(text, dims))  # in input order


# --- every provider, its exact request ---------------------------------------------------------


async def test_hf_inference_feature_extraction_route(open_services, emulator: Emulator) -> None:
    services = await open_services()
    result = await embed(services, "hf-inference")
    assert_vectors(result)
    (req,) = emulator.requests_for("hf-inference")
    assert req.path == f"/router/hf-inference/models/{BGE_SMALL}/pipeline/feature-extraction"
    assert req.authorization == f"Bearer {HF_TOKEN}"
    assert req.json == {"inputs": TEXTS}


async def test_the_dimension_belongs_to_the_model(open_services) -> None:
    services = await open_services()
    result = await services.embeddings.embed(
        EmbedRequest(model=E5_LARGE, texts=TEXTS, provider="hf-inference")
    )
    assert result.status == Status.COMPLETE and result.vectors is not None
    assert {len(v) for v in result.vectors} == {1024}


@pytest.mark.parametrize(
    ("provider", "env_name", "model_id"),
    [
        ("nebius", "NEBIUS_API_KEY", "BAAI/bge-small-en-v1.5"),
        ("sambanova", "SAMBANOVA_API_KEY", "bge-small-en-v1.5"),
        ("together", "TOGETHER_API_KEY", "BAAI/bge-small-en-v1.5"),
    ],
)
async def test_openai_compatible_direct_providers(
    open_services, emulator: Emulator, provider: str, env_name: str, model_id: str
) -> None:
    services = await open_services(extra_env={env_name: direct_key(provider)})
    result = await embed(services, provider)
    assert_vectors(result)  # the emulator answers in reverse order; we sort by index
    (req,) = emulator.requests_for(provider)
    assert not req.routed and req.path == f"/direct/{provider}/v1/embeddings"
    assert req.authorization == f"Bearer {direct_key(provider)}"
    assert req.json == {"input": TEXTS, "model": model_id}
    assert result.trace.billed_to == provider


async def test_together_through_the_router(open_services, emulator: Emulator) -> None:
    services = await open_services()
    result = await embed(services, "together")
    assert_vectors(result)
    (req,) = emulator.requests_for("together")
    assert req.routed and req.path == "/router/together/v1/embeddings"
    assert req.authorization == f"Bearer {HF_TOKEN}"


async def test_a_custom_openai_compatible_server(open_services, emulator: Emulator) -> None:
    services = await open_services(hf=False)
    services.settings.add_custom(
        CustomEndpoint(
            name="local",
            base_url=emulator.base_url + "/custom/v1",
            models={BGE_SMALL: "bge-small-local"},
        )
    )
    result = await embed(services, "local")
    assert_vectors(result)
    (req,) = emulator.requests_for("custom")
    assert req.path == "/custom/v1/embeddings" and req.authorization is None
    assert req.json == {"input": TEXTS, "model": "bge-small-local"}
    assert result.provider == "local"


async def test_custom_servers_join_auto_for_their_models(open_services, emulator: Emulator) -> None:
    services = await open_services(hf=False)
    services.settings.add_custom(
        CustomEndpoint(
            name="local", base_url=emulator.base_url + "/custom", models={"my-embedder": "e"}
        )
    )
    result = await embed(services, "auto", model="my-embedder")
    assert result.status == Status.COMPLETE and result.provider == "local"


# --- the commit check and failover -------------------------------------------------------------


@pytest.mark.parametrize("mode", ["count", "ragged"])
async def test_vectors_that_do_not_fit_fail_over(
    open_services, emulator: Emulator, mode: str
) -> None:
    services = await open_services()
    services.settings.set_order(["hf-inference", "together"])
    emulator.fault("hf-inference", "bad_vectors", mode=mode, times=1)
    result = await embed(services)
    assert_vectors(result)
    assert result.provider == "together"
    first = result.trace.attempts[0]
    assert first.outcome == Outcome.BAD_RESPONSE and "do not fit the texts" in first.message


async def test_a_rate_limit_fails_over(open_services, emulator: Emulator) -> None:
    services = await open_services()
    services.settings.set_order(["together", "hf-inference"])
    emulator.fault("together", "status", status=429, retry_after=20, times=1)
    result = await embed(services)
    assert result.provider == "hf-inference"
    assert result.trace.summary() == "Together AI busy (too many requests) → HF Inference ✓"


async def test_every_provider_failing_gives_one_sentence(open_services, emulator: Emulator) -> None:
    services = await open_services()
    emulator.fault("hf-inference", "status", status=500)
    emulator.fault("together", "status", status=502)
    result = await embed(services)
    assert result.status == Status.FAILED and result.vectors is None
    assert "server error" in (result.error or "") and result.error_action == "retry"


@pytest.mark.parametrize(
    ("texts", "words"),
    [
        ([], "at least one text"),
        (["ok", "  "], "empty ones"),
        (["x" * 40_000], "shorten"),
    ],
)
async def test_impossible_inputs_fail_before_any_call(
    open_services, emulator: Emulator, texts: list[str], words: str
) -> None:
    services = await open_services()
    emulator.clear_requests()
    result = await embed(services, texts=texts)
    assert result.status == Status.FAILED and words in (result.error or "")
    assert emulator.requests == []


# --- the library -------------------------------------------------------------------------------


async def test_vectors_are_kept_as_an_npy_file(open_services, emulator: Emulator) -> None:
    services = await open_services()
    result = await embed(services, "hf-inference")
    row = services.history.get_generation(result.record_id or 0)
    assert row is not None
    assert (row.task, row.model, row.provider, row.status) == (
        "feature-extraction",
        BGE_SMALL,
        "hf-inference",
        "complete",
    )
    assert row.params["texts"] == TEXTS and row.params["dimensions"] == 384
    assert row.prompt == "\n".join(TEXTS)
    assert row.vectors_path is not None and row.vectors_path.endswith(".npy")
    assert Path(row.vectors_path).is_relative_to(services.paths.media_dir)
    stored = load_vectors(row.vectors_path)
    assert len(stored) == 3
    for got, want in zip(stored, result.vectors or [], strict=True):
        assert got == pytest.approx(want, abs=1e-6)
    assert services.history.search("markets")[0].generation_id == result.record_id


# --- pure helpers --------------------------------------------------------------------------------

VECTORS = [[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]


def test_cosine_matrix() -> None:
    m = cosine_matrix(VECTORS)
    assert [m[i][i] for i in range(4)] == [1.0, 1.0, 1.0, 1.0]
    assert m[0][1] == pytest.approx(0.8) and m[1][2] == pytest.approx(0.6)
    assert m[0][3] == 0.0 and m[2][1] == m[1][2]
    assert cosine_matrix([[0.0, 0.0], [1.0, 0.0]])[0] == [0.0, 0.0]


def test_nearest_neighbours_best_first_without_itself() -> None:
    m = cosine_matrix(VECTORS)
    assert nearest(1, m, 2) == [(0, pytest.approx(0.8)), (2, pytest.approx(0.6))]
    assert [j for j, _ in nearest(3, m, 10)] == [0, 1, 2]  # ties by index
    assert nearest(0, m, 0) == []


def test_pca_keeps_distances_of_planar_points() -> None:
    # Points on a tilted plane in 4-D: two components hold all of their spread.
    plane = [[1.0, 0.5, 0.0, 2.0], [0.0, 1.0, 1.0, 0.0]]
    coeffs = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (2.0, 3.0), (-1.0, 0.5)]
    points = [[a * p + b * q for p, q in zip(*plane, strict=True)] for a, b in coeffs]
    coords = pca_2d(points)

    def dist(u: Any, v: Any) -> float:
        return math.dist(u, v)

    for i in range(len(points)):
        for j in range(len(points)):
            assert dist(coords[i], coords[j]) == pytest.approx(dist(points[i], points[j]), abs=1e-6)
    assert sum(x for x, _ in coords) == pytest.approx(0.0, abs=1e-9)  # centred
    assert pca_2d(points) == coords  # deterministic, no sign flips


def test_pca_small_inputs() -> None:
    assert pca_2d([]) == []
    assert pca_2d([[1.0, 2.0]]) == [(0.0, 0.0)]
    (a, b) = pca_2d([[0.0, 0.0], [3.0, 4.0]])
    assert math.dist(a, b) == pytest.approx(5.0) and a[1] == b[1] == 0.0


def test_check_vectors() -> None:
    assert check_vectors([[1.0, 2.0]], 1) == 2
    for bad, count in (([], None), ([[1.0], [1.0, 2.0]], None), ([[1.0]], 2), ([[]], None)):
        with pytest.raises(ValueError):
            check_vectors(bad, count)


def _parse_npy_by_hand(data: bytes) -> tuple[dict[str, Any], bytes]:
    assert data[:6] == b"\x93NUMPY" and data[6:8] == b"\x01\x00"
    (length,) = struct.unpack("<H", data[8:10])
    header = data[10 : 10 + length].decode("latin-1")
    assert header.endswith("\n") and (10 + length) % 64 == 0
    return ast.literal_eval(header), data[10 + length :]


@pytest.mark.parametrize(("float64", "descr", "fmt"), [(False, "<f4", "<6f"), (True, "<f8", "<6d")])
def test_npy_is_readable_from_its_header(float64: bool, descr: str, fmt: str) -> None:
    vectors = [[1.0, -2.5, 0.125], [3.0, 4.0, 5.5]]
    header, payload = _parse_npy_by_hand(npy_bytes(vectors, float64=float64))
    assert header == {"descr": descr, "fortran_order": False, "shape": (2, 3)}
    assert len(payload) == struct.calcsize(fmt)
    values = struct.unpack(fmt, payload)
    assert list(values) == [1.0, -2.5, 0.125, 3.0, 4.0, 5.5]
    assert read_npy(npy_bytes(vectors, float64=float64)) == vectors


def test_read_npy_refuses_other_files() -> None:
    for data in (b"PK\x03\x04", npy_bytes([[1.0, 2.0]])[:-2]):
        with pytest.raises(ValueError):
            read_npy(data)


def test_csv_and_json_exports() -> None:
    texts = ['a "quoted", text', "second"]
    vectors = [[0.5, 1.0], [0.25, -1.0]]
    rows = list(csv.reader(io.StringIO(to_csv(texts, vectors))))
    assert rows == [["text", "d0", "d1"], [texts[0], "0.5", "1.0"], ["second", "0.25", "-1.0"]]
    data = json.loads(to_json(texts, vectors, model=BGE_SMALL))
    assert data == {
        "model": BGE_SMALL,
        "dimensions": 2,
        "items": [
            {"text": texts[0], "embedding": [0.5, 1.0]},
            {"text": "second", "embedding": [0.25, -1.0]},
        ],
    }


def test_every_nesting_hf_inference_answers_with_is_read() -> None:
    from desktop.providers.hf_inference import parse_embeddings

    sentence = [[1.0, 2.0], [3.0, 4.0]]
    tokens = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]
    batched = [[[[1.0, 2.0], [3.0, 4.0]]], [[[5.0, 6.0], [7.0, 8.0]]]]  # [n, 1, tokens, dim]
    assert parse_embeddings(sentence, 2) == [[1.0, 2.0], [3.0, 4.0]]
    assert parse_embeddings(tokens, 2) == [[2.0, 3.0], [6.0, 7.0]]
    assert parse_embeddings(batched, 2) == [[2.0, 3.0], [6.0, 7.0]]
    assert parse_embeddings([[[1.0, 3.0]]], 1) == [[1.0, 3.0]]
