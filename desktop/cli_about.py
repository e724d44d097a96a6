"""``switchboard about [--json]``: the version, where the files are, the keyring self-test, and
the licences of the bundled libraries (the About box's content, for a terminal and scripts).

Why a command: installing from a tarball or checking a frozen build (``make dist-check``)
needs a quick, display-free answer to "which version, which keyring, where is my data".
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from desktop import __version__
from desktop.core.licences import QT_NOTICE, licence_lines
from desktop.store.paths import AppPaths


def facts() -> dict[str, Any]:
    """Everything ``about`` prints; runs the keyring self-test unless one already ran."""
    from desktop.store import keyring_setup  # keyring is heavy: only when asked (issue 8)

    report = keyring_setup.last_report() or keyring_setup.self_test()
    paths = AppPaths.default()
    return {
        "version": __version__,
        "frozen": keyring_setup.is_frozen(),
        "data_dir": str(paths.data_dir),
        "settings_dir": str(paths.config_dir),
        "backups_dir": str(paths.data_dir),
        "cache_dir": str(paths.cache_dir),
        "keyring": {
            "ok": report.ok,
            "backend": report.backend,
            "problem": report.problem,
            "sentence": report.sentence(),
        },
        "licences": licence_lines(),
    }


def run(args: argparse.Namespace) -> int:
    """Print the facts; exit 0 (a missing keyring is reported, not a failure of this command)."""
    about = facts()
    if args.json:
        print(json.dumps(about, ensure_ascii=False, indent=2))
        return 0
    lines = [
        f"Switchboard {about['version']}" + (" (bundle)" if about["frozen"] else ""),
        f"History, media, window state: {about['data_dir']}",
        f"Settings: {about['settings_dir']}",
        f"Backups (history.db.bak-v…): {about['backups_dir']}",
        f"Cache: {about['cache_dir']}",
        f"Keyring: {about['keyring']['sentence']}",
        "",
        QT_NOTICE,
        "",
        *about["licences"],
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
