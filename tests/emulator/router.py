"""Chat routes: the HF router (auto and per provider) and each provider's own ("direct") API.

The checks run in the router's real order: credentials, then the model (auto: resolve the
provider from the mapping and the ``:policy`` suffix, providers.md §2.3–2.4; per provider: the
body ``model`` or hf-inference's URL id must be a registered providerId, §5), and only then the
provider's behaviour, where faults apply. Direct routes check the provider key with the
provider's scheme (``Key`` for fal, ``Bearer`` otherwise) and accept any model.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from desktop.core.table import PROVIDERS

from .chat import Answer, completion_body, estimate_prompt_tokens, render_reply, stream_plan
from .faults import (
    CREDITS_EXCEEDED,
    INVALID_CREDENTIALS,
    NO_PERMISSION,
    Fault,
    early,
    send_json,
    send_stream,
)
from .hub import PROVIDER_STATS
from .state import ModelEntry, State
from .wire import RECORD, credential, hf_headers, json_response

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

POLICIES = ("fastest", "cheapest", "preferred")

_ROUTER_AUTH_ERRORS = {401: INVALID_CREDENTIALS, 402: CREDITS_EXCEEDED, 403: NO_PERMISSION}

_DIRECT_AUTH_ERRORS: dict[int, dict[str, Any]] = {
    401: {
        "message": "Invalid API key provided.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    },
    402: {
        "message": "Insufficient balance. Please top up your account.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    },
    403: {
        "message": "This API key does not have access to this model.",
        "type": "permission_error",
        "param": None,
        "code": "permission_denied",
    },
}


def model_not_supported(model: str) -> dict[str, Any]:
    """The auto-router's 400 for a model nobody serves (providers.md §5)."""
    return {
        "error": {
            "message": f"The requested model '{model}' is not supported by any provider "
            "you have enabled.",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_supported",
        }
    }


def split_policy(model: str) -> tuple[str, str | None]:
    """``org/name:groq`` -> (``org/name``, ``groq``); a colon-free id has no policy."""
    base, sep, suffix = model.rpartition(":")
    if not sep or "/" in suffix:
        return model, None
    return base, suffix


def choose_provider(model: ModelEntry, policy: str | None, routed: set[str]) -> str | None:
    """What HF's auto-router would pick; None when nothing fits.

    No suffix and ``:preferred`` take the first live provider in mapping order; ``:fastest``
    the highest throughput, ``:cheapest`` the lowest output price (providers without the
    figure are skipped); ``:<provider>`` that provider if it serves the model (live or error).
    """
    chat = {
        p: e for p, e in model.mapping.items() if p in routed and e.get("task") == "conversational"
    }
    if policy is not None and policy not in POLICIES:
        entry = chat.get(policy)
        return policy if entry is not None and entry.get("status") in ("live", "error") else None
    live = [p for p, e in chat.items() if e.get("status") == "live"]
    if not live:
        return None

    def stat(provider: str, key: str) -> Any:
        return chat[provider].get(key, PROVIDER_STATS.get(provider, {}).get(key))

    if policy == "fastest":
        rated = [p for p in live if stat(p, "throughput") is not None]
        return max(rated, key=lambda p: stat(p, "throughput")) if rated else live[0]
    if policy == "cheapest":
        priced = [p for p in live if isinstance(stat(p, "pricing"), dict)]
        return min(priced, key=lambda p: stat(p, "pricing")["output"]) if priced else live[0]
    return live[0]


class ChatRoutes:
    """``POST /router/v1/chat/completions``, ``/router/{p}{route}``, ``/direct/{p}{route}``."""

    def __init__(self, state: State, stop: asyncio.Event) -> None:
        self.state = state
        self.stop = stop

    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/router/v1/chat/completions", self.auto)
        app.router.add_post("/custom/v1/chat/completions", self.custom)
        for spec in PROVIDERS.values():
            if spec.chat_route is None:
                continue
            route = spec.chat_route.replace("{model}", "{model:.+}")
            app.router.add_post(f"/router/{spec.id}{route}", self._routed_handler(spec.id))
            if spec.direct_base is not None:
                app.router.add_post(f"/direct/{spec.id}{route}", self._direct_handler(spec.id))
                if spec.chat_route.endswith("/chat/completions"):
                    models = spec.chat_route.removesuffix("/chat/completions") + "/models"
                    app.router.add_get(f"/direct/{spec.id}{models}", self._direct_models(spec.id))

    def _direct_models(self, provider: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        """``GET …/v1/models`` with a provider's own key: how apps check a key for free."""

        async def handler(request: web.Request) -> web.Response:
            headers: dict[str, str] = {}
            denied = self._direct_auth(request, provider, headers)
            if denied is not None:
                return denied
            return json_response(200, {"object": "list", "data": []}, headers)

        return handler

    def add_fallbacks(self, app: web.Application) -> None:
        """Catch-alls, registered last: unknown providers and routes still get real answers."""
        app.router.add_route("*", "/router/{provider}/{tail:.*}", self.router_fallback)
        app.router.add_route("*", "/direct/{provider}/{tail:.*}", self.direct_fallback)

    # -- shared -----------------------------------------------------------------------------

    def _router_auth(self, request: web.Request, headers: dict[str, str]) -> web.Response | None:
        status = self.state.check_router_token(credential(request, "Bearer"))
        if status is None:
            return None
        message = _ROUTER_AUTH_ERRORS[status]
        return json_response(status, {"error": message}, {**headers, "X-Error-Message": message})

    def _direct_auth(
        self, request: web.Request, provider: str, headers: dict[str, str]
    ) -> web.Response | None:
        spec = PROVIDERS.get(provider)
        scheme = spec.auth_scheme if spec is not None else "Bearer"
        status = self.state.check_direct_key(provider, credential(request, scheme))
        if status is None:
            return None
        return json_response(status, {"error": _DIRECT_AUTH_ERRORS[status]}, headers)

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any] | None:
        body = request[RECORD].json
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return None
        return body

    @staticmethod
    def _bad_body(headers: dict[str, str]) -> web.Response:
        return json_response(
            400,
            {
                "error": {
                    "message": "Invalid request: expected a JSON object with a 'messages' list",
                    "type": "invalid_request_error",
                    "param": "messages",
                    "code": None,
                }
            },
            headers,
        )

    async def _answer(
        self,
        request: web.Request,
        provider: str,
        model: str,
        body: dict[str, Any],
        headers: dict[str, str],
        fault: Fault | None,
    ) -> web.StreamResponse:
        faulty = await early(request, self.stop, fault, model, headers)
        if faulty is not None:
            return faulty
        options = body.get("stream_options")
        answer = Answer(
            provider=provider,
            model=model,
            text=render_reply(
                self.state.reply_template(provider), provider, model, body.get("messages")
            ),
            prompt_tokens=estimate_prompt_tokens(body.get("messages")),
            completion_id=f"chatcmpl-{secrets.token_hex(8)}",
            created=int(time.time()),
            quirks=self.state.quirks(provider),
            include_usage=isinstance(options, dict) and bool(options.get("include_usage")),
        )
        if body.get("stream") is True:
            return await send_stream(request, self.stop, stream_plan(answer), headers, fault)
        return await send_json(request, self.stop, completion_body(answer), headers, fault)

    # -- routes -----------------------------------------------------------------------------

    async def auto(self, request: web.Request) -> web.StreamResponse:
        """HF's own auto-router: resolve the provider server-side, answer as it."""
        headers = hf_headers(request)
        denied = self._router_auth(request, headers)
        if denied is not None:
            return denied
        body = await self._body(request)
        if body is None or not isinstance(body.get("model"), str):
            return self._bad_body(headers)
        requested: str = body["model"]
        hf_id, policy = split_policy(requested)
        model = self.state.model(hf_id)
        chosen = (
            None if model is None else choose_provider(model, policy, self.state.routed_providers)
        )
        if model is None or chosen is None:
            return json_response(400, model_not_supported(requested), headers)
        self.state.update_record(request[RECORD], resolved=chosen)
        headers["x-inference-provider"] = chosen
        provider_model = str(model.mapping[chosen]["providerId"])
        fault = self.state.take_fault("auto")
        return await self._answer(request, chosen, provider_model, body, headers, fault)

    async def custom(self, request: web.Request) -> web.StreamResponse:
        """A local OpenAI-compatible server (Ollama-like): no key, answers for any model."""
        headers: dict[str, str] = {}
        body = await self._body(request)
        if body is None or not isinstance(body.get("model"), str):
            return self._bad_body(headers)
        fault = self.state.take_fault("custom")
        return await self._answer(request, "custom", body["model"], body, headers, fault)

    def _routed_handler(self, provider: str) -> Handler:
        async def routed(request: web.Request) -> web.StreamResponse:
            headers = {**hf_headers(request), "x-inference-provider": provider}
            if provider not in self.state.routed_providers:
                return self._provider_unavailable(provider, headers)
            denied = self._router_auth(request, headers)
            if denied is not None:
                return denied
            body = await self._body(request)
            if body is None:
                return self._bad_body(headers)
            model = request.match_info.get("model") or body.get("model")
            if not isinstance(model, str) or not self.state.provider_serves(provider, model):
                return json_response(
                    400, {"error": f"Model not supported by provider {provider}"}, headers
                )
            fault = self.state.take_fault(provider)
            return await self._answer(request, provider, model, body, headers, fault)

        return routed

    def _direct_handler(self, provider: str) -> Handler:
        async def direct(request: web.Request) -> web.StreamResponse:
            headers = {"x-request-id": f"{provider}-{secrets.token_hex(8)}"}
            denied = self._direct_auth(request, provider, headers)
            if denied is not None:
                return denied
            body = await self._body(request)
            if body is None:
                return self._bad_body(headers)
            model = request.match_info.get("model") or body.get("model")
            if not isinstance(model, str) or not model:
                return json_response(
                    400,
                    {
                        "error": {
                            "message": "you must provide a model parameter",
                            "type": "invalid_request_error",
                            "param": None,
                            "code": None,
                        }
                    },
                    headers,
                )
            fault = self.state.take_fault(provider)
            return await self._answer(request, provider, model, body, headers, fault)

        return direct

    @staticmethod
    def _provider_unavailable(provider: str, headers: dict[str, str]) -> web.Response:
        return json_response(
            404, {"error": f"The requested provider '{provider}' is not available."}, headers
        )

    async def router_fallback(self, request: web.Request) -> web.StreamResponse:
        provider = request.match_info["provider"]
        headers = hf_headers(request)
        if provider not in PROVIDERS or provider not in self.state.routed_providers:
            return self._provider_unavailable(provider, headers)
        return json_response(404, {"error": "Not Found"}, headers)

    async def direct_fallback(self, request: web.Request) -> web.StreamResponse:
        provider = request.match_info["provider"]
        headers: dict[str, str] = {}
        if provider not in PROVIDERS:
            return json_response(404, {"error": f"Unknown provider '{provider}'"}, headers)
        denied = self._direct_auth(request, provider, headers)
        if denied is not None:
            return denied
        return json_response(
            404,
            {"error": {"message": "Not Found", "type": "not_found", "param": None, "code": None}},
            headers,
        )
