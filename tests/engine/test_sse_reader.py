"""The chat stream's own event reader: events as real servers cut and end them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from desktop.providers.chat_wire import event_data


async def read(*pieces: bytes) -> list[str]:
    async def body() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    response = httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body())
    return [data async for data in event_data(response)]


@pytest.mark.parametrize(
    "pieces",
    [
        (b"data: a\n\ndata: b\n\n",),
        (b"data: a\r\n\r\ndata: b\r\n\r\n",),
        (b"data: a\r", b"\n\r\ndata: b\r\n\r\n"),  # CRLF split between reads
        (b"data: a\r\rdata: b\r\r",),
        (b"da", b"ta: a\n", b"\nda", b"ta: b"),  # the last event without any newline
        (b": keepalive\n\ndata:a\n\nevent: x\ndata: b\n",),  # comments, other fields
    ],
)
async def test_events_are_read_whatever_the_line_endings_and_cuts(pieces: tuple[bytes, ...]):
    assert await read(*pieces) == ["a", "b"]


async def test_multi_line_data_is_joined_and_a_tail_without_data_is_ignored():
    assert await read(b"data: a\ndata: b\n\nnot-a-field") == ["a\nb"]


STREAM = (
    b": keepalive\r\n\r\n"
    b'data: {"a": 1}\n\n'
    b"data: x\ndata: y\n\n"
    b"event: ping\ndata:z\r\n\r\n"
    b"data: \n\n"
    b"data: last"
)
EVENTS = ['{"a": 1}', "x\ny", "z", "", "last"]


@pytest.mark.parametrize("cut", range(len(STREAM) + 1))
async def test_any_cut_of_the_body_reads_the_same_events(cut: int) -> None:
    """Pieces that are exactly one event (the fast path) and any other cut read alike."""
    assert await read(STREAM[:cut], STREAM[cut:]) == EVENTS


async def test_one_event_per_piece_as_providers_send_them() -> None:
    pieces = [b'data: {"a": 1}\n\n', b"data: b\n\n", b"data:c\n\n", b"data: d\r\n\r\n"]
    assert await read(*pieces) == ['{"a": 1}', "b", "c", "d"]
