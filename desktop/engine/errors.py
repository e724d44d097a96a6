"""Errors a person can meet, each with one clear sentence and, where there is one, a fix.

The UI shows ``str(error)`` as it is and offers a button for ``action``; the command line prints
it on one line. None of these messages may contain a secret.
"""

from __future__ import annotations


class SwitchboardError(Exception):
    """Base of every error meant for a person.

    Attributes:
        action: an obvious next step the UI can offer as a button ("add_token",
            "open_providers", "retry", "other_provider"), or None.
    """

    action: str | None = None

    def __init__(self, message: str, *, action: str | None = None) -> None:
        super().__init__(message)
        if action is not None:
            self.action = action


class NoCredentials(SwitchboardError):
    """No HF token, no provider key and no custom server: nothing can be called."""

    action = "add_token"


class NoCandidates(SwitchboardError):
    """The model is served by none of the enabled providers we hold credentials for."""

    action = "open_providers"


class CatalogueUnavailable(SwitchboardError):
    """The Hub could not be asked which providers serve a model, and nothing is cached."""

    action = "retry"
