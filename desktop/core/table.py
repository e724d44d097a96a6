"""The one table of providers: ids, base URLs, routes, auth and the environment variables.

Every fact about *where* a provider lives is kept here and nowhere else, so that a provider
moving its host is a one-line change and every URL can be redirected with
``SWITCHBOARD_<ID>_URL`` (DESIGN §4). Routes come from ``reference/providers.md`` §2.2.

The records here are named tuples, not dataclasses: ``history show`` names providers through
this table, and ``dataclasses`` (with ``inspect``, ``ast``, ``dis`` …) would cost a quick
command more than half of ``python -c pass`` (issue 8). Change one with ``_replace``.
"""

# No ``from __future__ import annotations`` here: a named tuple's string annotations each
# become a ``typing.ForwardRef``, which compiles its text; that doubled the cost of making
# the classes at import (issue 8).

import os
from collections.abc import Mapping
from enum import StrEnum
from typing import NamedTuple

from desktop.core.base_urls import check_env_url


class Task(StrEnum):
    """Task names as the Hub mapping spells them."""

    CHAT = "conversational"
    TEXT_TO_IMAGE = "text-to-image"
    TEXT_TO_VIDEO = "text-to-video"
    SPEECH_TO_TEXT = "automatic-speech-recognition"
    EMBEDDINGS = "feature-extraction"
    IMAGE_TO_IMAGE = "image-to-image"
    IMAGE_TO_VIDEO = "image-to-video"
    TEXT_TO_SPEECH = "text-to-speech"


DEFAULT_ROUTER_URL = "https://router.huggingface.co"
DEFAULT_HUB_URL = "https://huggingface.co"
HF_CREDENTIAL = "huggingface"
"""Keyring user name of the Hugging Face token (DESIGN §4)."""


class ProviderSpec(NamedTuple):
    """What the engine needs to know to reach one provider.

    Attributes:
        id: the exact string Hugging Face uses (URL segment, mapping key, keyring user name).
        label: the name a person reads ("Fireworks AI").
        direct_base: the provider's own base URL, or None when it is reachable only through
            the HF router (hf-inference).
        routed: whether the HF router still serves this provider (hyperbolic, nebius and
            sambanova were dropped in 2026-07 and need a direct key).
        chat_route: path appended to either base for chat completions, None if no chat.
        env_keys: conventional environment variables holding a direct key, first wins.
        auth_scheme: ``Bearer`` for everyone but fal-ai direct, which wants ``Key``.
        tasks: the tasks we serve on this provider.
        vision: whether chat accepts image parts.
        extra_headers: headers the provider asks for on every call, routed or direct (Z.ai's
            ``accept-language`` and ``x-source-channel``, providers.md §2.6).
    """

    id: str
    label: str
    direct_base: str | None
    routed: bool
    chat_route: str | None
    env_keys: tuple[str, ...] = ()
    auth_scheme: str = "Bearer"
    tasks: frozenset[Task] = frozenset()
    vision: bool = False
    extra_headers: tuple[tuple[str, str], ...] = ()

    @property
    def env_url_var(self) -> str:
        """``SWITCHBOARD_<ID>_URL``: id upper-cased, ``-`` turned into ``_``."""
        return "SWITCHBOARD_" + self.id.upper().replace("-", "_") + "_URL"

    def chat_route_for(self, provider_model: str) -> str:
        """The chat path; hf-inference puts the model id into it."""
        if self.chat_route is None:
            raise ValueError(f"{self.label} does not serve chat")
        return self.chat_route.replace("{model}", provider_model)


_C = Task.CHAT
_I = Task.TEXT_TO_IMAGE
_V = Task.TEXT_TO_VIDEO
_S = Task.SPEECH_TO_TEXT
_E = Task.EMBEDDINGS
_II = Task.IMAGE_TO_IMAGE
_IV = Task.IMAGE_TO_VIDEO
_T = Task.TEXT_TO_SPEECH

PROVIDERS: dict[str, ProviderSpec] = {
    spec.id: spec
    for spec in (
        ProviderSpec(
            "cerebras",
            "Cerebras",
            "https://api.cerebras.ai",
            True,
            "/v1/chat/completions",
            ("CEREBRAS_API_KEY",),
            tasks=frozenset({_C}),
        ),
        ProviderSpec(
            "cohere",
            "Cohere",
            "https://api.cohere.com",
            True,
            "/compatibility/v1/chat/completions",
            ("COHERE_API_KEY", "CO_API_KEY"),
            tasks=frozenset({_C}),
            vision=True,
        ),
        ProviderSpec(
            "fal-ai",
            "fal",
            "https://fal.run",
            True,
            None,
            ("FAL_KEY",),
            auth_scheme="Key",
            tasks=frozenset({_I, _V, _S, _T, _II, _IV}),
        ),
        ProviderSpec(
            "featherless-ai",
            "Featherless AI",
            "https://api.featherless.ai",
            True,
            "/v1/chat/completions",
            ("FEATHERLESS_API_KEY",),
            tasks=frozenset({_C}),
            vision=True,
        ),
        ProviderSpec(
            "fireworks-ai",
            "Fireworks AI",
            "https://api.fireworks.ai",
            True,
            "/inference/v1/chat/completions",
            ("FIREWORKS_API_KEY",),
            tasks=frozenset({_C}),
            vision=True,
        ),
        ProviderSpec(
            "groq",
            "Groq",
            "https://api.groq.com",
            True,
            "/openai/v1/chat/completions",
            ("GROQ_API_KEY",),
            tasks=frozenset({_C}),
        ),
        ProviderSpec(
            "hf-inference",
            "HF Inference",
            None,
            True,
            "/models/{model}/v1/chat/completions",
            (),
            tasks=frozenset({_C, _E, _I, _S, _T, _II}),
            vision=True,
        ),
        ProviderSpec(
            "hyperbolic",
            "Hyperbolic",
            "https://api.hyperbolic.xyz",
            False,
            "/v1/chat/completions",
            ("HYPERBOLIC_API_KEY",),
            tasks=frozenset({_C}),
            vision=True,
        ),
        ProviderSpec(
            "nebius",
            "Nebius AI Studio",
            "https://api.studio.nebius.ai",
            False,
            "/v1/chat/completions",
            ("NEBIUS_API_KEY",),
            tasks=frozenset({_C, _E, _I}),
            vision=True,
        ),
        ProviderSpec(
            "novita",
            "Novita AI",
            "https://api.novita.ai",
            True,
            "/v3/openai/chat/completions",
            ("NOVITA_API_KEY",),
            tasks=frozenset({_C, _V}),
            vision=True,
        ),
        ProviderSpec(
            "nscale",
            "Nscale",
            "https://inference.api.nscale.com",
            True,
            "/v1/chat/completions",
            ("NSCALE_API_KEY",),
            tasks=frozenset({_C, _I}),
            vision=True,
        ),
        ProviderSpec(
            "replicate",
            "Replicate",
            "https://api.replicate.com",
            True,
            None,
            ("REPLICATE_API_TOKEN",),
            tasks=frozenset({_I, _V, _S, _T, _II}),
        ),
        ProviderSpec(
            "sambanova",
            "SambaNova",
            "https://api.sambanova.ai",
            False,
            "/v1/chat/completions",
            ("SAMBANOVA_API_KEY",),
            tasks=frozenset({_C, _E}),
        ),
        ProviderSpec(
            "together",
            "Together AI",
            "https://api.together.xyz",
            True,
            "/v1/chat/completions",
            ("TOGETHER_API_KEY",),
            tasks=frozenset({_C, _E, _I, _V, _T, _II, _IV}),
            vision=True,
        ),
        # Added to HF's router after the seed docs (providers.md §1.1, §2.2).
        ProviderSpec(
            "baseten",
            "Baseten",
            "https://inference.baseten.co",
            True,
            "/v1/chat/completions",
            ("BASETEN_API_KEY",),
            tasks=frozenset({_C}),
        ),
        ProviderSpec(
            "deepinfra",
            "DeepInfra",
            "https://api.deepinfra.com",
            True,
            "/v1/openai/chat/completions",
            ("DEEPINFRA_API_KEY",),
            tasks=frozenset({_C, _E, _S, _T}),
        ),
        ProviderSpec(
            "ovhcloud",
            "OVHcloud AI Endpoints",
            "https://oai.endpoints.kepler.ai.cloud.ovh.net",
            True,
            "/v1/chat/completions",
            ("OVHCLOUD_API_KEY",),
            tasks=frozenset({_C}),
        ),
        ProviderSpec(
            "publicai",
            "Public AI",
            "https://api.publicai.co",
            True,
            "/v1/chat/completions",
            ("PUBLICAI_API_KEY",),
            tasks=frozenset({_C}),
        ),
        ProviderSpec(
            "scaleway",
            "Scaleway",
            "https://api.scaleway.ai",
            True,
            "/v1/chat/completions",
            ("SCALEWAY_API_KEY",),
            tasks=frozenset({_C, _E}),
        ),
        ProviderSpec(
            "wavespeed",
            "WaveSpeed",
            "https://api.wavespeed.ai",
            True,
            None,
            ("WAVESPEED_API_KEY",),
            tasks=frozenset({_I, _V, _II, _IV}),
        ),
        ProviderSpec(
            "zai-org",
            "Z.ai",
            "https://api.z.ai",
            True,
            "/api/paas/v4/chat/completions",
            ("ZAI_ORG_API_KEY", "ZAI_API_KEY"),
            tasks=frozenset({_C, _I}),
            extra_headers=(("accept-language", "en-US,en"), ("x-source-channel", "hugging_face")),
        ),
    )
}
"""The fourteen seed providers of DESIGN §1 and the seven HF's router added since, in a
neutral default order."""

DEFAULT_ORDER: tuple[str, ...] = (
    "groq",
    "cerebras",
    "together",
    "fireworks-ai",
    "novita",
    "nscale",
    "featherless-ai",
    "cohere",
    "hf-inference",
    "fal-ai",
    "replicate",
    "nebius",
    "sambanova",
    "hyperbolic",
    "deepinfra",
    "baseten",
    "ovhcloud",
    "publicai",
    "scaleway",
    "zai-org",
    "wavespeed",
)


def provider_label(provider_id: str) -> str:
    """A readable name for any provider id, including custom ones."""
    spec = PROVIDERS.get(provider_id)
    return spec.label if spec else provider_id


class Endpoints(NamedTuple):
    """Where the Hub, the router and every provider live, after environment overrides.

    Built once from the environment (``HF_ENDPOINT``, ``SWITCHBOARD_ROUTER_URL``,
    ``SWITCHBOARD_<ID>_URL``) so tests and proxied users can redirect every origin. A value
    that is not an http(s) base address raises :class:`~desktop.core.base_urls.UrlProblem`
    naming the variable.
    """

    hub: str
    router: str
    direct: Mapping[str, str]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Endpoints":
        env = os.environ if env is None else env

        def pick(variable: str, default: str) -> str:
            value = env.get(variable)
            return check_env_url(variable, value) if value else default.rstrip("/")

        direct: dict[str, str] = {}
        for spec in PROVIDERS.values():
            url = pick(spec.env_url_var, spec.direct_base or "")
            if url:
                direct[spec.id] = url
        return cls(
            hub=pick("HF_ENDPOINT", DEFAULT_HUB_URL),
            router=pick("SWITCHBOARD_ROUTER_URL", DEFAULT_ROUTER_URL),
            direct=direct,
        )

    def routed_base(self, provider_id: str) -> str:
        """``{router}/{provider}``: the base every routed route is appended to."""
        return f"{self.router}/{provider_id}"


def join_url(base: str, route: str) -> str:
    """Join like the HF clients: one slash between base and route."""
    return base.rstrip("/") + "/" + route.lstrip("/")
