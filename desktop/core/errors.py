"""Errors a person can meet, each with one clear sentence and, where there is one, a fix.

Every error meant for a person derives from :class:`SwitchboardError`, whichever layer raises
it (the engine, the store, the command line): the UI shows ``str(error)`` as it is and offers a
button for ``action``; the command line prints it on one line. None of these messages may
contain a secret.

Internal control flow between layers does not derive from it, because it is never shown as it
is: :class:`desktop.providers.exchange.AttemptFailed` carries a classified failure from the
wire to the engine, which turns it into a sentence.
"""

from __future__ import annotations

from desktop.core.vocab import FixAction


class SwitchboardError(Exception):
    """Base of every error meant for a person.

    ``str(error)`` is the one sentence a person reads, exactly as given.

    Attributes:
        action: an obvious next step the UI can offer as a button
            (:class:`~desktop.core.vocab.FixAction`), or None.
    """

    action: FixAction | None = None

    def __init__(self, message: str, *, action: FixAction | None = None) -> None:
        super().__init__(message)
        if action is not None:
            self.action = action


class NoCredentials(SwitchboardError):
    """No HF token, no provider key and no custom server: nothing can be called."""

    action = FixAction.ADD_TOKEN


class NoCandidates(SwitchboardError):
    """The model is served by none of the enabled providers we hold credentials for."""

    action = FixAction.OPEN_PROVIDERS


class CatalogueUnavailable(SwitchboardError):
    """The Hub could not be asked which providers serve a model, and nothing is cached."""

    action = FixAction.RETRY
