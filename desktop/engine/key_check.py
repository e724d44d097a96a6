"""Checking a token or key the moment it is saved, so a typo is found now, not mid-request.

Why: a person who pastes a token wants to know it works. The Hugging Face token is checked
with the Hub's ``GET /api/whoami-v2`` (who it belongs to, and whether a fine-grained token may
call Inference Providers); a provider's own key, where that is cheap, with its OpenAI-style
``GET …/v1/models`` list (no prompt, no cost). A check that cannot reach the server says so
and counts for nothing: the key stays saved and the next request will tell.

The check is one small request made once per save, so it runs in the thread pool with its own
short-lived synchronous client (:func:`check_saved`): nothing of it touches the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2

from desktop.core.table import PROVIDERS, Endpoints, join_url, provider_label

CHECK_TIMEOUT_S = 10.0
INFERENCE_PERMISSION = "inference.serverless.write"
TOKENS_PAGE = "huggingface.co/settings/tokens"


@dataclass(frozen=True)
class KeyCheck:
    """What the check found: ``ok`` False only when the server refused the key; ``checked``
    False when nobody could be asked (offline, or no cheap way to ask)."""

    ok: bool
    checked: bool
    text: str


def check_hf_token(client: httpx2.Client, endpoints: Endpoints, token: str) -> KeyCheck:
    """Ask the Hub who ``token`` belongs to and whether it may call Inference Providers."""
    try:
        response = client.get(
            join_url(endpoints.hub, "/api/whoami-v2"),
            headers={"authorization": f"Bearer {token}"},
            timeout=httpx2.Timeout(CHECK_TIMEOUT_S),
        )
    except httpx2.HTTPError:
        return KeyCheck(
            True,
            False,
            "Token saved. Hugging Face could not be reached to check it (offline?); the next "
            "request will tell whether it works.",
        )
    if response.status_code in (401, 403):
        return KeyCheck(
            False,
            True,
            "Hugging Face refused this token: it may be mistyped, expired or deleted. Copy a "
            f"fresh one from {TOKENS_PAGE} and save it again.",
        )
    if response.status_code >= 400:
        return KeyCheck(
            True,
            False,
            "Token saved. Hugging Face could not check it just now; the next request will tell.",
        )
    try:
        data = response.json()
    except ValueError:
        data = {}
    name = str(data.get("name") or "") if isinstance(data, dict) else ""
    owner = f"It belongs to {name}" if name else "Hugging Face accepted it"
    if not may_call_inference(data):
        return KeyCheck(
            False,
            True,
            f"Token saved. {owner}, but it may not call Inference Providers: at "
            f"{TOKENS_PAGE}, edit it and tick “Make calls to Inference Providers”.",
        )
    return KeyCheck(True, True, f"Token saved. {owner} and can call Inference Providers.")


def may_call_inference(whoami: Any) -> bool:
    """Read/write tokens may; a fine-grained one only with the inference permission."""
    if not isinstance(whoami, dict):
        return True
    auth = whoami.get("auth")
    access = auth.get("accessToken") if isinstance(auth, dict) else None
    if not isinstance(access, dict) or access.get("role") != "fineGrained":
        return True
    fine = access.get("fineGrained")
    if not isinstance(fine, dict):
        return False
    granted = set(fine.get("global") or [])
    for scoped in fine.get("scoped") or []:
        if isinstance(scoped, dict):
            granted.update(scoped.get("permissions") or [])
    return INFERENCE_PERMISSION in granted


def models_route(provider_id: str) -> str | None:
    """The provider's own ``…/v1/models`` route, when its chat speaks the OpenAI dialect."""
    spec = PROVIDERS.get(provider_id)
    if spec is None or spec.chat_route is None or not spec.chat_route.endswith("/chat/completions"):
        return None
    return spec.chat_route.removesuffix("/chat/completions") + "/models"


def check_provider_key(
    client: httpx2.Client, endpoints: Endpoints, provider_id: str, key: str
) -> KeyCheck:
    """List the provider's models with ``key`` (free), where the provider offers that."""
    who = provider_label(provider_id)
    route = models_route(provider_id)
    base = endpoints.direct.get(provider_id)
    if route is None or not base:
        return KeyCheck(
            True, False, f"{who} key saved; the next request will tell whether it works."
        )
    spec = PROVIDERS[provider_id]
    try:
        response = client.get(
            join_url(base, route),
            headers={"authorization": f"{spec.auth_scheme} {key}"},
            timeout=httpx2.Timeout(CHECK_TIMEOUT_S),
        )
    except httpx2.HTTPError:
        return KeyCheck(
            True, False, f"{who} key saved. {who} could not be reached to check it (offline?)."
        )
    if response.status_code in (401, 403):
        return KeyCheck(
            False,
            True,
            f"{who} refused this key: it may be mistyped or revoked. Copy it again from your "
            f"{who} account and save it.",
        )
    if response.status_code >= 400:
        return KeyCheck(True, False, f"{who} key saved; {who} could not check it just now.")
    return KeyCheck(True, True, f"{who} key saved and accepted by {who}.")


def check_saved(endpoints: Endpoints, user: str, secret: str) -> KeyCheck | None:
    """Blocking (run it in the pool): check the HF token (``user`` is the HF credential) or a
    provider's key; None for credentials there is no check for (custom servers)."""
    from desktop.core.table import HF_CREDENTIAL

    if user != HF_CREDENTIAL and user not in PROVIDERS:
        return None
    with httpx2.Client(follow_redirects=False) as client:
        if user == HF_CREDENTIAL:
            return check_hf_token(client, endpoints, secret)
        return check_provider_key(client, endpoints, user, secret)
