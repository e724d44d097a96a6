"""Faults: what can go wrong on the wire, and the writers that make it go wrong on purpose.

Each fault is queued per target (a provider id, ``"auto"``, ``"hub"`` or ``"models"``) and
consumed by the requests that reach that target (after authentication and model validation,
as a real provider only misbehaves once the router has forwarded the call). The writers here
send every response of the emulator, faulty or not, so a fault means the same thing on JSON
and SSE answers. Bodies for ``status`` follow providers.md §5.

Held connections (``silent``, ``stall``) wait on the server's stop event, and the server runs
with ``handler_cancellation`` so a client that gives up frees its handler too; ``stop()``
never waits on them.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .chat import StreamPlan, sse_event
from .wire import ABORTED

FAULT_PARAMS: dict[str, frozenset[str]] = {
    "reset": frozenset(),
    "silent": frozenset(),
    "slow_first_token": frozenset({"delay"}),
    "slow_stream": frozenset({"interval"}),
    "cut": frozenset({"after"}),
    "stall": frozenset({"after"}),
    "malformed": frozenset({"after", "count"}),
    "no_done": frozenset(),
    "no_finish": frozenset(),
    "data_no_space": frozenset(),
    # Streams as real servers end them (issue 9): the answer is complete in each case.
    "no_final_newline": frozenset(),  # the last event lacks its blank line (and newline)
    "stray_tail": frozenset({"data"}),  # bytes after the last event (default: half an event)
    "cut_after_finish": frozenset(),  # the connection drops right after the finish chunk
    # A 401/403 from the provider that the router passes on in the provider's own shape
    # (unlike the router's refusal of the token itself: see State.reject_token).
    "provider_refusal": frozenset({"status"}),
    "error_event": frozenset({"after", "message", "type", "body"}),
    # Hostile sizes: one event (or whole body) of ``size`` bytes, or ``line`` with no line
    # end at all; ``endless`` streams content chunks of ``size`` characters until the client
    # leaves.
    "huge": frozenset({"after", "size", "line"}),
    "endless": frozenset({"size"}),
    "gzip": frozenset(),  # a whole (non-streamed) answer sent gzip-compressed
    "status": frozenset({"status", "body", "headers", "retry_after", "retry_after_ms"}),
    "context_length": frozenset({"body", "headers"}),
    "content_policy": frozenset({"body", "headers"}),
    # Media tasks (images.py, fal.py, replicate.py, embeddings.py, media.py):
    "corrupt": frozenset(),  # the picture (inline or on the media host) is truncated
    "wrong_type": frozenset({"content_type"}),  # the media host labels the file wrongly
    "oversize": frozenset({"size", "chunked"}),  # the media host sends ``size`` bytes
    "redirect": frozenset({"location"}),  # the media host answers 302 (to itself)
    "bad_vectors": frozenset({"mode"}),  # embeddings: "count" (one short) or "ragged"
    "job_pending": frozenset({"polls"}),  # Replicate: starting, ``polls`` GETs, then done
    "job_failed": frozenset({"polls", "error"}),  # Replicate: ends "failed" with ``error``
    "job_canceled": frozenset({"polls"}),  # Replicate: ends "canceled"
}
"""Every fault kind and the keyword parameters it takes."""

FAULT_KINDS = frozenset(FAULT_PARAMS)

ERROR_KINDS = frozenset({"status", "context_length", "content_policy", "provider_refusal"})
"""Kinds answered with an HTTP error instead of a body."""

INVALID_CREDENTIALS = "Invalid username or password."
CREDITS_EXCEEDED = (
    "You have exceeded your monthly included credits for Inference Providers. "
    "Subscribe to PRO to get 20x more monthly included credits."
)
NO_PERMISSION = (
    "This authentication method does not have sufficient permissions to call "
    "Inference Providers on behalf of user test-user"
)
PROVIDER_REFUSALS: dict[int, dict[str, Any]] = {
    401: {
        "error": {
            "message": "Invalid API key provided.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    },
    403: {
        "error": {
            "message": "Your organization does not have access to this model.",
            "type": "permission_error",
            "param": None,
            "code": "model_access_denied",
        }
    },
}
"""A provider's own 401/403 bodies, as the router passes them on (no ``X-Error-Message``)."""
STRAY_TAIL = b'data: {"id":"chatcmpl-tail","choices":[{"delta":{"con'
CONTEXT_LENGTH_BODY: dict[str, Any] = {
    "error": {
        "message": (
            "This model's maximum context length is 8192 tokens. However, you requested "
            "9000 tokens (8000 in the messages, 1000 in the completion). Please reduce the "
            "length of the messages or completion."
        ),
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
}
CONTENT_POLICY_BODY: dict[str, Any] = {
    "error": {
        "message": (
            "Your request was rejected because its content was flagged by content moderation."
        ),
        "type": "invalid_request_error",
        "param": None,
        "code": "content_policy_violation",
    }
}


@dataclass
class Fault:
    """One queued fault. ``remaining`` counts down (None = forever); ``hits`` counts up."""

    target: str
    kind: str
    params: dict[str, Any]
    remaining: int | None
    hits: int = 0

    @property
    def after(self) -> int:
        return int(self.params.get("after", 1))


def make_fault(target: str, kind: str, times: int | None, params: dict[str, Any]) -> Fault:
    """Validate and build a fault, so a typo in a test fails loudly instead of doing nothing."""
    if kind not in FAULT_PARAMS:
        raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(FAULT_KINDS)}")
    unknown = set(params) - FAULT_PARAMS[kind]
    if unknown:
        raise TypeError(f"fault {kind!r} takes no parameter(s) {sorted(unknown)}")
    if kind == "status" and not isinstance(params.get("status"), int):
        raise TypeError("fault 'status' needs status=<int>")
    if times is not None and times < 1:
        raise ValueError("times must be None (forever) or >= 1")
    return Fault(target, kind, dict(params), times)


def default_error_body(status: int, model: str | None) -> dict[str, Any]:
    """The body a real router/provider sends for ``status`` (providers.md §5)."""
    bodies: dict[int, dict[str, Any]] = {
        400: {
            "error": {
                "message": "Invalid request",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        },
        401: {"error": INVALID_CREDENTIALS},
        402: {"error": CREDITS_EXCEEDED},
        403: {"error": NO_PERMISSION},
        404: {"error": f"Model {model or 'unknown'} does not exist"},
        410: {
            "error": "https://api-inference.huggingface.co is no longer supported. "
            "Please use https://router.huggingface.co instead."
        },
        422: {
            "error": "Input validation error: `inputs` tokens + `max_new_tokens` must be "
            "<= 4096. Given: 4000 `inputs` tokens and 1000 `max_new_tokens`",
            "error_type": "validation",
        },
        429: {
            "error": {
                "message": "Rate limit reached for requests. Please retry later.",
                "type": "rate_limit_error",
                "param": None,
                "code": "rate_limit_exceeded",
            }
        },
        500: {"error": "Internal Error, please report to us"},
        502: {"error": "Bad Gateway"},
        503: {"error": "Service Unavailable: the provider is overloaded, please retry later."},
        504: {"error": "Gateway Timeout"},
    }
    return bodies.get(status, {"error": f"HTTP {status}"})


def error_response(fault: Fault, model: str | None, headers: dict[str, str]) -> web.Response:
    """The HTTP error a ``status``/``context_length``/``content_policy`` fault answers with."""
    params = fault.params
    out = dict(headers)
    body: Any
    if fault.kind == "provider_refusal":
        status = int(params.get("status", 401))
        body = PROVIDER_REFUSALS[status]
    elif fault.kind == "context_length":
        status, body = 400, params.get("body", CONTEXT_LENGTH_BODY)
    elif fault.kind == "content_policy":
        status, body = 400, params.get("body", CONTENT_POLICY_BODY)
    else:
        status = int(params["status"])
        body = params.get("body", default_error_body(status, model))
        retry_after = params.get("retry_after", 1 if status == 429 else None)
        if retry_after is not None:
            out["Retry-After"] = str(retry_after)
        if params.get("retry_after_ms") is not None:
            out["retry-after-ms"] = str(params["retry_after_ms"])
        if status == 401 and "body" not in params:
            out["X-Error-Message"] = INVALID_CREDENTIALS
    out.update(params.get("headers") or {})
    return json_or_text(status, body, out)


def json_or_text(status: int, body: Any, headers: dict[str, str]) -> web.Response:
    """A dict/list body as JSON, a string as ``text/plain`` (TGI's 422 does that)."""
    if isinstance(body, str):
        return web.Response(status=status, text=body, content_type="text/plain", headers=headers)
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def abort(request: web.Request, sent: int | None = None) -> web.Response:
    """Close the connection now; the returned response is never sent (aiohttp ignores it).

    ``sent`` is the status already on the wire, if headers went out; it is what gets recorded.
    """
    if sent is None:
        request[ABORTED] = True
    transport = request.transport
    if transport is not None:
        transport.close()
    return web.Response(status=sent or 500)


async def pause(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds`` unless the server stops first; True when the full time passed."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0.0))
    except TimeoutError:
        return True
    return False


async def hold(request: web.Request, stop: asyncio.Event, sent: int | None = None) -> web.Response:
    """Keep the connection open until the server stops (or the client leaves: cancellation)."""
    await stop.wait()
    return abort(request, sent)


async def early(
    request: web.Request,
    stop: asyncio.Event,
    fault: Fault | None,
    model: str | None,
    headers: dict[str, str],
) -> web.StreamResponse | None:
    """Faults that replace the answer entirely: ``reset``, ``silent`` and the HTTP errors."""
    if fault is None:
        return None
    if fault.kind == "reset":
        return abort(request)
    if fault.kind == "silent":
        return await hold(request, stop)
    if fault.kind in ERROR_KINDS:
        return error_response(fault, model, headers)
    return None


def _error_event(fault: Fault) -> dict[str, Any] | str:
    params = fault.params
    if "body" in params:
        body: dict[str, Any] | str = params["body"]
        return body
    return {
        "error": {
            "message": params.get("message", "The provider failed while generating."),
            "type": params.get("type", "server_error"),
        }
    }


def _wait_before(fault: Fault | None, index: int) -> float:
    """Seconds to wait before content chunk ``index`` (``slow_first_token``/``slow_stream``)."""
    if fault is None:
        return 0.0
    if fault.kind == "slow_first_token" and index == 0:
        return float(fault.params.get("delay", 1.0))
    if fault.kind == "slow_stream" and index > 0:
        return float(fault.params.get("interval", 0.05))
    return 0.0


async def send_json(
    request: web.Request,
    stop: asyncio.Event,
    body: Any,
    headers: dict[str, str],
    fault: Fault | None,
) -> web.StreamResponse:
    """A 200 JSON answer, with the streaming faults translated to their whole-body meaning.

    ``slow_first_token`` delays the answer, ``cut`` sends half the announced bytes and closes,
    ``stall`` sends headers and holds, ``malformed`` sends invalid JSON, ``error_event``
    answers 200 with an ``{"error": …}`` body. The rest do not apply to JSON.
    """
    kind = fault.kind if fault else None
    data = json.dumps(body).encode()
    wait = _wait_before(fault, 0)
    if wait and not await pause(stop, wait):
        return abort(request)
    if fault is not None and kind == "malformed":
        data = b'{"oops'
    if fault is not None and kind == "error_event":
        event = _error_event(fault)
        data = (event if isinstance(event, str) else json.dumps(event)).encode()
    if fault is not None and kind == "huge":
        return await _send_huge_json(request, headers, int(fault.params.get("size", 1 << 20)))
    if kind == "gzip":
        return web.Response(
            status=200,
            body=gzip.compress(data),
            content_type="application/json",
            charset="utf-8",
            headers={**headers, "Content-Encoding": "gzip"},
        )
    if kind in ("cut", "stall"):
        resp = web.StreamResponse(status=200, headers=headers)
        resp.content_type = "application/json"
        resp.charset = "utf-8"
        resp.content_length = len(data)
        await resp.prepare(request)
        if kind == "stall":
            return await hold(request, stop, 200)
        await resp.write(data[: len(data) // 2])
        return abort(request, 200)
    return web.Response(
        status=200, body=data, content_type="application/json", charset="utf-8", headers=headers
    )


async def send_stream(
    request: web.Request,
    stop: asyncio.Event,
    plan: StreamPlan,
    headers: dict[str, str],
    fault: Fault | None,
) -> web.StreamResponse:
    """An SSE answer (providers.md §6.1) with the fault applied at the right chunk."""
    kind = fault.kind if fault else None
    space = kind != "data_no_space"
    resp = web.StreamResponse(status=200, headers=headers)
    resp.content_type = "text/event-stream"
    resp.charset = "utf-8"
    resp.headers["Cache-Control"] = "no-cache"
    await resp.prepare(request)
    await resp.write(sse_event(plan.role, space=space))

    cut_at = min(fault.after, len(plan.contents)) if fault else -1
    for index in range(len(plan.contents) + 1):
        if fault is not None and index == cut_at:
            if kind == "cut":
                return abort(request, 200)
            if kind == "stall":
                return await hold(request, stop, 200)
            if kind == "malformed":
                for _ in range(int(fault.params.get("count", 1))):
                    await resp.write(b"data: {oops\n\n")
            if kind == "error_event":
                await resp.write(sse_event(_error_event(fault), space=space))
                await resp.write_eof()
                return resp
            if kind == "huge":
                return await _send_huge_event(request, resp, fault)
            if kind == "endless":
                return await _send_endless(request, resp, plan, fault)
        if index == len(plan.contents):
            break
        wait = _wait_before(fault, index)
        if wait and not await pause(stop, wait):
            return abort(request, 200)
        await resp.write(sse_event(plan.contents[index], space=space))

    if kind != "no_finish":
        tail: list[bytes] = [sse_event(plan.final, space=space)]
        if kind == "cut_after_finish":
            await resp.write(tail[0])
            return abort(request, 200)
        if plan.usage_only is not None:
            tail.append(sse_event(plan.usage_only, space=space))
        if plan.done and kind != "no_done":
            tail.append(sse_event("[DONE]", space=space))
        if kind == "no_final_newline":
            tail[-1] = tail[-1].rstrip(b"\n")
        for piece in tail:
            await resp.write(piece)
        if fault is not None and kind == "stray_tail":
            data = fault.params.get("data", STRAY_TAIL)
            await resp.write(data.encode() if isinstance(data, str) else data)
    await resp.write_eof()
    return resp


_PIECE = 64 * 1024


async def _send_huge_json(
    request: web.Request, headers: dict[str, str], size: int
) -> web.StreamResponse:
    """A chat completion whose content is ``size`` bytes, written piece by piece."""
    resp = web.StreamResponse(status=200, headers=headers)
    resp.content_type = "application/json"
    await resp.prepare(request)
    await resp.write(
        b'{"object":"chat.completion","choices":[{"index":0,"message":'
        b'{"role":"assistant","content":"'
    )
    sent = 0
    while sent < size:
        await resp.write(b"x" * min(_PIECE, size - sent))
        sent += _PIECE
    await resp.write(b'"},"finish_reason":"stop"}]}')
    await resp.write_eof()
    return resp


async def _send_huge_event(
    request: web.Request, resp: web.StreamResponse, fault: Fault
) -> web.StreamResponse:
    """One ``data:`` line of ``size`` bytes (without its end when ``line`` is set)."""
    size = int(fault.params.get("size", 1 << 20))
    await resp.write(b'data: {"choices":[{"index":0,"delta":{"content":"')
    sent = 0
    while sent < size:
        await resp.write(b"y" * min(_PIECE, size - sent))
        sent += _PIECE
    if not fault.params.get("line"):
        await resp.write(b'"},"finish_reason":null}]}\n\n')
    await resp.write_eof()
    return resp


async def _send_endless(
    request: web.Request, resp: web.StreamResponse, plan: StreamPlan, fault: Fault
) -> web.StreamResponse:
    """Content chunks of ``size`` characters, forever (until the client goes away)."""
    piece = dict(plan.contents[0]) if plan.contents else {}
    choice = dict(piece["choices"][0])
    choice["delta"] = {"content": "z" * int(fault.params.get("size", 4096))}
    piece["choices"] = [choice]
    event = sse_event(piece)
    while True:
        await resp.write(event)
