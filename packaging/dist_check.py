"""``make dist-check``: install the tarball from ``make dist`` into a throwaway home folder
and prove the frozen app works there, in a clean environment (no variables from this shell,
no virtualenv, no source checkout on the path).

Checks, each printed as it passes:
  1. install.sh installs without root: link on PATH, .desktop, hicolor icons, metainfo;
     ``desktop-file-validate`` and ``appstreamcli validate`` accept the installed files;
  2. ``switchboard --version`` and ``switchboard history list`` run from the bundle;
  3. without a Secret Service, ``switchboard about --json`` reports the missing keyring in
     words (and does not fail);
  4. inside a private D-Bus session with an unlocked GNOME Keyring, the HF token is saved
     into the keyring through the bundle and read back to chat with the loopback provider
     emulator (tests/emulator); ``switchboard self-check`` finds the keyring backend, paints
     the window offscreen, and plays a WAV and an MP4 through Qt Multimedia;
  5. uninstall.sh removes every installed file and keeps the person's data.

    python packaging/dist_check.py build/switchboard-VERSION-linux-x86_64.tar.gz

Needs: desktop-file-utils, appstream, dbus, gnome-keyring, ffmpeg (the Makefile installs them
when run as root).
"""

from __future__ import annotations

import json
import math
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the loopback provider emulator lives in tests/emulator

from tests.emulator import HF_TOKEN, LLAMA_8B, Emulator  # noqa: E402

KEYRING_PASSWORD = "switchboard-dist-check"
TOOLS = (
    "desktop-file-validate",
    "appstreamcli",
    "dbus-run-session",
    "gnome-keyring-daemon",
    "ffmpeg",
)


class CheckFailed(Exception):
    pass


def step(text: str) -> None:
    print(f"✓ {text}", flush=True)


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """Only what a desktop session would give a freshly installed app."""
    env = {
        "HOME": str(home),
        "PATH": f"{home}/.local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "XDG_RUNTIME_DIR": str(home / "run"),
    }
    env.update(extra)
    return env


def run(
    cmd: list[str],
    env: dict[str, str],
    timeout: float = 120,
    ok: bool = True,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    if ok and proc.returncode != 0:
        raise CheckFailed(
            f"{' '.join(cmd)} exited {proc.returncode}\nstdout: {proc.stdout[-2000:]}\n"
            f"stderr: {proc.stderr[-2000:]}"
        )
    return proc


def make_media(folder: Path) -> tuple[Path, Path]:
    """A 1 s 440 Hz WAV (standard library) and a 1 s H.264/AAC MP4 (ffmpeg)."""
    wav = folder / "tone.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 22050)))
                for i in range(22050)
            )
        )
    mp4 = folder / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=25:duration=1",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(mp4),
        ],
        check=True,
        timeout=60,
    )
    return wav, mp4


def size_mb(folder: Path) -> float:
    return (
        sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6
    )


def check(tarball: Path) -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        raise CheckFailed("missing tools: " + " ".join(missing))
    version = tarball.name.split("-")[1]
    with tempfile.TemporaryDirectory(prefix="switchboard-dist-check-") as tmp_name:
        tmp = Path(tmp_name)
        home = tmp / "home"
        (home / "run").mkdir(parents=True, mode=0o700)
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        unpacked = tmp / tarball.name.removesuffix(".tar.gz")
        env = clean_env(home)

        # 1. install without root
        run(["sh", str(unpacked / "install.sh")], env)
        local = home / ".local"
        link = local / "bin" / "switchboard"
        desktop_file = local / "share/applications/switchboard.desktop"
        metainfo = local / "share/metainfo/io.github.switchboard.Switchboard.metainfo.xml"
        icons = sorted((local / "share/icons/hicolor").glob("*/apps/switchboard.*"))
        for path in (link, desktop_file, metainfo):
            if not path.exists():
                raise CheckFailed(f"install.sh did not install {path}")
        if len(icons) < 9:
            raise CheckFailed(f"expected 8 PNG sizes and the SVG in hicolor, found {icons}")
        exec_line = next(
            line for line in desktop_file.read_text().splitlines() if line.startswith("Exec=")
        )
        if str(local / "lib/switchboard/switchboard") not in exec_line:
            raise CheckFailed(f"the menu entry does not start the installed app: {exec_line}")
        run(["desktop-file-validate", str(desktop_file)], env)
        run(["appstreamcli", "validate", "--no-net", str(metainfo)], env)
        bundle = local / "lib/switchboard"
        step(
            f"install.sh installed without root ({len(icons)} icons); .desktop and metainfo "
            f"validate; bundle {size_mb(bundle):.0f} MB, "
            f"tarball {tarball.stat().st_size / 1e6:.0f} MB"
        )

        # 2. commands from the bundle
        out = run([str(link), "--version"], env).stdout.strip()
        if out != f"switchboard {version}":
            raise CheckFailed(f"--version printed {out!r}")
        run([str(link), "history", "list"], env)
        step(f"`switchboard --version` ({out}) and `switchboard history list` run from the bundle")

        # 3. no keyring: said clearly, not a crash
        about = json.loads(run([str(link), "about", "--json"], env).stdout)
        if about["keyring"]["ok"] or not about["keyring"]["problem"] or not about["frozen"]:
            raise CheckFailed(f"a missing keyring was not reported: {about['keyring']}")
        step(f"no Secret Service: reported as “{about['keyring']['sentence'][:90]}…”")

        # 4. keyring, chat, window, media inside a private session with GNOME Keyring: the
        # token is saved through the bundle into the keyring, then read back from there to
        # chat with the loopback emulator (no HF_TOKEN in the environment).
        wav, mp4 = make_media(tmp)
        script = (
            f"echo {KEYRING_PASSWORD} | gnome-keyring-daemon --unlock --components=secrets "
            f">/dev/null 2>&1; "
            f"printf %s \"$DIST_CHECK_TOKEN\" | '{link}' providers set-key huggingface "
            f">'{tmp}/set-key.out' 2>&1 || exit 10; "
            f"'{link}' chat --model {LLAMA_8B} 'What is a fox?' >'{tmp}/chat.out' "
            f"2>'{tmp}/chat.err' || exit 11; "
            f"exec '{link}' self-check '{wav}' '{mp4}'"
        )
        with Emulator() as emulator:
            proc = run(
                ["dbus-run-session", "--", "sh", "-c", script],
                clean_env(home, QT_QPA_PLATFORM="offscreen", DIST_CHECK_TOKEN=HF_TOKEN)
                | emulator.env(),
                timeout=180,
                ok=False,
            )
        if proc.returncode in (10, 11):
            logs = "".join(
                p.read_text() for p in (tmp / "set-key.out", tmp / "chat.err") if p.exists()
            )
            raise CheckFailed(f"saving the token or chatting from the bundle failed:\n{logs}")
        answer = (tmp / "chat.out").read_text().strip()
        if answer != "Hello from groq." or "via Groq" not in (tmp / "chat.err").read_text():
            raise CheckFailed(f"unexpected chat answer {answer!r}")
        step(
            "the token was saved in GNOME Keyring through the bundle and read back to chat "
            f"with the emulator: “{answer}” via Groq"
        )
        try:
            result = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise CheckFailed(f"self-check printed no result:\n{proc.stderr[-3000:]}") from None
        if not result["ok"] or proc.returncode != 0:
            raise CheckFailed("self-check failed:\n" + json.dumps(result, indent=2))
        media = ", ".join(
            f"{m['file']} played to {m['position_ms']} ms"
            + (f" ({m['frames']} frames)" if m["has_video"] else "")
            for m in result["media"]
        )
        step(
            f"keyring backend found ({result['keyring']['backend']}); window painted offscreen "
            f"({result['window']['colours']} colours, "
            f"icon sizes {result['window']['icon_sizes']}); "
            f"{media}"
        )

        # 5. uninstall keeps the data
        data = home / ".local/share/switchboard"
        if not (data / "history.db").exists():
            raise CheckFailed("the app wrote no history.db, so uninstall cannot be checked")
        run(["sh", str(bundle / "uninstall.sh")], env)
        left = [
            p
            for p in (link, desktop_file, metainfo, bundle, *icons)
            if p.exists() or p.is_symlink()
        ]
        if left:
            raise CheckFailed(f"uninstall.sh left {left}")
        if not (data / "history.db").exists():
            raise CheckFailed("uninstall.sh removed the person's history")
        step("uninstall.sh removed every installed file and kept the history")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        check(Path(sys.argv[1]).resolve())
    except CheckFailed as exc:
        print(f"✗ dist-check failed: {exc}", file=sys.stderr)
        return 1
    print("dist-check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
