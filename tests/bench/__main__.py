"""``python -m tests.bench`` (``make bench``): every figure of issues 3 and 8.

Two parts. Routing (issue 3): the engine's client CPU against raw httpx2, huggingface_hub and
openai at the same concurrency, streaming first (what the app uses), ChatService end to end,
and the cost of a failover, all against the loopback emulator in its own process. The window
and the command line (issue 8, :mod:`tests.bench.app_bench`): streaming into the chat view,
start-up, memory, opening a long conversation, library search, each side by side with its
baseline. Every figure is the median of its runs with the spread; PASS only when every run
meets the target. ``--quick`` is a smoke run (minutes, not meaningful figures); ``--json PATH``
writes everything. It never asserts: a missed target prints FAIL and the exit status stays 0
(``--strict`` makes it 1).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import math
import pstats
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from .app_bench import AppPlan
from .clients import BASELINE, CONTENDERS, Contender, EngineContender, Target
from .emulator_process import EmulatorProcess
from .figures import Figure, markdown, table
from .hygiene import Incidents, incidents_figure, run_hygiene
from .report import (
    check_targets,
    failover_table,
    routing_figures,
    summarise,
    targets_table,
    throughput_table,
    to_json,
)
from .scenarios import (
    SHORT_REPLY,
    Batch,
    FailoverCase,
    FailoverPlan,
    ThroughputPlan,
    run_batch,
    run_failover,
    run_throughput,
)

APP_SECTIONS = ("stream", "startup", "cli", "open", "search", "store")
"""The window and command-line sections of :mod:`tests.bench.app_bench`."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m tests.bench",
        description="Switchboard routing benchmark against the loopback emulator.",
    )
    p.add_argument(
        "--requests",
        type=int,
        default=2000,
        help="non-streaming requests per contender per round (default 2000)",
    )
    p.add_argument(
        "--stream-requests",
        type=int,
        default=200,
        help="streamed requests per contender per round (default 200)",
    )
    p.add_argument(
        "--stream-words",
        type=int,
        default=100,
        help="content chunks per streamed answer (default 100)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=4,
        help="requests in flight for every client (default 4, the engine's per-provider "
        "limit; a higher value is lowered to it so all clients get the same)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="rounds per contender; the report takes the median and the spread (default 5)",
    )
    p.add_argument(
        "--warmup",
        type=int,
        default=200,
        help="warm-up requests per contender and mode (default 200)",
    )
    p.add_argument(
        "--contenders",
        default=",".join(CONTENDERS),
        help=f"comma-separated subset of {','.join(CONTENDERS)} ({BASELINE} is always included)",
    )
    p.add_argument(
        "--failover-requests",
        type=int,
        default=30,
        help="measured requests per failover case (default 30)",
    )
    p.add_argument(
        "--silent-requests",
        type=int,
        default=5,
        help="measured requests for the silent case (each waits the deadline)",
    )
    p.add_argument(
        "--ttft",
        type=float,
        default=1.0,
        help="engine time-to-first-token deadline for the failover cases (s)",
    )
    p.add_argument("--skip-throughput", action="store_true")
    p.add_argument("--skip-failover", action="store_true")
    p.add_argument(
        "--hygiene-requests",
        type=int,
        default=100,
        help="sequential streamed requests per stream-hygiene run (default 100; 0 skips it)",
    )
    p.add_argument("--skip-app", action="store_true", help="leave out the window and CLI part")
    p.add_argument("--skip-routing", action="store_true", help="only the window and CLI part")
    p.add_argument(
        "--app-sections",
        default=",".join(APP_SECTIONS),
        help=f"comma-separated subset of {','.join(APP_SECTIONS)}",
    )
    p.add_argument("--runs", type=int, default=5, help="runs per window/CLI figure (default 5)")
    p.add_argument(
        "--stream-seconds", type=float, default=10.0, help="seconds of streaming per run"
    )
    p.add_argument(
        "--library-items", type=int, default=100_000, help="items in the big profile's library"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: few requests, one short run per figure (the figures mean little)",
    )
    p.add_argument(
        "--markdown", type=Path, metavar="PATH", help="also write the figures as a Markdown table"
    )
    p.add_argument(
        "--profile",
        type=Path,
        metavar="PATH",
        help="also run one engine non-streaming batch under cProfile, save the "
        "stats to PATH and print the top functions",
    )
    p.add_argument("--json", type=Path, metavar="PATH", help="write every figure as JSON")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = p.parse_args(argv)
    if args.quick:
        args.requests, args.stream_requests, args.stream_words = 100, 20, 50
        args.rounds, args.warmup = 1, 10
        args.failover_requests, args.silent_requests = 3, 1
        args.runs, args.stream_seconds, args.library_items = 1, 2.0, 5_000
    sections = {n.strip() for n in args.app_sections.split(",") if n.strip()}
    if sections - set(APP_SECTIONS):
        p.error(f"unknown section(s); choose from {', '.join(APP_SECTIONS)}")
    args.app_section_set = sections
    names = [n.strip() for n in args.contenders.split(",") if n.strip()]
    unknown = sorted(set(names) - set(CONTENDERS))
    if unknown:
        p.error(f"unknown contender(s) {', '.join(unknown)}; choose from {', '.join(CONTENDERS)}")
    args.contender_names = [n for n in CONTENDERS if n in names or n == BASELINE]
    return args


async def profile_engine(
    target: Target, emu: EmulatorProcess, args: argparse.Namespace, path: Path
) -> str:
    """One extra engine batch under cProfile (its numbers are not part of the tables)."""
    engine = CONTENDERS["engine"](target)
    await engine.open()
    try:
        emu.set_reply(SHORT_REPLY)
        expected = SHORT_REPLY.replace("{provider}", "groq")
        await run_batch(
            engine,
            emu,
            stream=False,
            requests=args.warmup,
            concurrency=args.concurrency,
            expected=expected,
            round_no=0,
        )
        profiler = cProfile.Profile()
        profiler.enable()
        await run_batch(
            engine,
            emu,
            stream=False,
            requests=args.requests,
            concurrency=args.concurrency,
            expected=expected,
            round_no=0,
        )
        profiler.disable()
    finally:
        await engine.aclose()
    profiler.dump_stats(str(path))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(r"desktop", 25)
    return out.getvalue()


def notes(args: argparse.Namespace, engine_limit: int | None, throughput: bool) -> str:
    lines = ["Notes"]
    if throughput:
        lines.append(
            "  every client posts the same body to <router>/groq/openai/v1/chat/completions "
            "with the HF token;\n  huggingface_hub gets base_url=<router>/groq/openai/v1 "
            '(provider="groq" would build https://router.huggingface.co/groq\n  from a '
            "constant, INFERENCE_PROXY_TEMPLATE, and leave loopback)"
        )
        if engine_limit is not None and engine_limit < args.concurrency:
            lines.append(
                f"  the engine lets at most {engine_limit} requests per provider run at once "
                f"(its ProviderLimiter); the others had {args.concurrency} in flight"
            )
    if not args.skip_failover:
        lines.append(
            "  failover: every request starts with a fresh HealthBook, so each failure is a "
            "first failure (the breaker would otherwise skip Groq after one)"
        )
    return "\n".join(lines) if len(lines) > 1 else ""


async def bench(args: argparse.Namespace, emu: EmulatorProcess) -> dict[str, Any]:
    target = Target(emu.info.router_url, emu.info.env)
    contenders: list[Contender] = [CONTENDERS[n](target) for n in args.contender_names]
    batches: list[Batch] = []
    cases: list[FailoverCase] = []
    engine_limit: int | None = None
    # Everything that goes wrong quietly during the routing runs (issue 8: no unclosed
    # streams, no transport errors in any run).
    watch = ExitStack()
    whole = watch.enter_context(Incidents().watching(asyncio.get_running_loop()))
    if not args.skip_throughput:
        print(
            f"Throughput: {args.requests} chat + {args.stream_requests} streamed requests "
            f"({args.stream_words} chunks each), {args.concurrency} concurrent, "
            f"{args.rounds} rounds, {args.warmup} warm-up",
            flush=True,
        )
        for contender in contenders:
            await contender.open()
            if isinstance(contender, EngineContender) and contender.provider_limit:
                engine_limit = contender.provider_limit
        if engine_limit is not None and engine_limit < args.concurrency:
            print(f"  concurrency lowered to the engine's limit, {engine_limit}, for every client")
            args.concurrency = engine_limit
        try:
            batches = await run_throughput(
                contenders,
                emu,
                ThroughputPlan(
                    requests=args.requests,
                    stream_requests=args.stream_requests,
                    stream_words=args.stream_words,
                    concurrency=args.concurrency,
                    rounds=args.rounds,
                    warmup=args.warmup,
                ),
            )
        finally:
            for contender in contenders:
                await contender.aclose()
    if not args.skip_failover:
        print("Failover:", flush=True)
        cases = await run_failover(
            target,
            emu,
            FailoverPlan(
                requests=args.failover_requests,
                silent_requests=args.silent_requests,
                ttft_s=args.ttft,
            ),
        )
    watch.close()
    hygiene: list[Figure] = [incidents_figure([len(whole.seen)], "whole routing benchmark")]
    for line in whole.seen[:5]:
        print(f"  incident: {line}", flush=True)
    if args.hygiene_requests > 0:
        print("Stream hygiene:", flush=True)
        connections, per_run = await run_hygiene(target, emu, args.rounds, args.hygiene_requests)
        hygiene += [connections, incidents_figure(per_run, "each hygiene run")]
    summaries = summarise(batches, contenders)
    checks = check_targets(summaries, cases, args.ttft)
    sections = [
        throughput_table(
            summaries,
            stream=True,
            title=f"Streaming chat (what the app uses): {args.stream_requests} requests × "
            f"{args.stream_words} chunks, {args.concurrency} concurrent for every client, "
            f"median of {args.rounds} rounds (client CPU = process_time of this process; "
            "server = emulator process)",
        ),
        throughput_table(
            summaries,
            stream=False,
            title=f"Whole answers: {args.requests} requests, {args.concurrency} concurrent, "
            f"median of {args.rounds} rounds",
        ),
        failover_table(cases, args.ttft),
        notes(args, engine_limit, bool(batches)),
        targets_table(checks),
    ]
    print()
    print("\n\n".join(s for s in sections if s))
    if args.profile is not None:
        print()
        print(await profile_engine(target, emu, args, args.profile))
    plan = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    result = to_json(
        plan=plan,
        batches=batches,
        summaries=summaries,
        cases=cases,
        checks=checks,
        ttft_s=args.ttft,
    )
    result["passed"] = all(c.passed for c in checks)
    result["figures"] = routing_figures(batches, contenders) + hygiene
    return result


def _finite(value: Any) -> Any:
    """NaN/inf become null so the JSON is strict."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_finite(v) for v in value)
    return value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    result: dict[str, Any] = {"passed": True}
    figures: list[Figure] = []
    if not args.skip_routing:
        with EmulatorProcess() as emu:
            result = asyncio.run(bench(args, emu))
        figures += result.pop("figures")
    if not args.skip_app:
        from .app_bench import run as run_app

        print("\nWindow and command line:", flush=True)
        figures += run_app(
            AppPlan(
                runs=args.runs,
                stream_s=args.stream_seconds,
                library_items=args.library_items,
            ),
            args.app_section_set,
        )
    print("\nFigures: median (min–max) of the runs; PASS only when every run meets its target")
    print("(a shared machine makes them noisy: compare ratios, measured side by side)")
    print(table(figures))
    result["figures"] = [f.as_dict() for f in figures]
    result["passed"] = result["passed"] and all(f.passed for f in figures)
    if args.markdown is not None:
        args.markdown.write_text(markdown(figures) + "\n")
        print(f"wrote {args.markdown}")
    result["elapsed_s"] = time.perf_counter() - started
    print(f"\n(total {result['elapsed_s']:.0f} s)")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(_finite(result), indent=2, allow_nan=False) + "\n")
        print(f"wrote {args.json}")
    return 1 if args.strict and not result["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
