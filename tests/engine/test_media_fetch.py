"""Media downloads (``desktop.providers.media_fetch``) against the emulator's media host, and
the Replicate helpers the image, speech and video tasks share."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx2
import pytest

from desktop.core.trace import Outcome
from desktop.providers import replicate
from desktop.providers.exchange import AttemptFailed
from desktop.providers.media_fetch import AUDIO, IMAGE, TEXT, VIDEO, fetch_media
from desktop.providers.mime import sniff
from tests.emulator import Emulator
from tests.emulator.media import host_for, mp4_bytes, picture, wav_bytes


def publish(emu: Emulator, data: bytes, content_type: str, suffix: str = "") -> str:
    name = host_for(emu._state).put(data, content_type, suffix)
    return f"{emu.base_url}/media/{name}"


async def failure_of(coro: Any) -> AttemptFailed:
    with pytest.raises(AttemptFailed) as caught:
        await coro
    return caught.value


@pytest.mark.parametrize(
    ("data", "mime", "limits"),
    [
        (picture("x", 1, 32, 32), "image/png", IMAGE),
        (picture("x", 1, 32, 32, "JPEG"), "image/jpeg", IMAGE),
        (mp4_bytes(), "video/mp4", VIDEO),
        (wav_bytes(0.2), "audio/wav", AUDIO),
        (b"Hello there.", "text/plain", TEXT),
    ],
)
async def test_every_kind_of_file_downloads(
    emu: Emulator, client: httpx2.AsyncClient, data: bytes, mime: str, limits: Any
) -> None:
    fetched = await fetch_media(client, publish(emu, data, mime), limits)
    assert (fetched.data, fetched.mime) == (data, mime)
    (req,) = emu.requests_for("media")
    assert "authorization" not in req.headers


async def test_a_generic_type_is_settled_by_the_bytes(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    data = picture("x", 2, 16, 16)
    fetched = await fetch_media(client, publish(emu, data, "application/octet-stream"), IMAGE)
    assert fetched.mime == "image/png"
    failed = await failure_of(
        fetch_media(client, publish(emu, b"<html></html>", "application/octet-stream"), IMAGE)
    )
    assert failed.failure.detail == "the image link returned application/octet-stream, not an image"


async def test_redirects_are_followed_without_credentials(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    url = publish(emu, picture("y", 3, 16, 16), "image/png")
    emu.fault("media", "redirect", times=2)
    fetched = await fetch_media(client, url, IMAGE)
    assert fetched.mime == "image/png"
    hops = emu.requests_for("media")
    assert [r.status for r in hops] == [302, 302, 200]
    assert all("authorization" not in r.headers for r in hops)


async def test_endless_redirects_stop(emu: Emulator, client: httpx2.AsyncClient) -> None:
    url = publish(emu, picture("y", 3, 16, 16), "image/png")
    emu.fault("media", "redirect")
    failed = await failure_of(fetch_media(client, url, IMAGE))
    assert "redirected too many times" in failed.failure.detail


@pytest.mark.parametrize(
    ("kind", "params", "detail"),
    [
        ("status", {"status": 404}, "the image link returned 404 (not found)"),
        ("status", {"status": 503}, "the image download failed with HTTP 503"),
        ("wrong_type", {}, "the image link returned text/html, not an image"),
        ("oversize", {"size": 3_000_000}, "the image is larger than the 2 MB limit"),
        (
            "oversize",
            {"size": 3_000_000, "chunked": True},
            "the image is larger than the 2 MB limit",
        ),
    ],
)
async def test_bad_downloads_are_clear_failures(
    emu: Emulator, client: httpx2.AsyncClient, kind: str, params: dict[str, Any], detail: str
) -> None:
    url = publish(emu, picture("z", 4, 16, 16), "image/png")
    emu.fault("media", kind, **params)
    failed = await failure_of(fetch_media(client, url, IMAGE.with_cap(2 * 1024 * 1024)))
    assert failed.failure.outcome == Outcome.BAD_RESPONSE and failed.failure.detail == detail


async def test_a_silent_media_host_times_out(emu: Emulator, client: httpx2.AsyncClient) -> None:
    url = publish(emu, b"x", "image/png")
    emu.fault("media", "silent")
    loop = asyncio.get_running_loop()
    failed = await failure_of(fetch_media(client, url, IMAGE, deadline_at=loop.time() + 0.3))
    assert failed.failure.outcome == Outcome.TIMEOUT


async def test_unreachable_hosts_and_other_schemes(client: httpx2.AsyncClient) -> None:
    failed = await failure_of(fetch_media(client, Emulator.closed_url() + "/x.png", IMAGE))
    assert failed.failure.outcome == Outcome.CONNECT_ERROR
    failed = await failure_of(fetch_media(client, "file:///etc/passwd", IMAGE))
    assert "not a web address" in failed.failure.detail


async def test_data_urls_are_decoded_locally(client: httpx2.AsyncClient) -> None:
    data = picture("d", 5, 8, 8)
    url = "data:image/png;base64," + base64.b64encode(data).decode()
    fetched = await fetch_media(client, url, IMAGE)
    assert fetched.data == data and fetched.mime == "image/png"
    text = await fetch_media(client, "data:,Hello%20world", TEXT)
    assert text.data == b"Hello world" and text.mime == "text/plain"
    with pytest.raises(AttemptFailed):
        await fetch_media(client, "data:text/plain,hi", IMAGE)


def test_sniffing() -> None:
    assert sniff(picture("s", 1, 8, 8)) == "image/png"
    assert sniff(wav_bytes(0.1)) == "audio/wav"
    assert sniff(mp4_bytes()) == "video/mp4"
    assert sniff(b"fLaC....") == "audio/flac" and sniff(b"OggS") == "audio/ogg"
    assert sniff(b"ID3\x04") == "audio/mpeg" and sniff(b"hello") is None


# --- Replicate helpers ---------------------------------------------------------------------------


def test_routes_and_bodies() -> None:
    assert replicate.predictions_route("owner/name") == "/v1/models/owner/name/predictions"
    assert replicate.predictions_route("owner/name:abc") == "/v1/predictions"
    assert replicate.request_body("owner/name:abc", {"prompt": "p", "seed": None}) == {
        "input": {"prompt": "p"},
        "version": "abc",
    }
    assert replicate.request_headers({"authorization": "Bearer x"})["prefer"] == "wait"


def test_urls_keep_only_their_path_on_the_candidates_base() -> None:
    assert (
        replicate.same_origin(
            "http://127.0.0.1:9/router/replicate", "https://api.replicate.com/v1/predictions/a?x=1"
        )
        == "http://127.0.0.1:9/router/replicate/v1/predictions/a?x=1"
    )


@pytest.mark.parametrize(
    ("output", "urls"),
    [
        ("https://x/a.png", ["https://x/a.png"]),
        (["https://x/a.png", "https://x/b.png"], ["https://x/a.png", "https://x/b.png"]),
        ({"video": "https://x/v.mp4", "seed": 3}, ["https://x/v.mp4"]),
        (None, []),
    ],
)
def test_output_urls(output: Any, urls: list[str]) -> None:
    assert replicate.output_urls(output) == urls


def test_transcript_output_shapes() -> None:
    assert replicate.transcript_output("hi").text == "hi"
    assert replicate.transcript_output(["a ", "b"]).text == "a b"
    whisper = replicate.transcript_output(
        {"transcription": "t", "segments": [{"start": 0, "end": 1, "text": "t"}]}
    )
    assert whisper.text == "t" and whisper.segments[0]["end"] == 1
    assert replicate.transcript_output({"translation": "tr"}).text == "tr"
    link = replicate.transcript_output({"transcription": None, "txt_file": "https://x/t.txt"})
    assert link.text is None and link.txt_file == "https://x/t.txt"


def test_finished_and_failed_predictions() -> None:
    processing = replicate.parse_prediction({"id": "1", "status": "processing", "output": ["u"]})
    assert processing.finished and not processing.terminal
    assert not replicate.parse_prediction({"id": "1", "status": "starting"}).finished
    failed = replicate.parse_prediction({"id": "1", "status": "failed", "error": "NSFW content"})
    with pytest.raises(AttemptFailed) as caught:
        replicate.check_succeeded(failed)
    assert caught.value.failure.outcome == Outcome.CONTENT_POLICY
    crashed = replicate.parse_prediction({"id": "1", "status": "failed", "error": "OOM"})
    with pytest.raises(AttemptFailed) as caught:
        replicate.check_succeeded(crashed)
    assert caught.value.failure.outcome == Outcome.SERVER_ERROR
    with pytest.raises(AttemptFailed):
        replicate.parse_prediction({"detail": "nope"})


async def test_wait_polls_until_terminal_and_reports_each_state(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    base = emu.direct_url("replicate")
    headers = {"authorization": "Bearer key-replicate", "content-type": "application/json"}
    emu.fault("replicate", "job_pending", polls=2, times=1)
    created = await replicate.submit(
        client, base, "black-forest-labs/flux-schnell", {"prompt": "p"}, headers
    )
    assert created.status == "starting" and created.get_url is not None
    assert created.get_url.startswith("https://api.replicate.com/")
    seen: list[str] = []
    done = await replicate.wait(
        client,
        created,
        base=base,
        headers=headers,
        on_update=lambda p: seen.append(p.status),
        backoff=replicate.PollBackoff(0.01, 1.0, 0.01),
    )
    assert seen == ["processing", "succeeded"] and done.status == "succeeded"
    assert replicate.output_urls(done.output)[0].startswith(emu.base_url + "/media/")
    gets = [r for r in emu.requests_for("replicate") if r.method == "GET"]
    assert all(
        "prefer" not in r.headers and r.authorization == "Bearer key-replicate" for r in gets
    )
    assert not await replicate.cancel(client, done, base=base, headers=headers)  # terminal


async def test_422_from_submit_is_rejected_not_invalid(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    base = emu.direct_url("replicate")
    headers = {"authorization": "Bearer key-replicate", "content-type": "application/json"}
    failed = await failure_of(
        replicate.submit(client, base, "black-forest-labs/flux-schnell", {"width": 5}, headers)
    )
    assert (failed.failure.outcome, failed.failure.status_code) == (Outcome.REJECTED, 422)
    assert failed.failure.detail == "- input: prompt is required"
    (req,) = emu.requests_for("replicate")
    assert req.status == 422
