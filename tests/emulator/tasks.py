"""Registration of the media-task routes: images, speech, embeddings, fal (sync), Replicate.

One call from the server, after the chat routes and before the catch-all fallbacks; the order
inside matters for hf-inference, whose feature-extraction path must come before its generic
``/models/{id}`` task route. The media host (:mod:`.media`) is registered by the server.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from .embeddings import EmbeddingRoutes
from .fal import FalRoutes
from .hf_tasks import HfTaskRoutes
from .images import ImageRoutes
from .replicate import ReplicateRoutes
from .state import State
from .transcriptions import TranscriptionRoutes
from .tts import SpeechOutRoutes


def add_task_routes(app: web.Application, state: State, stop: asyncio.Event) -> ReplicateRoutes:
    """Register the routes; returns Replicate's, whose held predictions tests release."""
    EmbeddingRoutes(state, stop).add_to(app)
    HfTaskRoutes(state, stop).add_to(app)
    FalRoutes(state, stop).add_to(app)
    replicate = ReplicateRoutes(state, stop)
    replicate.add_to(app)
    ImageRoutes(state, stop).add_to(app)
    SpeechOutRoutes(state, stop).add_to(app)
    TranscriptionRoutes(state, stop).add_to(app)
    return replicate
