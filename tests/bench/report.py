"""Turning batches and failover cases into the printed tables, the target checks and JSON.

Every figure is the median over rounds; the spread (min–max over rounds) is printed next to the
CPU figure so a noisy run is visible. Ratios divide by raw httpx2's median.
"""

from __future__ import annotations

import math
import platform
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

from .clients import BASELINE, Contender
from .figures import Figure
from .scenarios import Batch, FailoverCase

ENGINE = "engine"
HF = "huggingface_hub"

ENGINE_CPU_RATIO_MAX = 1.25
"""Engine client CPU per streamed chunk, as a multiple of raw httpx2's (issue 8)."""
ENGINE_REQUEST_RATIO_MAX = 1.15
"""Engine client CPU per non-streamed request, as a multiple of raw httpx2's (issue 8)."""
ROUTING = "Engine client CPU (same concurrency for every client)"
REFUSED_ADDED_MAX_MS = 20.0
SILENT_EXCESS_MAX_S = 1.0


@dataclass
class Summary:
    """Medians over rounds of one contender in one mode."""

    contender: str
    label: str
    stream: bool
    rounds: int
    cpu_ms_per_request: float
    cpu_ms_per_request_min: float
    cpu_ms_per_request_max: float
    requests_per_s: float
    chunks_per_s: float
    cpu_us_per_chunk: float
    server_cpu_ms_per_request: float
    errors: int
    wrong_text: int


@dataclass
class TargetCheck:
    name: str
    measured: str
    limit: str
    passed: bool


def _median(batches: Sequence[Batch], value: Callable[[Batch], float]) -> float:
    return statistics.median(value(b) for b in batches) if batches else math.nan


def summarise(batches: Sequence[Batch], contenders: Sequence[Contender]) -> list[Summary]:
    out: list[Summary] = []
    for stream in (False, True):
        for contender in contenders:
            mine = [b for b in batches if b.contender == contender.name and b.stream == stream]
            if not mine:
                continue
            cpu = [b.cpu_ms_per_request for b in mine]
            out.append(
                Summary(
                    contender=contender.name,
                    label=contender.label,
                    stream=stream,
                    rounds=len(mine),
                    cpu_ms_per_request=statistics.median(cpu),
                    cpu_ms_per_request_min=min(cpu),
                    cpu_ms_per_request_max=max(cpu),
                    requests_per_s=_median(mine, lambda b: b.requests_per_s),
                    chunks_per_s=_median(mine, lambda b: b.chunks_per_s),
                    cpu_us_per_chunk=_median(mine, lambda b: b.cpu_us_per_chunk),
                    server_cpu_ms_per_request=_median(mine, lambda b: b.server_cpu_ms_per_request),
                    errors=sum(b.errors for b in mine),
                    wrong_text=sum(b.wrong_text for b in mine),
                )
            )
    return out


def _find(summaries: Sequence[Summary], name: str, stream: bool) -> Summary | None:
    return next((s for s in summaries if s.contender == name and s.stream == stream), None)


def _ratio(value: float, base: float) -> float:
    return value / base if base else math.nan


def throughput_table(summaries: Sequence[Summary], *, stream: bool, title: str) -> str:
    base = _find(summaries, BASELINE, stream)
    rows = [s for s in summaries if s.stream == stream]
    if not rows:
        return ""
    lines = [title]
    if stream:
        header = (
            f"  {'client':38} {'CPU ms/req':>10} {'(min–max)':>13} {'×httpx2':>7} "
            f"{'CPU µs/chunk':>12} {'chunks/s':>9} {'×httpx2':>7} {'errors':>6}"
        )
    else:
        header = (
            f"  {'client':38} {'CPU ms/req':>10} {'(min–max)':>13} {'×httpx2':>7} "
            f"{'req/s':>9} {'×httpx2':>7} {'server ms/req':>13} {'errors':>6}"
        )
    lines += [header, "  " + "-" * (len(header) - 2)]
    for s in rows:
        cpu_ratio = _ratio(s.cpu_ms_per_request, base.cpu_ms_per_request) if base else math.nan
        spread = f"({s.cpu_ms_per_request_min:.3f}–{s.cpu_ms_per_request_max:.3f})"
        errors = s.errors + s.wrong_text
        if stream:
            rate_ratio = _ratio(s.chunks_per_s, base.chunks_per_s) if base else math.nan
            lines.append(
                f"  {s.label:38} {s.cpu_ms_per_request:10.3f} {spread:>13} {cpu_ratio:6.2f}× "
                f"{s.cpu_us_per_chunk:12.1f} {s.chunks_per_s:9.0f} {rate_ratio:6.2f}× "
                f"{errors:6d}"
            )
        else:
            rate_ratio = _ratio(s.requests_per_s, base.requests_per_s) if base else math.nan
            lines.append(
                f"  {s.label:38} {s.cpu_ms_per_request:10.3f} {spread:>13} {cpu_ratio:6.2f}× "
                f"{s.requests_per_s:9.0f} {rate_ratio:6.2f}× "
                f"{s.server_cpu_ms_per_request:13.3f} {errors:6d}"
            )
    return "\n".join(lines)


def failover_table(cases: Sequence[FailoverCase], ttft_s: float) -> str:
    if not cases:
        return ""
    header = (
        f"  {'first candidate':52} {'n':>3} {'healthy ms':>10} {'failover ms':>11} "
        f"{'added ms':>9} {'failed attempt ms (med/max)':>27}"
    )
    lines = [
        "Failover through the engine (streamed, sequential; fresh HealthBook per request; "
        "second candidate Cerebras via the router)",
        header,
        "  " + "-" * (len(header) - 2),
    ]
    for c in cases:
        first = (
            f"{statistics.median(c.first_attempt_ms):.2f}/{max(c.first_attempt_ms):.2f}"
            if c.first_attempt_ms
            else "-"
        )
        lines.append(
            f"  {c.label:52} {len(c.failover_ms):3d} {c.healthy_median:10.2f} "
            f"{c.failover_median:11.2f} {c.added_ms:9.2f} {first:>27}"
        )
        if c.asked_wait_ms:
            lines.append(
                f"    {c.answered_by} answered after the {c.asked_wait_ms:.0f} ms it asked for "
                "(routing.md §5.3: a short Retry-After on the first choice is waited out); "
                "added ms leaves that wait out"
            )
        if c.unexpected:
            lines.append(f"    {len(c.unexpected)} unexpected result(s), first: {c.unexpected[0]}")
    silent = next((c for c in cases if c.name == "silent"), None)
    if silent is not None and silent.first_attempt_ms:
        excess = [ms / 1000 - ttft_s for ms in silent.first_attempt_ms]
        lines.append(
            f"  silent provider abandoned {statistics.median(excess) * 1000:.1f} ms "
            f"(median; max {max(excess) * 1000:.1f} ms) after the {ttft_s:g} s "
            "time-to-first-token deadline"
        )
    return "\n".join(lines)


def check_targets(
    summaries: Sequence[Summary], cases: Sequence[FailoverCase], ttft_s: float
) -> list[TargetCheck]:
    checks: list[TargetCheck] = []
    refused = next((c for c in cases if c.name == "refused"), None)
    if refused is not None and refused.failover_ms:
        checks.append(
            TargetCheck(
                "refused first candidate: added time (median)",
                f"{refused.added_ms:.2f} ms",
                f"≤ {REFUSED_ADDED_MAX_MS:.0f} ms",
                refused.added_ms <= REFUSED_ADDED_MAX_MS and not refused.unexpected,
            )
        )
    silent = next((c for c in cases if c.name == "silent"), None)
    if silent is not None and silent.first_attempt_ms:
        worst = max(silent.first_attempt_ms) / 1000 - ttft_s
        checks.append(
            TargetCheck(
                "silent first candidate: abandoned after the TTFT deadline (worst)",
                f"+{worst * 1000:.1f} ms",
                f"≤ +{SILENT_EXCESS_MAX_S * 1000:.0f} ms",
                0 <= worst <= SILENT_EXCESS_MAX_S and not silent.unexpected,
            )
        )
    return checks


def routing_figures(batches: Sequence[Batch], contenders: Sequence[Contender]) -> list[Figure]:
    """Client CPU per streamed chunk and per whole request, each round's value divided by raw
    httpx2's in the same round (issue 8: the verdict covers every round's ratio)."""
    figures: list[Figure] = []
    for stream in (True, False):
        per_round = {(b.contender, b.round): b for b in batches if b.stream == stream and b.ok}
        rounds = sorted({r for (_, r) in per_round})
        for contender in contenders:
            if contender.name == BASELINE or (contender.streams_only and not stream):
                continue
            if contender.name == ENGINE:
                limit: float | None = ENGINE_CPU_RATIO_MAX if stream else ENGINE_REQUEST_RATIO_MAX
            else:
                limit = None
            end_to_end = contender.streams_only
            unit = "ms/request" if (end_to_end or not stream) else "µs/chunk"

            def value(b: Batch, end_to_end: bool = end_to_end, stream: bool = stream) -> float:
                if stream and not end_to_end:
                    return b.cpu_us_per_chunk
                return b.cpu_ms_per_request

            figure = Figure(
                ROUTING,
                f"{contender.label}, {'streamed' if stream else 'whole answer'}",
                unit,
                limit,
                baseline_name="raw httpx2",
                ratio=True,
                note="includes storing every question and answer" if end_to_end else "",
            )
            for r in rounds:
                mine, base = per_round.get((contender.name, r)), per_round.get((BASELINE, r))
                if mine is not None and base is not None:
                    figure.values.append(value(mine))
                    figure.baseline.append(value(base))
            figures.append(figure)
    return figures


def targets_table(checks: Sequence[TargetCheck]) -> str:
    if not checks:
        return ""
    lines = ["Targets (failover, issue 3)"]
    for c in checks:
        lines.append(f"  {'PASS' if c.passed else 'FAIL'}  {c.name:64} {c.measured:>18}  {c.limit}")
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in ("httpx2", "huggingface_hub", "openai", "aiohttp"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def to_json(
    *,
    plan: dict[str, Any],
    batches: Sequence[Batch],
    summaries: Sequence[Summary],
    cases: Sequence[FailoverCase],
    checks: Sequence[TargetCheck],
    ttft_s: float,
) -> dict[str, Any]:
    def batch_dict(b: Batch) -> dict[str, Any]:
        return {
            **asdict(b),
            "cpu_ms_per_request": b.cpu_ms_per_request,
            "requests_per_s": b.requests_per_s,
            "chunks_per_s": b.chunks_per_s,
            "cpu_us_per_chunk": b.cpu_us_per_chunk,
            "server_cpu_ms_per_request": b.server_cpu_ms_per_request,
        }

    def ratios(s: Summary) -> dict[str, float]:
        base = _find(summaries, BASELINE, s.stream)
        if base is None:
            return {}
        return {
            "cpu_ms_per_request": _ratio(s.cpu_ms_per_request, base.cpu_ms_per_request),
            "requests_per_s": _ratio(s.requests_per_s, base.requests_per_s),
            "chunks_per_s": _ratio(s.chunks_per_s, base.chunks_per_s),
        }

    return {
        "environment": environment(),
        "plan": plan,
        "baseline": BASELINE,
        "throughput": [{**asdict(s), "ratio_vs_httpx2": ratios(s)} for s in summaries],
        "batches": [batch_dict(b) for b in batches],
        "failover": [
            {
                **asdict(c),
                "healthy_median_ms": c.healthy_median,
                "failover_median_ms": c.failover_median,
                "added_ms": c.added_ms,
            }
            for c in cases
        ],
        "ttft_deadline_s": ttft_s,
        "targets": [asdict(c) for c in checks],
    }
