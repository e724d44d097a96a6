"""Small HTTP helpers shared by the Hub, router and direct routes.

Request keys, the router's ``X-Request-Id`` (providers.md §7.4) and credential parsing live
here so every route formats them the same way.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from aiohttp import web

from .record import RecordedRequest

RECORD = web.RequestKey("emulator_record", RecordedRequest)
"""The record the middleware made for this request (handlers add ``resolved``)."""

ABORTED = web.RequestKey("emulator_aborted", bool)
"""Set when we dropped the connection, so the record shows no status."""


def hf_request_id(request: web.Request) -> str:
    """``Root=1-<8 hex>-<24 hex>[;<client X-Amzn-Trace-Id>]``, like the HF router and Hub."""
    root = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    trace = request.headers.get("X-Amzn-Trace-Id")
    return f"{root};{trace}" if trace else root


def hf_headers(request: web.Request) -> dict[str, str]:
    """Headers every Hub/router answer carries."""
    return {
        "X-Request-Id": hf_request_id(request),
        "X-Powered-By": "huggingface-moon",
        "Access-Control-Expose-Headers": "X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message",
    }


def credential(request: web.Request, scheme: str) -> str | None:
    """The credential after ``<scheme> `` in ``Authorization``, None if absent or other scheme."""
    value = request.headers.get("Authorization")
    if not value:
        return None
    got, _, token = value.strip().partition(" ")
    if got.lower() != scheme.lower() or not token.strip():
        return None
    return token.strip()


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        content_type="application/json",
        charset="utf-8",
        headers=headers or {},
    )
