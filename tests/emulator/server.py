"""The loopback provider emulator: one aiohttp server playing the Hub, the router and providers.

It runs in its own thread with its own event loop, so the same object serves synchronous Qt
tests and pytest-asyncio tests (whose loop is a different one) without either blocking the
other. Public methods only touch the thread-safe :class:`~tests.emulator.state.State`; the
server thread reads it per request. ``stop()`` sets an ``asyncio.Event`` that every held
connection waits on, so shutdown is prompt even with ``silent``/``stall`` faults in flight.

Layout: ``/hub`` (``HF_ENDPOINT``), ``/router`` (``SWITCHBOARD_ROUTER_URL``) and
``/direct/<provider>`` (``SWITCHBOARD_<ID>_URL``), all on ``http://127.0.0.1:<port>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from types import TracebackType
from typing import Any

from aiohttp import web

from desktop.core.table import PROVIDERS

from .fal_queue import FalQueueRoutes
from .faults import Fault
from .hub import HubRoutes, seed
from .image_edit import seed_creative
from .jobs import JobBook, seed_video
from .media import MediaRoutes
from .media_models import seed_media
from .novita import NovitaTaskRoutes
from .record import RecordedRequest
from .replicate import ReplicateRoutes
from .router import ChatRoutes
from .state import HF_TOKEN, State, direct_key
from .tasks import add_task_routes
from .together_video import TogetherVideoRoutes
from .wavespeed import WaveSpeedRoutes
from .wire import ABORTED, RECORD
from .zai import ZaiRoutes

_START_TIMEOUT = 10.0
_SHUTDOWN_GRACE = 0.2
"""Seconds aiohttp waits for handlers after the stop event; held ones return at once."""


def classify(path: str) -> tuple[str | None, bool]:
    """Which provider route a path belongs to, and whether it went through the router."""
    parts = path.split("/")
    if len(parts) < 3:
        return None, False
    top, segment = parts[1], parts[2]
    if top == "hub":
        return "hub", False
    if top == "router":
        if path.startswith("/router/v1/chat/completions"):
            return "auto", True
        if path.startswith("/router/v1/models"):
            return "models", True
        return segment or None, True
    if top == "direct":
        return segment or None, False
    if top in ("media", "custom"):
        return top, False
    return None, False


class Emulator:
    """A real HTTP server on 127.0.0.1 that speaks the Hub, router and provider protocols.

    Use as ``with Emulator() as emu:`` or ``emu = Emulator().start(); …; emu.stop()``.
    """

    HF_TOKEN = HF_TOKEN
    """The HF token the router and Hub accept by default."""

    def __init__(self, *, seed_models: bool = True) -> None:
        self._state = State()
        self.jobs = JobBook()
        """Async jobs (fal queue, Novita, Together video): plans, release, poll faults."""
        if seed_models:
            seed(self._state)
            seed_media(self._state)
            seed_video(self._state)
            seed_creative(self._state)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._port: int | None = None
        self._replicate: ReplicateRoutes | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._thread is not None:
            raise RuntimeError("emulator already started")
        self._thread = threading.Thread(target=self._run, name="provider-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT):
            raise RuntimeError("emulator did not start in time")
        if self._error is not None:
            self._thread.join()
            raise RuntimeError("emulator failed to start") from self._error
        return self

    def stop(self) -> None:
        """Shut down: wake held connections, close the server, join the thread. Idempotent."""
        loop, event, thread = self._loop, self._stop_event, self._thread
        if thread is None:
            return
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop already finished
                loop.call_soon_threadsafe(event.set)
        thread.join(timeout=5.0)
        if thread.is_alive():
            raise RuntimeError("emulator thread did not stop")

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        stop = self._stop_event = asyncio.Event()
        app = web.Application(middlewares=[self._record_middleware], client_max_size=64 << 20)
        chat = ChatRoutes(self._state, stop)
        HubRoutes(self._state, stop).add_to(app)
        chat.add_to(app)
        MediaRoutes(self._state, stop).add_to(app)
        self._replicate = add_task_routes(app, self._state, stop)
        FalQueueRoutes(self._state, self.jobs, stop).add_to(app)
        NovitaTaskRoutes(self._state, self.jobs, stop).add_to(app)
        TogetherVideoRoutes(self._state, self.jobs, stop).add_to(app)
        WaveSpeedRoutes(self._state, self.jobs, stop).add_to(app)
        ZaiRoutes(self._state, self.jobs, stop).add_to(app)
        chat.add_fallbacks(app)
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=_SHUTDOWN_GRACE
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self._port = int(runner.addresses[0][1])
            self._ready.set()
            await stop.wait()
        finally:
            await runner.cleanup()

    @web.middleware
    async def _record_middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Record every request (before any fault), then its status once answered."""
        raw = await request.read()
        parsed: Any = None
        if raw:
            with contextlib.suppress(ValueError):
                parsed = json.loads(raw)
        provider, routed = classify(request.path)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        rec = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={k.lower(): v for k, v in request.headers.items()},
            json=parsed,
            body=raw,
            provider=provider,
            routed=routed,
            time=time.monotonic(),
            connection=(str(peer[0]), int(peer[1])) if peer else None,
        )
        self._state.record(rec)
        request[RECORD] = rec
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as exc:
            self._state.update_record(rec, status=exc.status)
            raise
        if not request.get(ABORTED, False):
            self._state.update_record(rec, status=response.status)
        return response

    # -- addresses --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("emulator not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def hub_url(self) -> str:
        """Use as ``HF_ENDPOINT``."""
        return self.base_url + "/hub"

    @property
    def router_url(self) -> str:
        """Use as ``SWITCHBOARD_ROUTER_URL``."""
        return self.base_url + "/router"

    def direct_url(self, provider_id: str) -> str:
        """Use as ``SWITCHBOARD_<ID>_URL``."""
        return f"{self.base_url}/direct/{provider_id}"

    def env(self) -> dict[str, str]:
        """``HF_ENDPOINT``, ``SWITCHBOARD_ROUTER_URL`` and ``SWITCHBOARD_<ID>_URL`` for every
        provider that has a direct base URL (hf-inference has none, so it gets no variable)."""
        out = {"HF_ENDPOINT": self.hub_url, "SWITCHBOARD_ROUTER_URL": self.router_url}
        for spec in PROVIDERS.values():
            if spec.direct_base is not None:
                out[spec.env_url_var] = self.direct_url(spec.id)
        return out

    @staticmethod
    def closed_url() -> str:
        """A loopback URL where nothing listens, for "connection refused" tests."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    # -- models -----------------------------------------------------------------------------

    def add_model(
        self,
        hf_id: str,
        mapping: dict[str, dict[str, Any]],
        *,
        pipeline_tag: str | None = None,
        tags: list[str] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Register (or replace) a model; ``mapping`` order is the preference order.

        Entries need ``providerId``; ``task`` defaults to ``conversational`` and ``status`` to
        ``live``. Router-only keys (``context_length``, ``pricing``, ``throughput``,
        ``first_token_latency_ms`` …) show in ``/v1/models`` and drive ``:fastest``/``:cheapest``.
        ``meta`` holds Hub list fields: ``likes``, ``downloads``, ``trendingScore``,
        ``createdAt``, ``cardData``.
        """
        self._state.add_model(hf_id, mapping, pipeline_tag=pipeline_tag, tags=tags, meta=meta)

    def set_custom_models(self, names: list[str]) -> None:
        """What the custom server lists at ``GET /custom/v1/models`` from now on."""
        self._state.custom_models = list(names)

    @property
    def custom_url(self) -> str:
        """A custom OpenAI-compatible server's base URL (``…/custom/v1``)."""
        return self.base_url + "/custom/v1"

    def remove_model(self, hf_id: str) -> None:
        self._state.remove_model(hf_id)

    @property
    def routed_providers(self) -> set[str]:
        """Providers the router serves (mutable; defaults to ``ProviderSpec.routed``)."""
        return self._state.routed_providers

    # -- behaviour --------------------------------------------------------------------------

    def fault(self, provider: str, kind: str, *, times: int | None = None, **params: Any) -> Fault:
        """Queue a fault for ``provider`` (or ``"auto"``, ``"hub"``, ``"models"``).

        Faults of one target apply in order; each is used ``times`` times (None = forever).
        Returns the :class:`Fault`, whose ``hits`` counts the requests it hit.
        """
        return self._state.add_fault(provider, kind, times, params)

    def release_replicate(self) -> int:
        """Let held Replicate predictions (``job_pending`` with ``polls=None``) finish at
        their next look; returns how many were held."""
        if self._replicate is None:
            raise RuntimeError("emulator not started")
        return self._replicate.release()

    def clear_faults(self) -> None:
        self._state.clear_faults()

    def set_reply(self, text: str, provider: str | None = None) -> None:
        """The assistant text (``{provider}``/``{model}`` are filled in); per provider or all."""
        self._state.set_reply(text, provider)

    def set_quirks(self, provider: str, **changes: Any) -> None:
        """Change a provider's stream quirks (see :class:`tests.emulator.chat.Quirks`)."""
        self._state.set_quirks(provider, **changes)

    # -- credentials ------------------------------------------------------------------------

    @staticmethod
    def direct_key(provider_id: str) -> str:
        """The key ``provider_id``'s direct route accepts: ``key-<provider-id>``."""
        return direct_key(provider_id)

    def accept_token(self, token: str, provider: str | None = None) -> None:
        """Make ``token`` valid: for the router/Hub (``provider=None``) or as a direct key."""
        self._state.accept_token(token, provider)

    def limit_token(self, token: str) -> None:
        """A valid HF token that whoami reports without the Inference Providers right."""
        self._state.limit_token(token)

    def reject_token(self, token: str, status: int = 401) -> None:
        """Answer every use of ``token`` with 401 (bad), 402 (no credit) or 403 (scope)."""
        self._state.reject_token(token, status)

    # -- record -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request so far, oldest first."""
        return self._state.requests()

    def requests_for(self, provider: str) -> list[RecordedRequest]:
        """Requests whose route matched ``provider`` (``"auto"``, ``"hub"``, ``"models"`` too)."""
        return [r for r in self._state.requests() if r.provider == provider]

    def clear_requests(self) -> None:
        self._state.clear_requests()

    def connections_for(self, provider: str | None = None) -> int:
        """How many TCP connections carried the recorded requests (of ``provider``, if given).

        Fewer connections than requests means the client reused pooled connections.
        """
        return len(
            {
                r.connection
                for r in self._state.requests()
                if r.connection is not None and (provider is None or r.provider == provider)
            }
        )

    def wait_for_requests(
        self, count: int = 1, provider: str | None = None, timeout: float = 5.0
    ) -> list[RecordedRequest]:
        """Block until ``count`` requests (for ``provider``, if given) have arrived.

        A synchronisation point instead of sleeps, e.g. to know a ``silent`` request is being
        held. Recorded on arrival, before any fault. From async code use
        ``await asyncio.to_thread(emu.wait_for_requests, …)``. Raises ``TimeoutError``.
        """
        return self._state.wait_for_requests(count, provider, timeout)
