"""Building the ordered candidate list of a chat request (routing.md §5.2).

A candidate is (provider, provider's model id, credential, endpoint). The list comes from the
Hub mapping filtered by task, status, enabled providers and the credentials we hold; a provider's
own key goes direct, otherwise the HF token goes through the router. Custom OpenAI-compatible
servers join when their model map names the model. The user's drag order sorts the list, and
providers whose breaker is open move to the back (not out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from desktop.core.base_urls import shown, url_problem
from desktop.core.errors import SwitchboardError
from desktop.core.table import HF_CREDENTIAL, PROVIDERS, Endpoints, Task, join_url
from desktop.core.trace import CandidateNote
from desktop.core.vocab import FixAction
from desktop.engine.catalog import MappingEntry
from desktop.engine.credentials import Credentials
from desktop.engine.health import HealthBook
from desktop.store.settings import CustomEndpoint, Settings

POLICIES = ("auto", "fastest", "cheapest", "hf-auto")

TEST_ONLY_NOTE = (
    "test-only: Hugging Face lists this provider as staging for this model (not public yet); "
    "used because you picked it by name"
)
"""Shown in the trace when a staging provider is used: Auto skips them, as HF's clients warn."""


@dataclass
class Candidate:
    """Everything one attempt needs. ``secret`` never appears in ``repr`` or a trace."""

    provider: str
    via: str  # "router", "direct", "custom" or "hf-auto"
    provider_model: str
    url: str  # the chat completions URL (chat only; other tasks build theirs from ``base``)
    credential: str  # keyring user of the secret used: "huggingface", a provider id, or ""
    secret: str | None = field(default=None, repr=False)
    auth_scheme: str = "Bearer"
    billed_to: str | None = None
    context_length: int | None = None
    remark: str = ""
    """A note the trace shows even when this candidate answers (:data:`TEST_ONLY_NOTE`)."""
    published_ttft_ms: float | None = None
    """The router's published time to first token for this provider (``/v1/models``)."""
    bill_to: str | None = None
    """An organisation to bill (``X-HF-Bill-To``); only ever set on routed candidates."""
    base: str = ""
    """Where task routes are appended: ``{router}/{provider}``, the provider's own base URL,
    or a custom server's ``…/v1``."""
    _not_needed: dict[str, CandidateNote] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """:meth:`not_needed_note`'s notes, by reason."""

    def route(self, path: str) -> str:
        """``base`` joined with a task route from reference/providers.md §2.2."""
        return join_url(self.base, path)

    @cached_property
    def health_key(self) -> str:
        """``provider|credential``: the breaker this candidate answers to (asked many times
        per request, so worked out once)."""
        return f"{self.provider}|{self.credential or 'none'}"

    def headers(self) -> dict[str, str]:
        """JSON content type, the provider's own extra headers, auth with its scheme (a new
        dict each time: callers add their own)."""
        return dict(self.base_headers)

    @cached_property
    def base_headers(self) -> dict[str, str]:
        """:meth:`headers`, worked out once per candidate (a changed key makes new ones):
        read it, never change it."""
        headers = {"content-type": "application/json"}
        spec = PROVIDERS.get(self.provider)
        if spec is not None and self.via != "custom":
            headers.update(spec.extra_headers)
        if self.secret:
            headers["authorization"] = f"{self.auth_scheme} {self.secret}"
        return headers

    def note(self, skipped: str | None = None) -> CandidateNote:
        if skipped is None:
            return self.planned_note
        return CandidateNote(self.provider, self.via, self.provider_model, skipped, self.remark)

    @cached_property
    def planned_note(self) -> CandidateNote:
        """This candidate's line in a trace's plan, made once and shared by every request
        that plans it (notes are frozen; issue 8, CPU per request)."""
        return CandidateNote(self.provider, self.via, self.provider_model, None, self.remark)

    def not_needed_note(self, why: str) -> CandidateNote:
        """:attr:`planned_note` skipped for ``why`` ("not needed (Groq answered)"), kept for
        the next request that another provider answers the same way (a few per candidate)."""
        notes = self._not_needed
        found = notes.get(why)
        if found is None:
            if len(notes) >= 16:
                notes.clear()
            found = notes[why] = self.planned_note.skipped_for(why)
        return found


def custom_api_base(base_url: str) -> str:
    """A custom server's OpenAI ``/v1`` root, from whatever URL form the user typed (§2.7)."""
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        base = base[: -len("/chat/completions")]
    if not base.endswith("/v1"):
        base += "/v1"
    return base


def custom_chat_url(base_url: str) -> str:
    """Normalise a custom server's URL the way HF's client does for URL-as-model (§2.7)."""
    return custom_api_base(base_url) + "/chat/completions"


def custom_candidate(endpoint: CustomEndpoint, model: str, credentials: Credentials) -> Candidate:
    problem = url_problem(endpoint.base_url)
    if problem is not None:  # a hand-edited settings file: kept as it is, but never called
        raise SwitchboardError(
            f"The custom server {endpoint.name} has the address \u201c{shown(endpoint.base_url)}"
            f"\u201d, which Switchboard can't use ({problem}); fix it on the Providers page.",
            action=FixAction.OPEN_PROVIDERS,
        )
    key = credentials.provider_key(endpoint.name)
    return Candidate(
        provider=endpoint.name,
        via="custom",
        provider_model=endpoint.served_name(model),
        url=custom_chat_url(endpoint.base_url),
        credential=endpoint.name if key else "",
        secret=key,
        billed_to=endpoint.name,
        base=custom_api_base(endpoint.base_url),
    )


def hf_auto_candidate(model: str, endpoints: Endpoints, token: str) -> Candidate:
    """HF's own server-side choice: ``/v1/chat/completions`` with the HF model id."""
    return Candidate(
        provider="hf-auto",
        via="hf-auto",
        provider_model=model,
        url=join_url(endpoints.router, "/v1/chat/completions"),
        credential=HF_CREDENTIAL,
        secret=token,
        billed_to="huggingface",
        base=endpoints.router,
    )


NEW_PROVIDER_NOTE = (
    "not in Switchboard's provider table yet: sent through Hugging Face's OpenAI-compatible "
    "route, which names the provider after the model"
)


def router_chat_candidate(
    provider: str, model: str, endpoints: Endpoints, token: str, remark: str = NEW_PROVIDER_NOTE
) -> Candidate:
    """Chat with a provider the router serves but our table does not know (a provider HF added
    after this release): ``/v1/chat/completions`` with ``model:provider`` (providers.md §2.4)."""
    return Candidate(
        provider=provider,
        via="router",
        provider_model=f"{model}:{provider}",
        url=join_url(endpoints.router, "/v1/chat/completions"),
        credential=HF_CREDENTIAL,
        secret=token,
        billed_to="huggingface",
        base=endpoints.router,
        remark=remark,
    )


def mapped_candidates(
    entries: list[MappingEntry],
    *,
    task: Task,
    settings: Settings,
    credentials: Credentials,
    endpoints: Endpoints,
    only: str | None,
    model: str = "",
) -> tuple[list[Candidate], list[CandidateNote]]:
    """Candidates from the Hub mapping, with a note for every entry left out and why.

    A provider missing from the table is still offered for chat (with an HF token) through the
    router's OpenAI-compatible route (:func:`router_chat_candidate`): Hugging Face adds
    providers more often than Switchboard is released."""
    hf_token = credentials.hf_token()
    disabled = set(settings.disabled)
    found: list[Candidate] = []
    notes: list[CandidateNote] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.task != task.value or entry.provider in seen:
            continue
        if only is not None and entry.provider != only:
            continue
        spec = PROVIDERS.get(entry.provider)

        def skip(why: str, entry: MappingEntry = entry) -> None:
            notes.append(CandidateNote(entry.provider, "", entry.provider_model, why))

        if spec is None and task == Task.CHAT and model and hf_token and entry.status == "live":
            if only is None and entry.provider in disabled:
                skip("turned off on the Providers page")
                continue
            seen.add(entry.provider)
            found.append(router_chat_candidate(entry.provider, model, endpoints, hf_token))
            continue
        if spec is None or task not in spec.tasks:
            skip("not supported by Switchboard yet")
            continue
        if only is None and entry.provider in disabled:
            skip("turned off on the Providers page")
            continue
        if entry.status == "error":
            skip("Hugging Face's health check of this provider is failing")
            continue
        if entry.status == "staging" and only != entry.provider:
            skip("not public yet (staging)")
            continue
        remark = TEST_ONLY_NOTE if entry.status == "staging" else ""
        seen.add(entry.provider)
        key = credentials.provider_key(entry.provider)
        direct_base = endpoints.direct.get(entry.provider)
        route = spec.chat_route_for(entry.provider_model) if task == Task.CHAT else ""
        if key and direct_base:
            found.append(
                Candidate(
                    provider=entry.provider,
                    via="direct",
                    provider_model=entry.provider_model,
                    url=join_url(direct_base, route) if route else "",
                    credential=entry.provider,
                    secret=key,
                    auth_scheme=spec.auth_scheme,
                    billed_to=entry.provider,
                    base=direct_base,
                    remark=remark,
                )
            )
        elif hf_token and spec.routed:
            routed_base = endpoints.routed_base(entry.provider)
            found.append(
                Candidate(
                    provider=entry.provider,
                    via="router",
                    provider_model=entry.provider_model,
                    url=join_url(routed_base, route) if route else "",
                    credential=HF_CREDENTIAL,
                    secret=hf_token,
                    billed_to="huggingface",
                    base=routed_base,
                    remark=remark,
                )
            )
        elif not spec.routed:
            skip(f"Hugging Face no longer routes {spec.label}; it needs its own key")
        else:
            skip("no key for it and no Hugging Face token")
    return found, notes


def order_candidates(
    candidates: list[Candidate],
    settings: Settings,
    health: HealthBook,
    score: Callable[[Candidate], float] | None = None,
) -> list[Candidate]:
    """The user's order (or a policy's score, user order breaking ties), open breakers last."""
    order = settings.provider_ranks()
    fallback = len(order)

    def user_rank(c: Candidate) -> int:
        return order.get(c.provider, fallback)

    if score is None:
        ranked = sorted(candidates, key=user_rank)
    else:
        ranked = sorted(candidates, key=lambda c: (score(c), user_rank(c)))
    if health.quiet():
        for c in ranked:
            health.get(c.health_key)  # as allows() would: every candidate has an entry
        return ranked
    usable: list[Candidate] = []
    blocked: list[Candidate] = []
    for c in ranked:
        (usable if health.allows(c.health_key) else blocked).append(c)
    blocked.sort(key=lambda c: health.open_until(c.health_key))
    return usable + blocked
