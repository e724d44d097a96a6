"""Vision chat: image parts reach every VLM provider of DESIGN §1, routed or direct."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from desktop.core.chat_types import ChatMessage, ChatRequest
from desktop.core.table import PROVIDERS, Task
from desktop.core.vocab import Status
from tests.emulator import Emulator, direct_key

VLM = "acme/vision-chat-7b"
VISION_PROVIDERS = sorted(p for p, s in PROVIDERS.items() if s.vision and Task.CHAT in s.tasks)


@pytest.mark.parametrize("provider", VISION_PROVIDERS)
async def test_image_parts_reach_each_vision_provider(
    provider: str, open_services, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.add_model(
        VLM,
        {
            p: {"providerId": f"{p}/vision-7b", "task": "conversational", "status": "live"}
            for p in VISION_PROVIDERS
        },
    )
    spec = PROVIDERS[provider]
    extra = {} if spec.routed else {spec.env_keys[0]: direct_key(provider)}
    services = await open_services(extra_env=extra)
    picture = tmp_path / "photo.png"
    Image.new("RGBA", (64, 48), (10, 200, 30, 128)).save(picture)
    attachment = await services.chat.import_image(picture)
    request = ChatRequest(
        model=VLM,
        provider=provider,
        messages=[ChatMessage("user", "What is in it?", [attachment])],
    )
    result = await services.engine.chat(request)
    assert result.status == Status.COMPLETE and result.provider == provider
    assert "saw 1 image" in result.text
    (sent,) = [r for r in emulator.requests_for(provider) if r.json]
    parts = sent.json["messages"][-1]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")  # alpha kept
    assert sent.json["model"] == f"{provider}/vision-7b"
