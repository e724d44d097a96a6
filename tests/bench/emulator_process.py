"""The loopback emulator in its own process, driven through a pipe.

The benchmark measures the client's CPU with ``time.process_time()``, which counts every thread
of the process. :class:`tests.emulator.Emulator` normally serves from a background thread of the
test process, so its aiohttp work would be billed to whichever client is being measured. Here it
runs in a child started with the ``spawn`` method (no inherited event loop or locks); the parent
sends small commands (queue a fault, change the reply, read the child's CPU clock) and gets one
answer per command. ``stop()`` asks politely, then falls back to SIGTERM, which the child turns
into a clean ``Emulator.stop()``.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.emulator import Emulator

_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class EmulatorInfo:
    """Where the child's emulator listens and the environment that points Switchboard at it."""

    base_url: str
    router_url: str
    env: dict[str, str]


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _serve(conn: Connection) -> None:
    """Child process: start the emulator, report where it is, then obey commands until stop."""
    from tests.emulator import Emulator  # imported here: the child builds its own aiohttp app

    signal.signal(signal.SIGTERM, _on_sigterm)
    emu = Emulator().start()
    try:
        conn.send(EmulatorInfo(emu.base_url, emu.router_url, emu.env()))
        while True:
            try:
                command, args, kwargs = conn.recv()
            except EOFError:
                return
            if command == "stop":
                conn.send(("ok", None))
                return
            try:
                result = _run(emu, command, args, kwargs)
            except Exception as exc:
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
            else:
                conn.send(("ok", result))
    finally:
        emu.stop()


def _run(emu: Emulator, command: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if command == "fault":
        emu.fault(*args, **kwargs)  # the Fault object stays in the child
        return None
    if command == "clear_faults":
        emu.clear_faults()
        return None
    if command == "set_reply":
        emu.set_reply(*args, **kwargs)
        return None
    if command == "clear_requests":
        emu.clear_requests()
        return None
    if command == "request_count":
        provider = kwargs.get("provider")
        return len(emu.requests if provider is None else emu.requests_for(provider))
    if command == "connections":
        return emu.connections_for(kwargs.get("provider"))
    if command == "cpu":
        return time.process_time()
    raise ValueError(f"unknown emulator command {command!r}")


class EmulatorProcess:
    """Parent-side handle: ``with EmulatorProcess() as emu: emu.info.router_url …``."""

    def __init__(self) -> None:
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._info: EmulatorInfo | None = None

    @property
    def info(self) -> EmulatorInfo:
        if self._info is None:
            raise RuntimeError("emulator process not started")
        return self._info

    def start(self) -> EmulatorProcess:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(child,), name="bench-emulator", daemon=True)
        process.start()
        child.close()
        self._process, self._conn = process, parent
        if not parent.poll(_START_TIMEOUT_S):
            self.stop()
            raise RuntimeError("the emulator process did not start in time")
        try:
            info = parent.recv()
        except EOFError as exc:
            self.stop()
            raise RuntimeError("the emulator process died while starting") from exc
        if not isinstance(info, EmulatorInfo):
            self.stop()
            raise RuntimeError(f"unexpected start message from the emulator: {info!r}")
        self._info = info
        return self

    def call(self, command: str, *args: Any, **kwargs: Any) -> Any:
        """Run one command in the child and return its result (raises on a child error)."""
        if self._conn is None:
            raise RuntimeError("emulator process not started")
        self._conn.send((command, args, kwargs))
        status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"emulator command {command!r} failed: {value}")
        return value

    # Convenience wrappers with the same names as :class:`tests.emulator.Emulator`.

    def fault(self, provider: str, kind: str, *, times: int | None = None, **params: Any) -> None:
        self.call("fault", provider, kind, times=times, **params)

    def clear_faults(self) -> None:
        self.call("clear_faults")

    def set_reply(self, text: str, provider: str | None = None) -> None:
        self.call("set_reply", text, provider)

    def clear_requests(self) -> None:
        self.call("clear_requests")

    def request_count(self, provider: str | None = None) -> int:
        return int(self.call("request_count", provider=provider))

    def cpu_seconds(self) -> float:
        """The child's own ``time.process_time()``: the emulator's CPU, for context."""
        return float(self.call("cpu"))

    def stop(self) -> None:
        """Ask the child to stop; SIGTERM (then SIGKILL) if it does not. Idempotent."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            try:
                conn.send(("stop", (), {}))
                if conn.poll(_STOP_TIMEOUT_S):
                    conn.recv()
            except (OSError, EOFError):
                pass
            conn.close()
        if process is not None:
            process.join(_STOP_TIMEOUT_S)
            if process.is_alive():
                process.terminate()
                process.join(_STOP_TIMEOUT_S)
            if process.is_alive():
                process.kill()
                process.join()

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
