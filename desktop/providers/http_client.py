"""The app's one HTTP client, and the short way it sends a chat request (issue 8).

Every request goes through :class:`PooledClient`, an ``httpx2.AsyncClient``. A chat request
(streamed or whole) is sent with :meth:`PooledClient.open_post`: when no proxy is set in the
environment, it hands the request straight to the client's own connection pool (its
transport, the same sockets every other request uses) instead of the client's request layers
(URL and header merging, cookies, auth, redirects, event hooks), none of which a chat
request uses: the app sets its headers itself, never follows a redirect for a POST, and keeps
no cookies for a provider. Measured side by side against the emulator, those layers cost
about a sixth of one whole chat exchange's CPU.

With a proxy in the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``), the client
routes each URL through it as httpx2 always does, and :meth:`open_post` takes the client's
ordinary path, so the proxy is honoured.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from typing import NamedTuple

import httpx2

TIMEOUT = httpx2.Timeout(connect=5.0, read=None, write=30.0, pool=10.0)
"""No client-side total timeout: deadlines are the engine's job (connect, time to first
token, idle, total); the socket timeouts are only a backstop for connect and pool waits."""

LIMITS = httpx2.Limits(max_connections=64, max_keepalive_connections=16)

USER_AGENT = "Switchboard/0.1"

_PROXY_SCHEMES = ("http", "https", "all")


def environment_proxied() -> bool:
    """A proxy is set in the environment for web requests (what httpx2 itself would use)."""
    proxies = urllib.request.getproxies()
    return any(proxies.get(scheme) for scheme in _PROXY_SCHEMES)


class PooledClient(httpx2.AsyncClient):
    """Pooled, HTTP/1.1, no redirects; :meth:`open_post` sends a chat request the short way.

    Blocking to make (it loads the certificate bundle): the caller makes it in a pool thread.
    """

    def __init__(self) -> None:
        pool = None if environment_proxied() else httpx2.AsyncHTTPTransport(limits=LIMITS)
        super().__init__(
            timeout=TIMEOUT,
            follow_redirects=False,
            limits=LIMITS,
            headers={"user-agent": USER_AGENT},
            transport=pool,  # None: httpx2 makes its own, with the environment's proxies
        )
        self._direct_pool = pool
        self._direct_timeouts = TIMEOUT.as_dict()
        self._direct_fixed: dict[tuple[str, tuple[tuple[str, str], ...]], _Fixed] = {}

    async def open_post(
        self,
        url: str,
        headers: Mapping[str, str],
        content: bytes,
        extra: Mapping[str, str] | None = None,
    ) -> httpx2.Response:
        """POST ``content`` with ``headers`` (the same for many requests: a candidate's) and
        ``extra`` (this request's own, taking precedence); the response comes back with its
        body unread, as ``send(..., stream=True)`` returns it: read it, then ``aclose()`` it.

        Raises the same ``httpx2`` errors as :meth:`send`."""
        pool = self._direct_pool
        if pool is None:
            merged = {**headers, **extra} if extra else headers
            request = self.build_request("POST", url, content=content, headers=merged)
            return await self.send(request, stream=True)
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        key = (url, tuple(headers.items()))
        fixed = self._direct_fixed.get(key)
        if fixed is None:
            if len(self._direct_fixed) >= 64:
                self._direct_fixed.clear()
            fixed = self._direct_fixed[key] = _Fixed.make(url, self.headers, headers)
        # A copy of the checked and encoded headers (their encoding kept, not worked out
        # again), with this request's own set in it. The request is given its body as a
        # stream, with its length said here, as ``Request(content=...)`` would have.
        sent = fixed.headers.copy()
        sent["content-length"] = str(len(content))
        if extra:
            for name, value in extra.items():
                sent[name] = value
        request = httpx2.Request(
            "POST",
            fixed.url,
            headers=sent,
            stream=httpx2.ByteStream(content),
            extensions={"timeout": self._direct_timeouts},
        )
        return await pool.handle_async_request(request)


class _Fixed(NamedTuple):
    """What stays the same from one request to the next for one URL and set of headers."""

    url: httpx2.URL
    headers: httpx2.Headers
    """``Host``, the client's defaults and the caller's, in the order the client sends them."""

    @classmethod
    def make(cls, url: str, defaults: httpx2.Headers, given: Mapping[str, str]) -> _Fixed:
        parsed = httpx2.URL(url)
        headers = httpx2.Headers({"host": parsed.netloc.decode("ascii")})
        headers.update(defaults)
        headers.update(given)
        headers.encoding  # noqa: B018 - worked out once here, kept by every copy
        return cls(parsed, headers)
