"""Choosing the candidates of one request: policy, pinned provider, custom servers, catalogue.

:mod:`desktop.engine.candidates` builds candidates from a mapping; this module decides *which*
mapping to ask for and what to say when nothing is left: a custom server named as the provider,
Hugging Face's own choice (chat only), one pinned provider, or the ordered list of every enabled
provider with a credential, scored for the "fastest" and "cheapest" policies. The same model,
settings and keys give the same candidates, so they are built once and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from desktop.core.base_urls import url_problem
from desktop.core.errors import NoCandidates, NoCredentials, SwitchboardError
from desktop.core.table import DEFAULT_ORDER, PROVIDERS, Endpoints, Task, provider_label
from desktop.core.trace import CandidateNote
from desktop.core.vocab import FixAction
from desktop.engine.candidates import (
    POLICIES,
    Candidate,
    custom_candidate,
    hf_auto_candidate,
    mapped_candidates,
    order_candidates,
)
from desktop.engine.catalog import MappingEntry, ModelCatalog, ProviderStats
from desktop.engine.credentials import Credentials
from desktop.engine.health import HealthBook
from desktop.engine.policies import score_for
from desktop.store.settings import Settings

_NO_STATS = ProviderStats()

TASK_WORDS = {
    Task.CHAT: "chat",
    Task.TEXT_TO_IMAGE: "making images",
    Task.TEXT_TO_VIDEO: "making videos",
    Task.IMAGE_TO_IMAGE: "changing pictures",
    Task.IMAGE_TO_VIDEO: "animating pictures",
    Task.SPEECH_TO_TEXT: "transcription",
    Task.EMBEDDINGS: "embeddings",
    Task.TEXT_TO_SPEECH: "reading aloud",
}

NO_CREDENTIALS_TEXT = (
    "Switchboard has no Hugging Face token or provider key yet. Add a token from "
    "huggingface.co/settings/tokens (or a local server) on the Providers page."
)

_CUSTOM_TASKS = (Task.CHAT, Task.EMBEDDINGS)
"""The tasks custom servers take part in (bound once: reading an enum member goes through its
metaclass's attribute hook, about a Python call's cost, issue 8)."""

Choice = tuple[list[Candidate], list[CandidateNote]]
"""Ordered candidates, and a note on every provider left out."""

_Ordered = tuple[Choice, dict[str, ProviderStats], Mapping[str, int], HealthBook, list[Candidate]]


class CandidateChooser:
    """Turns (task, model, policy) into ordered candidates; one per engine (it owns the cache)."""

    def __init__(
        self,
        endpoints: Endpoints,
        credentials: Credentials,
        catalog: ModelCatalog,
        health: HealthBook,
        settings: Callable[[], Settings],
    ) -> None:
        self.endpoints = endpoints
        self.credentials = credentials
        self.catalog = catalog
        self.health = health
        self._settings = settings
        self.custom_models: Callable[[str], Collection[str]] = lambda _name: ()
        """Names each custom server lists at its ``/v1/models`` (see Engine.custom_models)."""
        self._cache: dict[tuple[object, ...], Choice] = {}
        self._ordered: dict[tuple[object, ...], _Ordered] = {}
        """Ordered candidates while no breaker rests, by (candidates, figures, user order,
        health book); the value keeps those objects and ends with the ordered list."""
        self.priced: Callable[[str, dict[str, ProviderStats]], dict[str, ProviderStats]] | None = (
            None
        )
        """Puts the user's own prices over the published ones, so "cheapest" ranks by the same
        numbers the cost estimates use (set by the engine to its cost meter's)."""

    async def choose(self, task: Task, model: str, policy: str) -> Choice:
        """Ordered candidates of any task; custom servers take part in chat and embeddings.

        Raises :class:`SwitchboardError` (:class:`NoCredentials`, :class:`NoCandidates`) when
        there is nothing to try, with the sentence and the button for the person.
        """
        creds = self.credentials
        if creds.loading:  # the keyring may still be opening (start-up)
            await creds.ready()
        settings = self._settings()
        custom_ok = task in _CUSTOM_TASKS
        custom = settings.custom(policy) if settings.custom_endpoints else None
        if custom is not None:
            if not custom_ok:
                raise SwitchboardError(
                    f"{custom.name} is an OpenAI-compatible server; it can chat and make "
                    "embeddings, not this. Pick another provider.",
                    action=FixAction.OPEN_PROVIDERS,
                )
            return [custom_candidate(custom, model, creds)], []
        hf_token = creds.hf_token()
        if policy == "hf-auto" and task == Task.CHAT:
            if not hf_token:
                raise NoCredentials(
                    "Letting Hugging Face choose needs a Hugging Face token; add one on the "
                    "Providers page."
                )
            return [hf_auto_candidate(model, self.endpoints, hf_token)], []
        only = None
        if policy == "hf-auto":
            policy = "auto"  # HF's server-side choice exists for chat only (routing.md §5.13)
        if policy not in POLICIES:
            if policy not in PROVIDERS:
                raise SwitchboardError(
                    f"There is no provider or custom server called \u201c{policy}\u201d; "
                    "pick one from the list.",
                    action=FixAction.OPEN_PROVIDERS,
                )
            only = policy

        customs = (
            [
                custom_candidate(c, model, creds)
                for c in settings.custom_endpoints
                if settings.is_enabled(c.name)
                and (model in c.models or model in self.custom_models(c.name))
                and url_problem(c.base_url) is None  # a bad hand-edited address: never called
            ]
            if custom_ok and only is None and settings.custom_endpoints
            else []
        )
        has_hub_credentials = bool(hf_token) or any(creds.provider_key(p) for p in PROVIDERS)
        if not has_hub_credentials and not customs:
            raise NoCredentials(NO_CREDENTIALS_TEXT)
        notes: list[CandidateNote] = []
        found: list[Candidate] = []
        entries: list[MappingEntry] | None = []
        choice: Choice | None = None  # the cached candidates ``found`` was copied from
        choice_key: tuple[object, ...] = ()
        if has_hub_credentials:
            catalog = self.catalog
            fetched_at: float | None = None
            try:
                # A fresh mapping is read only when its candidates are not built yet.
                fetched_at = catalog.fresh_at(model)
                if fetched_at is None:
                    entries = await catalog.mapping(model, hf_token)
                else:
                    entries = None  # not read yet: see below
            except SwitchboardError as exc:
                if not customs:
                    raise
                entries = []
                notes.append(CandidateNote("huggingface", "", model, str(exc)))
            # The same model, settings and keys give the same candidates: build them once.
            key = (
                task,
                model,
                only,
                catalog.fetched_at(model) if fetched_at is None else fetched_at,
                creds.version,
                tuple(settings.disabled),
            )
            cached = self._cache.get(key)
            if cached is None:
                if entries is None:
                    entries = catalog.cached(model) or []
                cached = mapped_candidates(
                    entries,
                    task=task,
                    settings=settings,
                    credentials=creds,
                    endpoints=self.endpoints,
                    only=only,
                    model=model,
                )
                if len(self._cache) > 256:
                    self._cache.clear()
                self._cache[key] = cached
            choice, choice_key = cached, key
            found = cached[0]  # only read below (sorting and the memo make new lists)
            notes += cached[1]
        score = None
        if policy in ("fastest", "cheapest") and found:
            stats = await self.catalog.provider_stats(model)
            if self.priced is not None:
                stats = self.priced(model, stats)
            _note_stats(found, stats)
            score = score_for(policy, stats, self.health)
        elif found:
            # Context windows matter only after a context-length error; never make the user
            # wait for them: use what is cached and refresh it in the background.
            stats = self.catalog.cached_stats(model)
            self.catalog.refresh_stats_soon(model)
            if choice is not None and not customs and self.health.quiet():
                # Nothing rests: the order is the user's, the same while candidates, figures
                # and order are the same objects (each is replaced, never changed in place).
                ranks = settings.provider_ranks()
                memo_key = (choice_key, id(stats), id(ranks), id(self.health))
                memo = self._ordered.get(memo_key)
                if memo is None or memo[0] is not choice:
                    _note_stats(found, stats)
                    ordered = order_candidates(found, settings, self.health, None)
                    if len(self._ordered) > 256:
                        self._ordered.clear()
                    # The objects are kept with it, so their ids name them while it lasts.
                    memo = (choice, stats, ranks, self.health, ordered)
                    self._ordered[memo_key] = memo
                return list(memo[4]), notes
            _note_stats(found, stats)
        ordered = order_candidates(found + customs, settings, self.health, score)
        if not ordered:
            if entries is None:
                entries = self.catalog.cached(model) or []
            raise NoCandidates(no_candidates_text(model, only, notes, task, entries))
        return ordered, notes


def _note_stats(found: list[Candidate], stats: dict[str, ProviderStats]) -> None:
    """Copy the router's published figures each candidate's routing needs onto it."""
    for cand in found:
        figures = stats.get(cand.provider) or _NO_STATS
        cand.context_length = figures.context_length
        cand.published_ttft_ms = figures.ttft_ms


def _named(provider_id: str) -> str:
    """``fal (fal-ai)``: the name a person reads and the id ``--provider`` takes."""
    label = provider_label(provider_id)
    return label if label.lower() == provider_id else f"{label} ({provider_id})"


def providers_for(task: Task, entries: Sequence[MappingEntry] = ()) -> list[str]:
    """Who can serve ``task``: the model's mapped providers Switchboard can use for it, or,
    without any, every routed provider the table lists for it."""
    mapped = [
        e.provider
        for e in entries
        if e.task == task.value and e.provider in PROVIDERS and task in PROVIDERS[e.provider].tasks
    ]
    if mapped:
        return list(dict.fromkeys(mapped))
    return [p for p in DEFAULT_ORDER if PROVIDERS[p].routed and task in PROVIDERS[p].tasks]


def no_candidates_text(
    model: str,
    only: str | None,
    notes: list[CandidateNote],
    task: Task,
    entries: Sequence[MappingEntry] = (),
) -> str:
    """Why nothing can serve the request, naming the providers left out and the reason, and
    (for a provider picked by name) the providers that could."""
    words = TASK_WORDS.get(task, task.value)
    if only is not None:
        why = next((n.skipped for n in notes if n.provider == only and n.skipped), None)
        if why:
            return f"{provider_label(only)} can't take this request: {why}."
        others = [_named(p) for p in providers_for(task, entries) if p != only]
        spec = PROVIDERS.get(only)
        if spec is not None and task not in spec.tasks:
            choices = f"choose Auto or one of: {', '.join(others)}" if others else "choose Auto"
            return f"Switchboard can't use {provider_label(only)} for {words}; {choices}."
        mapped = [e.provider for e in entries if e.task == task.value]
        if others and mapped:
            return (
                f"{provider_label(only)} does not serve {model} for {words}; choose Auto or one "
                f"of: {', '.join(others)}."
            )
        return f"{provider_label(only)} does not serve {model}; choose Auto or another provider."
    if notes:
        reasons = "; ".join(f"{provider_label(n.provider)}: {n.skipped}" for n in notes[:4])
        return f"No enabled provider can serve {model} right now ({reasons})."
    return (
        f"No provider you can use serves {model} for {TASK_WORDS.get(task, task.value)}; "
        "pick another model or add a key on the Providers page."
    )
