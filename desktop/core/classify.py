"""Turn every way an attempt can fail into one outcome class, a sentence, and a Retry-After.

Normalising first (HTTP status, body, in-band SSE error, exception) is what lets the router make
one decision per class (routing.md §5.3) instead of special cases per provider.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop.core import trace as t
from desktop.core.table import provider_label
from desktop.core.trace import Outcome

MAX_MESSAGE_CHARS = 240

_CONTEXT_RE = re.compile(
    r"context[ _-]?length|maximum context|too many tokens|context window|"
    r"prompt is too long|input is too long|tokens \+ `?max_new_tokens",
    re.I,
)
_POLICY_RE = re.compile(r"content[ _-]?(policy|filter|management)|moderation|flagged|safety", re.I)
_NOT_FOUND_RE = re.compile(
    r"model .*(not (supported|found|exist)|does not exist)|unknown model|no such model", re.I
)
_ROUTER_REFUSAL_RE = re.compile(
    r"invalid username or password|authentication method does not have sufficient "
    r"permissions|invalid credentials in authorization header",
    re.I,
)
"""The HF router's own words when it refuses the token (providers.md §5), as opposed to a
provider's refusal that the router passes on in the provider's own shape."""
_CREDITS_RE = re.compile(r"credit|billing|quota|pay-as-you|payment|balance", re.I)


@dataclass
class Failure:
    """A classified failure of one attempt."""

    outcome: Outcome
    detail: str  # the provider's own words, cleaned and shortened
    status_code: int | None = None
    retry_after_s: float | None = None
    whole_credential: bool = False
    """A 401/403 in the HF hub's own shape (``X-Error-Message`` header or its sentences): when
    it came through the router, the token itself was refused, not one provider's access."""
    network: str = ""
    """How a connection could not even be opened (nothing was sent): :data:`NO_NAME`,
    :data:`NO_ROUTE` or :data:`REFUSED`; "" when a connection was made or the failure is not
    about connecting. Read by :func:`looks_offline`."""

    def write_to(self, record: t.AttemptRecord) -> None:
        """Close ``record`` as this failure (a status code already seen is kept if none)."""
        record.outcome = self.outcome
        record.status_code = self.status_code or record.status_code
        record.retry_after_s = self.retry_after_s
        record.message = self.detail


NO_NAME = "dns"
"""The host name could not be looked up (no DNS answer)."""
NO_ROUTE = "unreachable"
"""The network or host is unreachable from this machine."""
REFUSED = "refused"
"""The host said nobody listens there (connection refused)."""

OFFLINE_SENTENCE = "You seem to be offline; nothing was sent. Check your connection and try again."


def looks_offline(failures: Iterable[tuple[Failure, str]]) -> bool:
    """Whether failed attempts (each with its provider) say *this machine* is offline.

    Why: an offline laptop must not make every provider look broken (issue 12). It is
    offline when no attempt got any answer, every one failed while connecting, and the
    failures point at the local network: a name that could not be looked up or a network
    that cannot be reached, or a refused connection at two or more different providers. A
    single provider refusing connections is that provider's fault and counts against it.
    """
    seen = list(failures)
    if not seen or any(f.outcome != Outcome.CONNECT_ERROR or not f.network for f, _ in seen):
        return False
    if any(f.network in (NO_NAME, NO_ROUTE) for f, _ in seen):
        return True
    return len({provider for _, provider in seen}) >= 2


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms``, ``x-ms-retry-after-ms`` or ``Retry-After``.

    ``Retry-After`` may be delta-seconds or an HTTP-date. Zero, negative or unparseable values
    are ignored (None).
    """
    lower = {k.lower(): v for k, v in headers.items()}
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        raw = lower.get(name)
        if raw:
            try:
                value = float(raw) / 1000.0
            except ValueError:
                continue
            if value > 0:
                return value
    raw = lower.get("retry-after")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        value = when.timestamp() - (time.time() if now is None else now)
    return value if value > 0 else None


def error_text(body: Any) -> str:
    """The human part of an error body in any of the shapes providers use."""
    if isinstance(body, str):
        return body
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return str(err.get("message") or err.get("code") or json.dumps(err))
        if isinstance(err, str):
            return err
        if isinstance(err, list) and err:
            return "; ".join(error_text(e) for e in err)
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        if isinstance(detail, list) and detail:
            first = detail[0]
            if isinstance(first, dict):
                return str(first.get("msg") or first)
            return str(first)
        for key in ("message", "title"):
            if isinstance(body.get(key), str):
                return str(body[key])
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return error_text(errors[0])
    return ""


def _error_code(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        return f"{err.get('code') or ''} {err.get('type') or ''}"
    if isinstance(body, dict):
        return str(body.get("error_type") or "")
    return ""


def clean(text: str, secrets: Iterable[str] = ()) -> str:
    """Shorten, collapse whitespace and remove any secret that a server echoed back."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[redacted]")
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1] + "…"
    return text


def classify_body(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Failure:
    """Classify an HTTP error answer (status >= 400)."""
    headers = headers or {}
    detail = error_text(body) or (headers.get("x-error-message") or "")
    code = _error_code(body)
    probe = f"{detail} {code}"
    retry_after = parse_retry_after(headers)
    if status == 429:
        return Failure(Outcome.RATE_LIMITED, detail, status, retry_after)
    if status == 402:
        return Failure(Outcome.BILLING, detail, status)
    if status in (401, 403):
        if status == 403 and _POLICY_RE.search(probe):
            return Failure(Outcome.CONTENT_POLICY, detail, status)
        hub_shaped = any(k.lower() == "x-error-message" for k in headers) or bool(
            _ROUTER_REFUSAL_RE.search(detail)
        )
        return Failure(Outcome.AUTH, detail, status, whole_credential=hub_shaped)
    if status in (404, 410):
        return Failure(Outcome.NOT_FOUND, detail, status)
    if status == 408 or status == 504:
        return Failure(Outcome.TIMEOUT if status == 408 else Outcome.SERVER_ERROR, detail, status)
    if status >= 500:
        return Failure(Outcome.SERVER_ERROR, detail, status, retry_after)
    if _CONTEXT_RE.search(probe):
        return Failure(Outcome.CONTEXT_LENGTH, detail, status)
    if _POLICY_RE.search(probe):
        return Failure(Outcome.CONTENT_POLICY, detail, status)
    if status == 400 and _NOT_FOUND_RE.search(probe):
        return Failure(Outcome.NOT_FOUND, detail, status)
    if status == 413:
        return Failure(Outcome.INVALID_REQUEST, detail or "request too large", status)
    if _CREDITS_RE.search(probe) and status == 400:
        return Failure(Outcome.BILLING, detail, status)
    return Failure(Outcome.INVALID_REQUEST, detail, status)


def classify_inband(error: Any) -> Failure:
    """An ``error`` object inside an HTTP 200 stream, classified like the status it names."""
    body = {"error": error}
    detail = error_text(body)
    code = _error_code(body)
    probe = f"{detail} {code}"
    if isinstance(error, dict):
        status = error.get("status") or error.get("code")
        if isinstance(status, int) and status >= 400:
            return classify_body(status, body)
    if re.search(r"overloaded|unavailable|internal", probe, re.I):
        return Failure(Outcome.SERVER_ERROR, detail)
    if re.search(r"rate.?limit", probe, re.I):
        return Failure(Outcome.RATE_LIMITED, detail)
    if _CONTEXT_RE.search(probe):
        return Failure(Outcome.CONTEXT_LENGTH, detail)
    if _POLICY_RE.search(probe):
        return Failure(Outcome.CONTENT_POLICY, detail)
    if re.search(r"validation", probe, re.I):
        return Failure(Outcome.INVALID_REQUEST, detail)
    return Failure(Outcome.SERVER_ERROR, detail)


_SENTENCES: dict[str, str] = {
    Outcome.SERVER_ERROR: "{who} had a server problem; try again or use another provider.",
    Outcome.NOT_FOUND: "{who} does not serve this model right now{said}.",
    Outcome.TIMEOUT: "{who} did not answer in time; try again or use another provider.",
    Outcome.CONNECT_ERROR: "Could not reach {who}; check your internet connection.",
    Outcome.CONTEXT_LENGTH: (
        "The conversation is too long for this model at {who}; start a new chat or "
        "pick a model with a larger context."
    ),
    Outcome.CONTENT_POLICY: "{who}'s content filter refused this request{said}.",
    Outcome.INVALID_REQUEST: "{who} rejected the request{said}.",
    Outcome.REJECTED: "{who} could not take this request{said}; another provider may.",
    Outcome.BAD_RESPONSE: "{who} sent an answer Switchboard could not read{said}.",
}
"""What :func:`sentence` says for an outcome that reads the same through any route
(``{who}``: the provider, ``{said}``: its words). Status codes are never said here: they stay
in the trace's details, for people who want them."""


def sentence(failure: Failure, provider: str, *, via_hf: bool) -> str:
    """One sentence a person can act on, naming the provider."""
    who = provider_label(provider)
    said = f" ({failure.detail})" if failure.detail else ""
    o = failure.outcome
    if o == Outcome.AUTH:
        if via_hf and not failure.whole_credential:
            return (
                f"{who} refused this request made through your Hugging Face account"
                f"{said}; other providers can still be used, or add a {who} key on the "
                "Providers page."
            )
        if via_hf:
            return (
                "Your Hugging Face token was refused; check it on the Providers page "
                '(it needs the "Make calls to Inference Providers" permission).'
            )
        return f"Your {who} key was refused; check the {who} key on the Providers page."
    if o == Outcome.BILLING:
        if via_hf:
            return (
                "Your Hugging Face account has no inference credits left"
                f"{said}; add credits on huggingface.co or use a provider's own key."
            )
        return f"Your {who} account has no credits left{said}; top it up or use another provider."
    if o == Outcome.RATE_LIMITED:
        later = f"in {failure.retry_after_s:.0f} s" if failure.retry_after_s else "later"
        return f"{who} is busy (too many requests); try again {later} or use another provider."
    if o == Outcome.BAD_RESPONSE and failure.detail.startswith(TOO_LARGE):
        # "Groq sent an answer too large to read (one event over 1 MB)."
        return f"{who} {TOO_LARGE} ({failure.detail[len(TOO_LARGE) :].lstrip(': ')})."
    return _SENTENCES.get(o, "{who} failed{said}.").format(who=who, said=said)


TOO_LARGE = "sent an answer too large to read"
"""How a provider's answer past Switchboard's size limits is described (the detail of a
``bad_response`` failure starts with it; see ``desktop.providers.answer_limits``)."""


# Most actionable first (routing.md §5.3): what the user can fix, then waits, then outages.
_RANK: list[str] = [
    Outcome.AUTH,
    Outcome.BILLING,
    Outcome.CONTENT_POLICY,
    Outcome.CONTEXT_LENGTH,
    Outcome.INVALID_REQUEST,
    Outcome.REJECTED,
    Outcome.RATE_LIMITED,
    Outcome.SERVER_ERROR,
    Outcome.NOT_FOUND,
    Outcome.BAD_RESPONSE,
    Outcome.TIMEOUT,
    Outcome.CONNECT_ERROR,
]


def rank(outcome: str) -> int:
    return _RANK.index(outcome) if outcome in _RANK else len(_RANK)
