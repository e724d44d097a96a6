"""What every non-chat route shares: the router's and the providers' checks, model lookup.

The order is the real one (see :mod:`tests.emulator.router`): a routed call needs a router that
serves the provider, a valid HF token and a providerId registered for that provider (any task
but chat); a direct call needs the provider's key in its scheme and accepts any model. Only
then does the provider's behaviour (and its faults) apply.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from desktop.core.table import PROVIDERS

from .router import _DIRECT_AUTH_ERRORS, _ROUTER_AUTH_ERRORS
from .state import State
from .wire import credential, hf_headers, json_response


@dataclass(frozen=True)
class Served:
    """A registered mapping entry: which HF model a providerId belongs to, and its task."""

    hf_id: str
    provider_id: str
    task: str


@dataclass
class Gate:
    """The outcome of the common checks: answer ``denied`` as is, or carry on."""

    routed: bool
    headers: dict[str, str]
    denied: web.StreamResponse | None = None


class TaskRoutes:
    """Base of the media-task routes; subclasses add their paths in ``add_to``."""

    def __init__(self, state: State, stop: asyncio.Event) -> None:
        self.state = state
        self.stop = stop

    # -- lookups ------------------------------------------------------------------------------

    def served(self, provider: str, provider_id: str, task: str | None = None) -> Served | None:
        """The live/error entry of ``provider`` with this providerId (and task, if given)."""
        for model in self.state.models():
            entry = model.mapping.get(provider)
            if (
                entry is not None
                and entry.get("providerId") == provider_id
                and entry.get("task") != "conversational"
                and (task is None or entry.get("task") == task)
                and entry.get("status") in ("live", "error")
            ):
                return Served(model.hf_id, provider_id, str(entry["task"]))
        return None

    def entry(self, provider: str, provider_id: str) -> dict[str, Any]:
        """The whole mapping entry (emulator-only keys such as Replicate's ``output`` too)."""
        for model in self.state.models():
            entry = model.mapping.get(provider)
            if entry is not None and entry.get("providerId") == provider_id:
                return dict(entry)
        return {}

    # -- checks -------------------------------------------------------------------------------

    def gate(self, request: web.Request, provider: str) -> Gate:
        """Router or direct checks for ``provider``, from the path the request came in on."""
        if request.path.startswith("/router/"):
            headers = {**hf_headers(request), "x-inference-provider": provider}
            if provider not in self.state.routed_providers:
                return Gate(
                    True,
                    headers,
                    json_response(
                        404,
                        {"error": f"The requested provider '{provider}' is not available."},
                        headers,
                    ),
                )
            status = self.state.check_router_token(credential(request, "Bearer"))
            if status is not None:
                message = _ROUTER_AUTH_ERRORS[status]
                return Gate(
                    True,
                    headers,
                    json_response(
                        status, {"error": message}, {**headers, "X-Error-Message": message}
                    ),
                )
            return Gate(True, headers)
        headers = {"x-request-id": f"{provider}-{secrets.token_hex(8)}"}
        spec = PROVIDERS.get(provider)
        scheme = spec.auth_scheme if spec is not None else "Bearer"
        status = self.state.check_direct_key(provider, credential(request, scheme))
        if status is not None:
            return Gate(
                False,
                headers,
                json_response(status, {"error": _DIRECT_AUTH_ERRORS[status]}, headers),
            )
        return Gate(False, headers)

    @staticmethod
    def not_supported(provider: str, headers: dict[str, str]) -> web.Response:
        """The router's 400 for a providerId that is not a registered mapping (§5)."""
        return json_response(400, {"error": f"Model not supported by provider {provider}"}, headers)
