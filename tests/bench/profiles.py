"""Temporary user profiles the window-side benchmarks start on (XDG data/config/cache homes).

- ``empty``: a first start, nothing stored.
- ``big``: 100,000 library items (pictures, videos, transcripts, embedding sets with prompts
  made of common and rare words), 200 short conversations and one of 2,000 messages.
- ``pictures``: 20 stored 1024×1024 pictures, for the memory figure.

Rows go in through one ``executemany`` per table (the app's own schema, made by opening a
:class:`HistoryStore`), so building 100,000 items takes seconds, not minutes.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

from desktop.core.table import Task
from desktop.store.history import HistoryStore
from desktop.store.paths import AppPaths

APP = "switchboard"
LIBRARY_ITEMS = 100_000
LONG_CONVERSATION = 2_000

WORDS = [
    "portrait",
    "lighthouse",
    "storm",
    "forest",
    "river",
    "castle",
    "dragon",
    "neon",
    "city",
    "night",
    "rain",
    "watercolour",
    "sketch",
    "oil",
    "painting",
    "cinematic",
    "golden",
    "hour",
    "misty",
    "mountain",
    "ocean",
    "wave",
    "cat",
    "dog",
    "fox",
    "owl",
    "horse",
    "garden",
    "market",
    "street",
    "cafe",
    "window",
    "library",
    "train",
    "station",
    "desert",
    "canyon",
    "snow",
    "winter",
    "autumn",
    "spring",
    "summer",
    "sunrise",
    "sunset",
    "moon",
    "stars",
    "galaxy",
]
RARE = [f"zephyr{n}" for n in range(500)]
TASKS = (Task.TEXT_TO_IMAGE, Task.TEXT_TO_VIDEO, Task.SPEECH_TO_TEXT, Task.EMBEDDINGS)


@dataclass(frozen=True)
class Profile:
    name: str
    root: Path

    @property
    def env(self) -> dict[str, str]:
        """The XDG variables that point the app (``AppPaths.default()``) at this profile."""
        return {
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_CACHE_HOME": str(self.root / "cache"),
        }

    @property
    def paths(self) -> AppPaths:
        return AppPaths(
            data_dir=self.root / "data" / APP,
            config_dir=self.root / "config" / APP,
            cache_dir=self.root / "cache" / APP,
        )


def _prompt(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 14))
    if rng.random() < 0.1:
        words.append(rng.choice(RARE))
    return " ".join(words)


def empty(root: Path) -> Profile:
    profile = Profile("empty", root)
    profile.paths.ensure()
    return profile


def big(root: Path, items: int = LIBRARY_ITEMS) -> tuple[Profile, int]:
    """The big profile and the id of its 2,000-message conversation."""
    profile = Profile("big", root)
    paths = profile.paths
    paths.ensure()
    history = HistoryStore(paths.history_db)
    history.close()
    rng = random.Random(8)
    now = time.time()
    import sqlite3

    conn = sqlite3.connect(paths.history_db)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO generations (task, created_at, updated_at, prompt, status, text) "
                "VALUES (?, ?, ?, ?, 'complete', ?)",
                (
                    (
                        (task := TASKS[n % len(TASKS)]).value,
                        now - n,
                        now - n,
                        _prompt(rng),
                        _prompt(rng) if task == Task.SPEECH_TO_TEXT else None,
                    )
                    for n in range(items)
                ),
            )
        with conn:
            for n in range(200):
                cur = conn.execute(
                    "INSERT INTO conversations (title, created_at, updated_at, model) "
                    "VALUES (?, ?, ?, 'm')",
                    (f"Conversation {n} about {rng.choice(WORDS)}", now - 10_000 - n, now - n),
                )
                cid = cur.lastrowid
                conn.executemany(
                    "INSERT INTO messages (conversation_id, role, content, created_at, status) "
                    "VALUES (?, ?, ?, ?, 'complete')",
                    [(cid, "user", _prompt(rng), now), (cid, "assistant", _prompt(rng), now)],
                )
            cur = conn.execute(
                "INSERT INTO conversations (title, created_at, updated_at, model) "
                "VALUES ('The long one', ?, ?, 'm')",
                (now, now + 1),
            )
            long_id = int(cur.lastrowid or 0)
            answer = (
                "Here is **part {n}** of the answer.\n\n"
                "- first point about {w}\n- second point\n\n"
                "```python\nvalue_{n} = compute({n})\n```\n\nAnd a closing paragraph about {w}."
            )
            conn.executemany(
                "INSERT INTO messages (conversation_id, role, content, created_at, status, "
                "provider) VALUES (?, ?, ?, ?, 'complete', ?)",
                [
                    (
                        long_id,
                        "user" if n % 2 == 0 else "assistant",
                        _prompt(rng) if n % 2 == 0 else answer.format(n=n, w=rng.choice(WORDS)),
                        now + n / 1000,
                        None if n % 2 == 0 else "groq",
                    )
                    for n in range(LONG_CONVERSATION)
                ],
            )
    finally:
        conn.close()
    return profile, long_id


def pictures(root: Path, count: int = 20) -> Profile:
    """20 stored pictures of 1024×1024 (noise, so they do not compress to nothing)."""
    from PIL import Image

    profile = Profile("pictures", root)
    paths = profile.paths
    paths.ensure()
    folder = paths.media_dir / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    history = HistoryStore(paths.history_db)
    try:
        for n in range(count):
            path = folder / f"picture-{n}.png"
            Image.effect_noise((1024, 1024), 40 + n).convert("RGB").save(path)
            history.add_generation(
                Task.TEXT_TO_IMAGE.value,
                prompt=f"picture {n}",
                model="m",
                provider="fal-ai",
                files=[{"path": str(path), "width": 1024, "height": 1024}],
            )
    finally:
        history.close()
    return profile
