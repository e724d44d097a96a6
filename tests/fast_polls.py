"""Poll timings for tests.

Emulated jobs advance one step per status poll, so polling every few milliseconds lets a test
follow a job to its end without waiting on the clock; the deadlines stay generous so a busy
machine slows a test down instead of failing it.
"""

from __future__ import annotations

from desktop.engine.job_poll import PollTiming
from desktop.providers.replicate import PollBackoff

# Replicate, fal queue, WaveSpeed and other short jobs (images, speech, speaking).
FAST_POLL = PollBackoff(first_s=0.01, factor=1.0, max_s=0.01)

# Video jobs: the video service's full timing, with Retry-After and cadence hints ignored.
FAST_VIDEO_POLL = PollTiming(
    first_s=0.002,
    factor=1.0,
    max_s=0.002,
    deadline_s=60.0,
    resume_grace_s=60.0,
    submit_s=5.0,
    cancel_s=2.0,
    honour_cadence=False,
)
