"""``switchboard image --from/--strength/--lora`` (a real subprocess) and ``switchboard video
--from/--lora`` (in-process, fast polling) against the emulator."""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

import pytest
from PIL import Image

from desktop import cli_video
from desktop.cli_grammar import add_commands
from desktop.cli_styles import lora_argument
from desktop.core.media_types import LoraChoice
from tests.cli.test_cli_media import library, media_cli
from tests.cli.test_cli_video import OpenServices, file_bytes, open_services  # noqa: F401
from tests.emulator import Emulator
from tests.emulator.image_edit import KONTEXT, STYLE_FROSTING, STYLE_SDXL, WAN_I2V
from tests.emulator.media import mp4_bytes
from tests.emulator.media_models import FLUX_SCHNELL
from tests.emulator.record import RecordedRequest


@pytest.fixture
def still(tmp_path: Path) -> Path:
    path = tmp_path / "street.png"
    Image.new("RGB", (72, 40), (30, 160, 90)).save(path, "PNG")
    return path


def provider_posts(emulator: Emulator, *providers: str) -> list[RecordedRequest]:
    return [r for p in providers for r in emulator.requests_for(p) if r.method == "POST"]


def test_image_from_a_picture_with_strength_is_kept_with_its_source(
    cli_env: dict[str, str], emulator: Emulator, still: Path, tmp_path: Path
) -> None:
    out = tmp_path / "snowy.png"
    done = media_cli(
        cli_env,
        "image",
        "--model",
        KONTEXT,
        "--provider",
        "hf-inference",
        "--from",
        str(still),
        "--strength",
        "0.35",
        "--seed",
        "2",
        "--out",
        str(out),
        "make it snow",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    with Image.open(out) as img:
        assert img.size == (72, 40)
    (req,) = provider_posts(emulator, "hf-inference")
    assert req.json["inputs"] == base64.b64encode(still.read_bytes()).decode()
    assert req.json["parameters"]["strength"] == 0.35
    (gen,) = library(cli_env).list_generations()
    assert gen.task == "image-to-image"
    assert Path(gen.params["source_file"]).read_bytes() == still.read_bytes()


def test_image_with_styles_sends_them_to_fal(cli_env: dict[str, str], emulator: Emulator) -> None:
    done = media_cli(
        cli_env,
        "image",
        "--model",
        FLUX_SCHNELL,
        "--provider",
        "fal-ai",
        "--lora",
        f"{STYLE_FROSTING}:0.6",
        "--json",
        "a bakery",
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["params"]["loras"] == [{"repo": STYLE_FROSTING, "weight": 0.6}]
    (req,) = provider_posts(emulator, "fal-ai")
    assert req.json["loras"][0]["scale"] == 0.6


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--lora", STYLE_SDXL], f"switchboard: {STYLE_SDXL} is not a style (LoRA adapter) for"),
        (["--from", "MISSING"], "switchboard: Could not open missing.png"),
        (["--from", "NOTPIC"], "switchboard: notpic.png is not a picture Switchboard can read"),
        (["--strength", "0.5"], "switchboard: --strength needs --from PICTURE"),
    ],
)
def test_bad_creative_input_is_one_line_and_nothing_is_sent(
    cli_env: dict[str, str], emulator: Emulator, tmp_path: Path, args: list[str], words: str
) -> None:
    (tmp_path / "notpic.png").write_text("hello")
    paths = {"MISSING": str(tmp_path / "missing.png"), "NOTPIC": str(tmp_path / "notpic.png")}
    argv = [paths.get(a, a) for a in args]
    done = media_cli(cli_env, "image", "--model", FLUX_SCHNELL, *argv, "a bakery")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith(words), done.stderr
    assert provider_posts(emulator, "fal-ai", "replicate", "together", "hf-inference") == []


def test_lora_argument_reads_repo_and_weight() -> None:
    assert lora_argument("owner/style") == LoraChoice("owner/style")
    assert lora_argument("owner/style:0.75") == LoraChoice("owner/style", 0.75)
    for bad in ("style", "owner/style:heavy", "a/b/c"):
        with pytest.raises(argparse.ArgumentTypeError):
            lora_argument(bad)


def parse_video(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="switchboard")
    sub = parser.add_subparsers(dest="command", required=True)
    add_commands(sub, ["video"], bill_to=False)
    return parser.parse_args(["video", *argv])


async def test_video_from_a_picture_animates_it(
    open_services: OpenServices,  # noqa: F811
    emulator: Emulator,
    still: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    services = await open_services()
    out = tmp_path / "street.mp4"
    args = parse_video(
        "--model",
        WAN_I2V,
        "--provider",
        "together",
        "--from",
        str(still),
        "--out",
        str(out),
        "the street comes alive",
    )
    assert await cli_video.run(services, args) == 0
    assert capsys.readouterr().out == f"{out}\n"
    assert file_bytes(out) == mp4_bytes()
    (submit,) = provider_posts(emulator, "together")
    frames = submit.json["frame_images"]
    assert frames[0]["frame"] == "first" and frames[0]["input_image"].startswith(
        "data:image/png;base64,"
    )
