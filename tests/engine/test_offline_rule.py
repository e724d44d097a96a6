"""The rule that tells "this machine is offline" from "a provider is down" (issue 12)."""

from __future__ import annotations

import asyncio
import socket

import httpx2
import pytest

from desktop.core.classify import NO_NAME, NO_ROUTE, REFUSED, Failure, looks_offline
from desktop.core.trace import Outcome
from desktop.providers.connect_errors import connect_cause
from tests.emulator import Emulator


def down(network: str) -> Failure:
    return Failure(Outcome.CONNECT_ERROR, "could not connect", network=network)


def test_a_name_that_cannot_be_looked_up_is_offline_even_alone() -> None:
    assert looks_offline([(down(NO_NAME), "groq")])
    assert looks_offline([(down(NO_ROUTE), "groq")])


def test_refused_at_two_providers_is_offline_but_at_one_is_that_providers_fault() -> None:
    assert looks_offline([(down(REFUSED), "groq"), (down(REFUSED), "cerebras")])
    assert not looks_offline([(down(REFUSED), "groq")])
    assert not looks_offline([(down(REFUSED), "groq"), (down(REFUSED), "groq")])


def test_any_answer_or_other_failure_means_not_offline() -> None:
    served = Failure(Outcome.SERVER_ERROR, "boom", 500)
    reset = Failure(Outcome.CONNECT_ERROR, "reset")  # connected, then cut: no network cause
    assert not looks_offline([(down(NO_NAME), "groq"), (served, "cerebras")])
    assert not looks_offline([(down(REFUSED), "groq"), (reset, "cerebras")])
    assert not looks_offline([])


async def _cause(url: str) -> str:
    async with httpx2.AsyncClient() as client:
        with pytest.raises(httpx2.ConnectError) as caught:
            await asyncio.wait_for(client.get(url), 20)
    return connect_cause(caught.value)


async def test_real_socket_errors_are_told_apart() -> None:
    assert await _cause(Emulator.closed_url() + "/x") == REFUSED
    assert await _cause("http://switchboard-test.invalid/x") == NO_NAME


def test_errors_that_are_not_connect_failures_have_no_network_cause() -> None:
    assert connect_cause(httpx2.ReadError("reset")) == ""
    assert connect_cause(httpx2.ConnectTimeout("slow")) == ""
    wrapped = httpx2.ConnectError("All connection attempts failed")
    wrapped.__cause__ = OSError(101, "Network is unreachable")
    assert connect_cause(wrapped) == NO_ROUTE
    dns = httpx2.ConnectError("lookup")
    dns.__cause__ = socket.gaierror(-2, "Name or service not known")
    assert connect_cause(dns) == NO_NAME
