"""One plain sentence per provider for the Providers page, and how it can be reached.

Why here and not in ``core/table.py``: these are words for people, chosen for the page;
the table holds the facts the engine needs. The reach sentence is derived from those facts,
so it cannot drift from what the engine actually does.
"""

from __future__ import annotations

from desktop.core.table import PROVIDERS, Task

DESCRIPTIONS: dict[str, str] = {
    "cerebras": "Very fast chat on Cerebras wafer-scale chips.",
    "cohere": "Cohere's Command models for chat, some of which can read images.",
    "fal-ai": "Fast image and video generation, and speech to text.",
    "featherless-ai": "A very large catalogue of open chat models.",
    "fireworks-ai": "Fast serving of popular open chat and vision models.",
    "groq": "Very fast chat on Groq's LPU chips.",
    "hf-inference": "Hugging Face's own inference service for many tasks.",
    "hyperbolic": "Open chat and vision models at low prices.",
    "nebius": "Open chat, vision, embedding and image models on Nebius AI Studio.",
    "novita": "Open chat and vision models, and video generation.",
    "nscale": "Open chat, vision and image models on Nscale's cloud.",
    "replicate": "Image, video and speech models run on demand.",
    "sambanova": "Fast chat and embeddings on SambaNova's chips.",
    "together": "A wide range of open chat, vision, image and embedding models.",
    "baseten": "Open chat models on Baseten's dedicated inference stack.",
    "deepinfra": "Low-cost open chat, embedding, speech-to-text and read-aloud models.",
    "ovhcloud": "Open chat models hosted in Europe on OVHcloud AI Endpoints.",
    "publicai": "Chat with public-interest models run by the Public AI network.",
    "scaleway": "Open chat and embedding models hosted in Europe on Scaleway.",
    "wavespeed": "Fast image and video generation on WaveSpeed.",
    "zai-org": "Z.ai's own GLM chat models and GLM-Image pictures.",
}

_TASK_WORDS = {
    Task.CHAT: "chat",
    Task.TEXT_TO_IMAGE: "images",
    Task.TEXT_TO_VIDEO: "video",
    Task.IMAGE_TO_IMAGE: "picture changes",
    Task.IMAGE_TO_VIDEO: "animated pictures",
    Task.SPEECH_TO_TEXT: "speech to text",
    Task.EMBEDDINGS: "embeddings",
    Task.TEXT_TO_SPEECH: "read aloud",
}


def description(provider_id: str) -> str:
    """The one-line description, or a generic line for a custom server."""
    return DESCRIPTIONS.get(provider_id, "An OpenAI-compatible server you added.")


def reach(provider_id: str) -> str:
    """How Switchboard can call the provider, in one sentence."""
    spec = PROVIDERS.get(provider_id)
    if spec is None:
        return "Called directly at the address you gave, with its key if it needs one."
    if spec.direct_base is None:
        return "Reached only through Hugging Face, with your HF token."
    if not spec.routed:
        return "Hugging Face no longer routes it: add its own key here."
    return "Works with your HF token, or directly with its own key."


def reach_tooltip(provider_id: str) -> str:
    """For people who set keys outside the app: the environment variable it also reads."""
    spec = PROVIDERS.get(provider_id)
    if spec is None or spec.direct_base is None or not spec.env_keys:
        return ""
    return f"Advanced: the key can also come from the {spec.env_keys[0]} environment variable."


def tasks(provider_id: str) -> str:
    """What it serves in Switchboard ("chat, images")."""
    spec = PROVIDERS.get(provider_id)
    if spec is None:
        return "chat"
    words = [word for task, word in _TASK_WORDS.items() if task in spec.tasks]
    if spec.vision:
        words.insert(1 if Task.CHAT in spec.tasks else 0, "vision")
    return ", ".join(words)
