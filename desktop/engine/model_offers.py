"""Which providers serve a model *for this user, now*: live, test-only, resting, needs a key, off.

The Hub says who serves a model; whether the user can use that provider depends on their
keys, their Providers page and our breakers. This module turns mapping entries (and the
router's published figures) into :class:`ProviderOffer` rows in the user's provider order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from desktop.core.table import HF_CREDENTIAL, PROVIDERS, Endpoints, Task, provider_label
from desktop.engine.credentials import Credentials
from desktop.engine.health import OPEN, HealthBook
from desktop.engine.model_types import ProviderOffer
from desktop.store.settings import CustomEndpoint, Settings

Json = dict[str, Any]


class OfferMaker:
    """Builds offers from the current settings, credentials and health (read on every call)."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        credentials: Credentials,
        health: HealthBook,
        endpoints: Endpoints,
    ) -> None:
        self._settings = settings
        self._credentials = credentials
        self._health = health
        self._endpoints = endpoints

    def state(self, provider: str, status: str) -> str:
        """How the user can use ``provider`` for a mapping entry of ``status``, the way the
        engine would pick a credential for it (candidates.py): own key direct, else the HF
        token through the router."""
        settings = self._settings()
        if provider in settings.disabled:
            return "off"
        spec = PROVIDERS.get(provider)
        key = self._credentials.provider_key(provider)
        if key and spec is not None and provider in self._endpoints.direct:
            credential = provider
        elif self._credentials.hf_token() and (spec is None or spec.routed):
            credential = HF_CREDENTIAL
        else:
            return "needs a key"
        if status == "staging":
            return "test-only"
        if status == "error" or self._health.state(HealthBook.key(provider, credential)) == OPEN:
            return "resting"
        return "live"

    @staticmethod
    def usable(provider: str, mapping_task: str) -> bool:
        """Whether Switchboard can send this task to this provider at all (the engine skips
        the others as "not supported by Switchboard yet"), so no offer promises more."""
        spec = PROVIDERS.get(provider)
        return spec is not None and any(t.value == mapping_task for t in spec.tasks)

    def custom(self, endpoint: CustomEndpoint) -> ProviderOffer:
        """A custom server's own offer: no token needed, its key only if it asks for one."""
        settings = self._settings()
        key = self._credentials.provider_key(endpoint.name)
        if not settings.is_enabled(endpoint.name):
            state = "off"
        elif endpoint.needs_key and not key:
            state = "needs a key"
        elif (
            self._health.state(HealthBook.key(endpoint.name, endpoint.name if key else "none"))
            == OPEN
        ):
            state = "resting"
        else:
            state = "live"
        return ProviderOffer(endpoint.name, endpoint.name, state, is_free=True)

    def offers(
        self, mapping: Iterable[Json], tasks: Iterable[str], router: Json | None
    ) -> tuple[ProviderOffer, ...]:
        """Mapping entries of the given mapping tasks as offers, in the user's order."""
        wanted = set(tasks)
        stats = {p["provider"]: p for p in (router or {}).get("providers", [])}
        offers: dict[str, ProviderOffer] = {}
        for entry in mapping:
            provider = entry.get("provider", "")
            task = str(entry.get("task", ""))
            if provider in offers or task not in wanted or not self.usable(provider, task):
                continue
            offers[provider] = self._offer(provider, str(entry.get("status", "live")), stats)
        if Task.CHAT.value in wanted:
            # The router may know chat providers the Hub list left out (or no mapping at all),
            # and providers newer than this release: the engine sends those chat requests
            # through the router's OpenAI-compatible route (candidates.router_chat_candidate).
            for provider, figures in stats.items():
                newer = provider not in PROVIDERS
                if provider not in offers and (newer or self.usable(provider, Task.CHAT.value)):
                    offers[provider] = self._offer(provider, figures.get("status", "live"), stats)
        order = {p: i for i, p in enumerate(self._settings().ordered_providers())}
        return tuple(sorted(offers.values(), key=lambda o: order.get(o.provider, len(order))))

    def _offer(self, provider: str, status: str, stats: dict[str, Json]) -> ProviderOffer:
        figures = stats.get(provider, {})
        return ProviderOffer(
            provider=provider,
            label=provider_label(provider),
            state=self.state(provider, status),
            context_length=figures.get("context_length"),
            price_in=figures.get("price_in"),
            price_out=figures.get("price_out"),
            first_token_ms=figures.get("first_token_ms"),
            throughput=figures.get("throughput"),
            supports_tools=figures.get("supports_tools"),
            is_free=figures.get("is_free"),
        )
