"""Pure pieces of the video flow: fal URL building, bodies, the poll schedule, video checks."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import pytest

from desktop.core.media_types import VideoRequest
from desktop.engine.job_poll import PollTiming
from desktop.engine.video_file import mp4_duration, video_kind
from desktop.providers import fal_queue, novita_video, together_video
from desktop.providers.job_wire import JobTarget

REQUEST = VideoRequest(
    model="m", prompt="a fox", negative_prompt="blur", num_frames=33, steps=20, guidance=4.5, seed=1
)


def test_fal_urls_come_from_the_path_of_response_url() -> None:
    # providers.md §4.10.1, the router example: base + path of response_url + the query.
    submit = "https://router.huggingface.co/fal-ai/fal-ai/wan-t2v?_subdomain=queue"
    status, result, cancel = fal_queue.job_urls(
        submit,
        "https://router.huggingface.co/fal-ai",
        "https://queue.fal.run/fal-ai/wan-t2v/requests/abc",
    )
    assert status == (
        "https://router.huggingface.co/fal-ai/fal-ai/wan-t2v/requests/abc/status?_subdomain=queue"
    )
    assert (
        result
        == "https://router.huggingface.co/fal-ai/fal-ai/wan-t2v/requests/abc?_subdomain=queue"
    )
    assert cancel == (
        "https://router.huggingface.co/fal-ai/fal-ai/wan-t2v/requests/abc/cancel?_subdomain=queue"
    )


def test_fal_queue_host_is_derived_only_from_the_default_direct_base() -> None:
    assert fal_queue.queue_base("https://fal.run", "direct") == "https://queue.fal.run"
    assert fal_queue.queue_base("http://127.0.0.1:9/direct/fal-ai/", "direct") == (
        "http://127.0.0.1:9/direct/fal-ai"
    )
    assert fal_queue.queue_base("https://router.huggingface.co/fal-ai", "router") == (
        "https://router.huggingface.co/fal-ai"
    )
    routed = JobTarget(
        "fal-ai", "router", "https://router.huggingface.co/fal-ai", "fal-ai/wan-t2v", {}
    )
    assert fal_queue.submit_url(routed) == (
        "https://router.huggingface.co/fal-ai/fal-ai/wan-t2v?_subdomain=queue"
    )
    direct = JobTarget("fal-ai", "direct", "https://fal.run", "fal-ai/wan-t2v", {})
    assert fal_queue.submit_url(direct) == "https://queue.fal.run/fal-ai/wan-t2v"


def test_request_bodies_follow_each_provider() -> None:
    assert fal_queue.build_body(REQUEST) == {
        "prompt": "a fox",
        "negative_prompt": "blur",
        "num_frames": 33,
        "num_inference_steps": 20,
        "guidance_scale": 4.5,
        "seed": 1,
    }
    novita = novita_video.build_body(REQUEST)
    assert "num_inference_steps" not in novita and novita["steps"] == 20
    assert list(novita)[-1] == "prompt"
    together = together_video.build_body(REQUEST, "Wan-AI/Wan2.1-T2V-14B")
    assert together["model"] == "Wan-AI/Wan2.1-T2V-14B" and together["steps"] == 20
    assert "num_inference_steps" not in together
    bare = VideoRequest(model="m", prompt="p")
    assert fal_queue.build_body(bare) == {"prompt": "p"}


def test_poll_schedule_grows_and_honours_the_provider_cadence() -> None:
    timing = PollTiming(first_s=1.0, factor=2.0, max_s=10.0)
    assert list(itertools.islice(timing.delays(0.5), 6)) == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert list(
        itertools.islice(timing.delays(together_video.TogetherVideo.min_interval_s), 2)
    ) == [2.0, 4.0]
    fast = PollTiming(first_s=0.001, factor=1.0, max_s=0.001, honour_cadence=False)
    assert next(iter(fast.delays(2.0))) == 0.001


def test_video_containers_are_recognised() -> None:
    mp4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41"
    assert video_kind(mp4) == ("video/mp4", ".mp4")
    assert video_kind(b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00") == ("video/quicktime", ".mov")
    assert video_kind(b"\x1a\x45\xdf\xa3" + b"\x00" * 8) == ("video/webm", ".webm")
    assert video_kind(b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00") is None  # audio
    assert video_kind(b"<html><body>Sign in</body></html>") is None
    assert mp4_duration(mp4) is None  # no moov box: unknown, not an error
    assert mp4_duration(b"") is None


def test_mp4_duration_of_a_real_file(tmp_path: Path) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed, so no real MP4 can be made here")
    out = tmp_path / "clip.mp4"
    subprocess.run(
        [
            ffmpeg,
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=2:size=64x48:rate=8",
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        check=True,
        timeout=60,
    )
    data = out.read_bytes()
    assert video_kind(data) == ("video/mp4", ".mp4")
    assert mp4_duration(data) == pytest.approx(2.0, abs=0.01)
