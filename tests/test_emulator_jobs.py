"""The emulated job APIs behave like the real ones where the engine's tests rely on it.

In particular a client that makes the classic mistakes must fail here: polling fal with URLs
built from the providerId (pitfall #19) or without ``?_subdomain=queue``, sending Hugging
Face's ``num_inference_steps`` to Novita or Together, or reading a job before it is done.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2

from tests.emulator import HF_TOKEN, Emulator, direct_key

AUTH = {"Authorization": f"Bearer {HF_TOKEN}"}


async def fal_submit(emu: Emulator, client: httpx2.AsyncClient, pid: str) -> dict[str, Any]:
    response = await client.post(
        f"{emu.router_url}/fal-ai/{pid}?_subdomain=queue", json={"prompt": "a fox"}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_fal_queue_counts_down_and_names_its_own_host(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    emu.jobs.plan("fal-ai", queue_polls=2, running_polls=1)
    answer = await fal_submit(emu, client, "fal-ai/wan-t2v")
    rid = answer["request_id"]
    assert answer["status"] == "IN_QUEUE" and answer["queue_position"] == 2
    assert answer["response_url"] == f"https://queue.fal.run/fal-ai/wan-t2v/requests/{rid}"
    status_url = f"{emu.router_url}/fal-ai/fal-ai/wan-t2v/requests/{rid}/status?_subdomain=queue"
    seen = []
    for _ in range(4):
        body = (await client.get(status_url, headers=AUTH)).json()
        seen.append((body["status"], body.get("queue_position")))
    assert seen == [("IN_QUEUE", 1), ("IN_QUEUE", 0), ("IN_PROGRESS", None), ("COMPLETED", None)]
    result = await client.get(status_url.replace("/status", ""), headers=AUTH)
    assert result.status_code == 200 and result.json()["video"]["url"].startswith(emu.base_url)


async def test_fal_queue_rejects_the_classic_mistakes(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    answer = await fal_submit(emu, client, "fal-ai/hunyuan-video/v1.5/text-to-video")
    rid = answer["request_id"]
    assert answer["response_url"].endswith(f"/fal-ai/hunyuan-video/requests/{rid}")
    base = f"{emu.router_url}/fal-ai"
    from_provider_id = f"{base}/fal-ai/hunyuan-video/v1.5/text-to-video/requests/{rid}/status"
    assert (
        await client.get(from_provider_id + "?_subdomain=queue", headers=AUTH)
    ).status_code == 404
    right = f"{base}/fal-ai/hunyuan-video/requests/{rid}"
    assert (await client.get(right + "/status", headers=AUTH)).status_code == 404  # no query
    assert (await client.get(right + "?_subdomain=queue", headers=AUTH)).status_code == 400
    assert (await client.get(right + "/status?_subdomain=queue")).status_code == 401
    cancel = await client.put(right + "/cancel?_subdomain=queue", headers=AUTH)
    assert cancel.status_code == 202 and emu.jobs.jobs("fal-ai")[0].cancelled


async def test_fal_direct_submit_of_a_queue_task_is_queued(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    url = emu.direct_url("fal-ai") + "/fal-ai/wan-t2v"
    key = direct_key("fal-ai")
    response = await client.post(url, json={"prompt": "x"}, headers={"Authorization": f"Key {key}"})
    assert response.status_code == 200 and response.json()["status"] == "IN_QUEUE"
    assert emu.jobs.submissions("fal-ai") == 1
    refused = await client.post(
        url, json={"prompt": "x"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert refused.status_code == 401


async def test_novita_and_together_want_steps_not_num_inference_steps(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    novita = await client.post(
        f"{emu.router_url}/novita/v3/async/wan-t2v",
        json={"prompt": "x", "num_inference_steps": 4},
        headers=AUTH,
    )
    assert novita.status_code == 400
    together = await client.post(
        f"{emu.router_url}/together/v2/videos",
        json={"prompt": "x", "model": "Wan-AI/Wan2.1-T2V-14B", "num_inference_steps": 4},
        headers=AUTH,
    )
    assert together.status_code == 400
    assert emu.jobs.submissions() == 0


async def test_held_jobs_wait_for_release_and_poll_faults_are_transient(
    emu: Emulator, client: httpx2.AsyncClient
) -> None:
    emu.jobs.plan("novita", outcome="hold", queue_polls=1, running_polls=0)
    emu.jobs.poll_fault("novita", 503, times=1)
    submit = await client.post(
        f"{emu.router_url}/novita/v3/async/wan-t2v", json={"prompt": "x", "steps": 4}, headers=AUTH
    )
    task_id = submit.json()["task_id"]
    url = f"{emu.router_url}/novita/v3/async/task-result?task_id={task_id}"
    assert (await client.get(url, headers=AUTH)).status_code == 503
    for _ in range(3):
        body = (await client.get(url, headers=AUTH)).json()
        assert body["task"]["status"] == "TASK_STATUS_QUEUED"
    job = await asyncio.to_thread(emu.jobs.wait_for_polls, 3, job_id=task_id)
    assert emu.jobs.release(job.id) == 1
    body = (await client.get(url, headers=AUTH)).json()
    assert body["task"]["status"] == "TASK_STATUS_SUCCEED"
    assert body["videos"][0]["video_url"].startswith(emu.base_url + "/media/")
