"""Which credential a provider would use right now, in the few words the order list shows.

Pure logic over the settings and the credential snapshot (no Qt), so every case is tested.
"""

from __future__ import annotations

from desktop.core.table import HF_CREDENTIAL, PROVIDERS
from desktop.engine.credentials import Credentials
from desktop.store.settings import Settings

OWN_KEY = "own key"
VIA_HF = "via HF token"
UNROUTED = "HF no longer routes — needs own key"
NO_KEY = "no key"
NO_KEY_NEEDED = "no key needed"
NEEDS_KEY = "needs a key"


def key_status(provider_id: str, settings: Settings, credentials: Credentials) -> str:
    """ "own key", "via HF token", "HF no longer routes — needs own key", "no key", …"""
    custom = settings.custom(provider_id)
    own = credentials.info(provider_id).present
    if custom is not None:
        if not custom.needs_key:
            return NO_KEY_NEEDED
        return OWN_KEY if own else NEEDS_KEY
    spec = PROVIDERS.get(provider_id)
    if own and spec is not None and spec.direct_base is not None:
        return OWN_KEY
    if spec is not None and not spec.routed:
        return UNROUTED
    if credentials.info(HF_CREDENTIAL).present:
        return VIA_HF
    return NO_KEY
