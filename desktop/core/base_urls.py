"""Web addresses the user gives: custom servers and the endpoint environment variables.

Why: a base URL is joined with routes and sent the user's key. Only ``http``/``https`` with a
host make sense; a query or fragment would be silently dropped or mangled by the join; and a
key written into the address (``http://user:key@host``) would end up in ``settings.json``, in
``providers list`` and in error messages. Keys found in an address are split off here so the
caller can put them in the keyring; addresses shown to people go through :func:`shown`.
This module imports nothing from the app, so every layer can use it.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit, urlunsplit


class UrlProblem(ValueError):
    """An address the app cannot use, with one sentence for a person (never a secret)."""


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        return None
    return parts


def _host_part(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return host + (f":{parts.port}" if parts.port is not None else "")


def shown(url: str) -> str:
    """``url`` safe to show: any user name or password replaced by ``***``; length capped."""
    parts = _split(url)
    text = url
    if parts is not None and (parts.username or parts.password):
        text = urlunsplit(parts._replace(netloc="***@" + _host_part(parts)))
    elif "@" in url:
        text = "***@" + url.rsplit("@", 1)[1]
    return text if len(text) <= 120 else text[:117] + "…"


def split_credentials(url: str) -> tuple[str, str | None]:
    """``(address without credentials, the key it carried or None)``.

    ``http://user:secret@host`` carries ``secret``; ``http://secret@host`` (no password)
    carries the user part, which is how people paste a bare key into an address.
    """
    parts = _split(url)
    if parts is None or not (parts.username or parts.password):
        return url.strip(), None
    secret = parts.password or parts.username or None
    return urlunsplit(parts._replace(netloc=_host_part(parts))), secret


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a server's base address (a clause), or None when it can."""
    parts = _split(url)
    if parts is None:
        return "it is not a valid web address"
    if parts.scheme not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "it names no server"
    if parts.username or parts.password:
        return "it holds a user name or key; keys belong in the key field, not in the address"
    if parts.query or parts.fragment or url.strip().endswith(("?", "#")):
        return "a base address has no '?' or '#' part"
    if any(c.isspace() or ord(c) < 0x20 for c in url.strip()):
        return "it contains spaces or control characters"
    return None


def check_env_url(variable: str, value: str) -> str:
    """``value`` (trailing ``/`` removed) when usable; :class:`UrlProblem` naming ``variable``."""
    problem = url_problem(value)
    if problem is not None:
        raise UrlProblem(
            f"The environment variable {variable} is set to \u201c{shown(value)}\u201d, which "
            f"Switchboard cannot use ({problem}); fix it or unset it."
        )
    return value.strip().rstrip("/")
