"""``--provider`` names any provider HF routes, for the tasks it serves (a real subprocess
against the emulator); a provider that does not serve the task, or the model, is refused in
one sentence that lists the providers that would, before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli_media import media_cli
from tests.emulator import Emulator
from tests.emulator.media_models import FLUX_SCHNELL, KOKORO

GLM_IMAGE = "zai-org/GLM-Image"


def provider_posts(emulator: Emulator, provider: str) -> int:
    return sum(1 for r in emulator.requests_for(provider) if r.method == "POST")


def test_a_picture_from_zai_named_with_provider(
    cli_env: dict[str, str], emulator: Emulator, tmp_path: Path
) -> None:
    emulator.add_model(
        GLM_IMAGE,
        {"zai-org": {"providerId": "glm-image", "task": "text-to-image"}},
        pipeline_tag="text-to-image",
    )
    emulator.jobs.plan("zai-org", queue_polls=0, running_polls=0)  # done at the first look
    out = tmp_path / "lantern.png"
    done = media_cli(
        cli_env,
        *("image", "--model", GLM_IMAGE, "--provider", "zai-org", "--width", "96"),
        *("--height", "64", "--out", str(out), "--json", "a paper lantern"),
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["provider"] == "zai-org" and out.is_file()
    (submit,) = [r for r in emulator.requests_for("zai-org") if r.method == "POST"]
    assert submit.routed and submit.json["size"] == "96x64"


def test_reading_aloud_on_deepinfra_named_with_provider(
    cli_env: dict[str, str], emulator: Emulator, tmp_path: Path
) -> None:
    done = media_cli(
        cli_env,
        *("speak", "--model", KOKORO, "--provider", "deepinfra", "--out", str(tmp_path), "Hi"),
    )
    assert done.returncode == 0, done.stderr
    assert provider_posts(emulator, "deepinfra") == 1


def test_a_provider_that_does_not_make_pictures_is_refused_listing_those_that_do(
    cli_env: dict[str, str], emulator: Emulator
) -> None:
    done = media_cli(cli_env, "image", "--model", FLUX_SCHNELL, "--provider", "groq", "a cat")
    assert done.returncode != 0
    line = done.stderr.strip().splitlines()[-1]
    assert "Switchboard can't use Groq for making images; choose Auto or one of: " in line
    assert "fal (fal-ai)" in line and "HF Inference (hf-inference)" in line
    assert "Groq" not in line.split("one of:")[1]
    assert all(provider_posts(emulator, p) == 0 for p in ("groq", "fal-ai", "hf-inference"))


def test_a_provider_that_makes_pictures_but_not_with_this_model_names_those_that_do(
    cli_env: dict[str, str], emulator: Emulator
) -> None:
    done = media_cli(cli_env, "image", "--model", FLUX_SCHNELL, "--provider", "wavespeed", "a cat")
    assert done.returncode != 0
    line = done.stderr.strip().splitlines()[-1]
    assert f"WaveSpeed does not serve {FLUX_SCHNELL} for making images" in line
    assert "Replicate" in line and "Together AI (together)" in line
    assert provider_posts(emulator, "wavespeed") == 0
