"""Who pays for a routed request: the user's own HF account or one of their organisations.

Hugging Face bills an organisation when a routed request carries ``X-HF-Bill-To: <org>``
(providers.md §2.6). The header belongs on requests to the router only: a provider called
directly with its own key bills that key's account and must not see our HF account details,
and media downloads carry no headers of ours at all.

The choice is global (``costs.json``) and may be overridden for one piece of work — a tab, a
``--bill-to`` command — with :func:`billing_to`, a context variable, so every task started
inside the ``with`` (asyncio copies the context into new tasks) bills the same account without
threading a parameter through every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import Context, ContextVar, copy_context

ROUTED_VIAS = frozenset({"router", "hf-auto"})
BILL_TO_HEADER = "x-hf-bill-to"

_chosen: ContextVar[str | None] = ContextVar("switchboard_bill_to", default=None)


@contextmanager
def billing_to(account: str | None) -> Iterator[None]:
    """Bill requests started inside to ``account`` ("" or None: the personal account)."""
    token = _chosen.set((account or "").strip())
    try:
        yield
    finally:
        _chosen.reset(token)


def current_bill_to(default: str) -> str | None:
    """The organisation to bill now: the innermost :func:`billing_to`, else ``default``;
    None means the user's own account (no header)."""
    chosen = _chosen.get()
    account = default if chosen is None else chosen
    return account.strip() or None


def billing_context(account: str | None) -> Context:
    """A copy of the current context billing ``account`` ("" the personal account; None
    leaves the choice as it is), for a task started with ``create_task(..., context=...)``:
    how a tab's own "Bill to" reaches every request the tab starts."""
    context = copy_context()
    if account is not None:
        context.run(_chosen.set, account.strip())
    return context
