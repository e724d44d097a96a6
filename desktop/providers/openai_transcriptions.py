"""DeepInfra's OpenAI-style transcription API: ``POST /v1/openai/audio/transcriptions``.

providers.md §4.7: ``multipart/form-data`` with a random boundary; the ``file`` part first
(file name ``audio<ext>`` from the MIME type, ``.wav`` when unknown; the part's
``Content-Type`` is the MIME type), then one text part per parameter, ``model`` last. The
answer is ``{"text", "segments": [{"start", "end", "text"}]}``. Built by hand (not by the HTTP
client) so the body is made once, off the event loop, and the exact layout is ours to test.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from desktop.providers.mime import suffix_for

ROUTE = "/v1/openai/audio/transcriptions"


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def multipart(
    audio: bytes, mime: str, provider_model: str, params: Mapping[str, str] | None = None
) -> tuple[bytes, str]:
    """The body and its ``content-type`` (with the boundary)."""
    boundary = uuid.uuid4().hex
    suffix = suffix_for(mime)
    name = f"audio{suffix if suffix != '.bin' else '.wav'}"
    dash = f"--{boundary}\r\n".encode()
    parts = [
        dash,
        f'Content-Disposition: form-data; name="file"; filename="{_quote(name)}"\r\n'.encode(),
        f"Content-Type: {mime or 'application/octet-stream'}\r\n\r\n".encode(),
        audio,
        b"\r\n",
    ]
    for key, value in [*(params or {}).items(), ("model", provider_model)]:
        parts += [
            dash,
            f'Content-Disposition: form-data; name="{_quote(key)}"\r\n\r\n'.encode(),
            value.encode(),
            b"\r\n",
        ]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
