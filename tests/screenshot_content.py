"""What the screenshots show: a library a person has used for a while, written the way the
app itself writes it (the history store, the media folder, the health book), with no network.

Why seeded instead of made through the emulator: the emulator's pictures, answers and
vectors are built to test wiring (flat colours, echoed prompts, hashed vectors); a
screenshot has to show what a person would see, so the content here is made to look real —
painted pictures, a long answer with a list and code, a transcript with times, texts whose
vectors really are alike when their meanings are.
"""

from __future__ import annotations

import io
import math
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from desktop.core.table import HF_CREDENTIAL, Task
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.engine.health import HealthBook
from desktop.engine.vector_export import npy_bytes
from desktop.services import Services
from tests.emulator.media import mp4_bytes, wav_bytes

DAY = 86_400.0
FLUX = "black-forest-labs/FLUX.1-schnell"
CHAT_MODEL = "meta-llama/Llama-3.1-8B-Instruct"


@dataclass
class Seeded:
    """Row ids the screenshots open."""

    conversation: int
    transcript: int
    embeddings: int
    picture: int


def seed(services: Services, now: float) -> Seeded:
    """Fill ``services``' history, media folder and health book; returns what to open."""
    conversation = _chats(services, now)
    picture = _pictures(services, now)
    _videos(services, now)
    transcript = _transcripts(services, now)
    embeddings = _embeddings(services, now)
    _health(services.health)
    return Seeded(conversation, transcript, embeddings, picture)


# --- Chat ---------------------------------------------------------------------------------

LONG_ANSWER = """Here is a relaxed plan for **two days in Lisbon**, with short walks between sights.

### Saturday: Alfama and the river
1. **Castelo de São Jorge** when it opens at 9:00, before the queues; the view over the \
red roofs is best in the morning light.
2. Walk down through **Alfama**'s lanes to the Sé cathedral (15 minutes, all downhill).
3. Lunch at a *tasca* near the Feira da Ladra market (Tuesdays and Saturdays only).
4. Tram 28 back up, or the Santa Justa lift if your legs have had enough.

### Sunday: Belém
- **Jerónimos Monastery** (closed on Mondays) and the custard tarts next door.
- The **MAAT** riverside walk to the Belém Tower at sunset.

A small budget sketch, in euros:

```python
days = {"Saturday": 45, "Sunday": 60}  # food, tickets, trams
print(sum(days.values()))  # 105
```

Book the monastery online the day before: the ticket queue can take an hour in summer."""


def _ok_trace(model: str, provider: str, task: str, wait_ms: float) -> dict[str, object]:
    trace = Trace(model=model, policy="auto", task=task)
    trace.attempts = [
        AttemptRecord(
            provider=provider,
            via="router",
            provider_model=model,
            started_at=0.0,
            outcome=Outcome.OK,
            status_code=200,
            duration_ms=wait_ms,
        )
    ]
    return trace.to_dict()


def _chats(services: Services, now: float) -> int:
    history = services.history
    older = [
        ("Birthday card for my sister", "Write a short, warm birthday card for my sister."),
        ("Rename holiday photos", "How can I rename 300 photos by the date they were taken?"),
    ]
    for title, question in older:
        cid = history.create_conversation(title, CHAT_MODEL, "auto")
        history.add_message(cid, "user", question)
        history.add_message(
            cid, "assistant", "Happy to help — here is one way to do it.", provider="cerebras"
        )
    cid = history.create_conversation("A weekend in Lisbon", CHAT_MODEL, "auto")
    history.add_message(cid, "user", "Plan two easy days in Lisbon for me, no rushing please.")
    history.add_message(
        cid,
        "assistant",
        LONG_ANSWER,
        model=CHAT_MODEL,
        provider="groq",
        trace=_ok_trace(CHAT_MODEL, "groq", "chat", 1_240.0),
        ttft_ms=310.0,
        duration_ms=1_240.0,
    )
    history.add_message(cid, "user", "Is the Tram 28 worth it with a pushchair?")
    history.add_message(
        cid,
        "assistant",
        "Not really: it is narrow and crowded. Take the 737 bus up to the castle instead; "
        "it has room for a pushchair.",
        model=CHAT_MODEL,
        provider="groq",
        trace=_ok_trace(CHAT_MODEL, "groq", "chat", 640.0),
        ttft_ms=280.0,
        duration_ms=640.0,
    )
    return cid


# --- Pictures -----------------------------------------------------------------------------


def _gradient(
    size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> Image.Image:
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(1, height - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    return image


def _lighthouse(size: tuple[int, int]) -> Image.Image:
    w, h = size
    image = _gradient(size, (255, 170, 90), (120, 70, 140))
    draw = ImageDraw.Draw(image)
    draw.ellipse([w * 0.62, h * 0.38, w * 0.78, h * 0.54], fill=(255, 220, 150))
    draw.rectangle([0, h * 0.62, w, h], fill=(40, 60, 110))
    draw.polygon([(0, h * 0.55), (w * 0.42, h * 0.6), (w * 0.5, h), (0, h)], fill=(50, 40, 45))
    draw.rectangle([w * 0.18, h * 0.3, w * 0.24, h * 0.58], fill=(240, 236, 225))
    draw.rectangle([w * 0.18, h * 0.36, w * 0.24, h * 0.4], fill=(200, 50, 50))
    draw.polygon(
        [(w * 0.24, h * 0.31), (w * 0.7, h * 0.22), (w * 0.7, h * 0.36)], fill=(255, 240, 190)
    )
    return image.filter(ImageFilter.GaussianBlur(2))


def _mountains(size: tuple[int, int]) -> Image.Image:
    w, h = size
    image = _gradient(size, (250, 215, 200), (170, 200, 230))
    draw = ImageDraw.Draw(image)
    rng = random.Random(3)
    for layer, colour in enumerate([(150, 160, 200), (100, 120, 170), (60, 80, 120)]):
        base = h * (0.55 + layer * 0.12)
        points: list[tuple[float, float]] = [(0.0, float(h))]
        for i in range(9):
            x = w * i / 8
            points.append((x, base - rng.uniform(0.05, 0.25) * h))
        points.append((w, h))
        draw.polygon(points, fill=colour)
    return image.filter(ImageFilter.GaussianBlur(3))


def _city(size: tuple[int, int]) -> Image.Image:
    w, h = size
    image = _gradient(size, (20, 24, 60), (60, 40, 90))
    draw = ImageDraw.Draw(image)
    rng = random.Random(5)
    for _ in range(28):
        x = rng.uniform(0, w)
        bw, bh = rng.uniform(w * 0.05, w * 0.12), rng.uniform(h * 0.15, h * 0.55)
        draw.rectangle([x, h - bh, x + bw, h], fill=(30, 30, 50))
        for wy in range(int(h - bh + 8), h - 6, 14):
            for wx in range(int(x + 4), int(x + bw - 4), 10):
                if rng.random() < 0.45:
                    draw.rectangle([wx, wy, wx + 4, wy + 6], fill=(255, 210, 120))
    draw.ellipse([w * 0.75, h * 0.1, w * 0.85, h * 0.2], fill=(240, 240, 220))
    return image.filter(ImageFilter.GaussianBlur(0.8))


def _fox(size: tuple[int, int]) -> Image.Image:
    w, h = size
    image = _gradient(size, (215, 230, 245), (250, 252, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse([w * 0.3, h * 0.5, w * 0.62, h * 0.7], fill=(210, 95, 40))
    draw.ellipse([w * 0.55, h * 0.4, w * 0.7, h * 0.55], fill=(215, 100, 45))
    draw.polygon(
        [(w * 0.58, h * 0.42), (w * 0.6, h * 0.33), (w * 0.63, h * 0.41)], fill=(190, 80, 35)
    )
    draw.polygon(
        [(w * 0.64, h * 0.41), (w * 0.68, h * 0.33), (w * 0.69, h * 0.43)], fill=(190, 80, 35)
    )
    draw.ellipse([w * 0.12, h * 0.55, w * 0.36, h * 0.65], fill=(225, 110, 50))
    draw.ellipse([w * 0.1, h * 0.57, w * 0.16, h * 0.63], fill=(250, 250, 250))
    for x in (0.36, 0.42, 0.52, 0.58):
        draw.rectangle([w * x, h * 0.66, w * (x + 0.025), h * 0.78], fill=(60, 40, 30))
    return image.filter(ImageFilter.GaussianBlur(1.5))


PICTURES = [
    ("A red fox running through fresh snow, soft morning light", _fox, (768, 512), "together"),
    ("Tiny city at night, warm windows, flat illustration", _city, (512, 512), "fal-ai"),
    ("Watercolour mountains at sunrise, pastel colours", _mountains, (768, 512), "fal-ai"),
    (
        "A lighthouse on a cliff at dusk, warm light, oil painting",
        _lighthouse,
        (768, 512),
        "fal-ai",
    ),
]


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pictures(services: Services, now: float) -> int:
    """Four pictures, the lighthouse last (shown first); returns its generation id."""
    last = 0
    for n, (prompt, paint, size, provider) in enumerate(PICTURES):
        path = services.media.put(_png(paint(size)), ".png")
        seed = 1000 + n * 37
        last = services.history.add_generation(
            Task.TEXT_TO_IMAGE.value,
            prompt=prompt,
            model=FLUX,
            provider=provider,
            params={"prompt": prompt, "width": size[0], "height": size[1], "seed": seed},
            files=[
                {
                    "path": str(path),
                    "mime": "image/png",
                    "width": size[0],
                    "height": size[1],
                    "seed": seed,
                    "provider": provider,
                }
            ],
            trace=_ok_trace(FLUX, provider, Task.TEXT_TO_IMAGE.value, 2_300.0 + n * 400),
            duration_ms=2_300.0 + n * 400,
            created_at=now - (len(PICTURES) - n) * 3_600,
        )
    return last


# --- Videos -------------------------------------------------------------------------------


def _videos(services: Services, now: float) -> None:
    model = "Wan-AI/Wan2.1-T2V-14B"
    cancelled = "A paper boat drifting down a rainy street"
    services.history.add_generation(
        Task.TEXT_TO_VIDEO.value,
        prompt=cancelled,
        model=model,
        provider="fal-ai",
        status="cancelled",
        params={"prompt": cancelled, "seconds": 5},
        created_at=now - DAY,
    )
    prompt = "A sunset sky slowly changing colour, calm and slow"
    video = services.media.put(_sunset_mp4() or mp4_bytes(), ".mp4")
    services.history.add_generation(
        Task.TEXT_TO_VIDEO.value,
        prompt=prompt,
        model=model,
        provider="fal-ai",
        params={"prompt": prompt, "seconds": 5, "seed": 42},
        files=[{"path": str(video), "mime": "video/mp4", "duration_s": 2.0}],
        trace=_ok_trace(model, "fal-ai", Task.TEXT_TO_VIDEO.value, 94_000.0),
        duration_ms=94_000.0,
        created_at=now - 2 * 3_600,
    )


def _sunset_mp4() -> bytes | None:
    """Two seconds of a moving orange-to-violet sky (ffmpeg), or None without ffmpeg."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    source = (
        "gradients=s=480x270:c0=0xff9a4d:c1=0x5a3d8c:x0=0:y0=0:x1=0:y1=270:"
        "duration=2:speed=0.02,format=yuv420p"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sunset.mp4"
        command = [ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", source, "-t", "2"]
        done = subprocess.run([*command, "-movflags", "+faststart", str(out)], check=False)
        return out.read_bytes() if done.returncode == 0 and out.is_file() else None


# --- Transcripts --------------------------------------------------------------------------

INTERVIEW = [
    (0.0, 6.2, "Welcome back to Tidal Islands, the show about places the sea visits twice a day."),
    (6.2, 12.8, "Today we walk to Lindisfarne with Maria, who has guided the crossing for years."),
    (12.8, 19.5, "Maria, what do people get wrong about the causeway?"),
    (19.5, 27.0, "They read the tide table once and forget it. The safe times change every day."),
    (27.0, 33.4, "So check it in the morning, and again before you walk back."),
    (
        33.4,
        40.1,
        "And if the water is already on the road, wait. The island is not going anywhere.",
    ),
]


def _transcripts(services: Services, now: float) -> int:
    model = "openai/whisper-large-v3"
    earlier = [
        ("voice-note-shopping.m4a", "Milk, eggs, the good bread, and call the plumber back."),
        ("lecture-week-3.mp3", "Last week we looked at how rivers carve their valleys."),
    ]
    audio = services.media.put(wav_bytes(), ".wav")
    for n, (name, text) in enumerate(earlier):
        services.history.add_generation(
            Task.SPEECH_TO_TEXT.value,
            prompt=name,
            model=model,
            provider="hf-inference",
            text=text,
            params={"chunks": [{"start": 0.0, "end": 5.0, "text": text}], "duration_s": 5.0},
            files=[{"path": str(audio), "mime": "audio/wav", "duration_s": 5.0}],
            created_at=now - (3 - n) * DAY,
        )
    chunks = [{"start": s, "end": e, "text": t} for s, e, t in INTERVIEW]
    return services.history.add_generation(
        Task.SPEECH_TO_TEXT.value,
        prompt="tidal-islands-episode-12.mp3",
        model=model,
        provider="fal-ai",
        text=" ".join(t for _, _, t in INTERVIEW),
        params={"chunks": chunks, "duration_s": 40.1},
        files=[{"path": str(audio), "mime": "audio/wav", "duration_s": 40.1}],
        trace=_ok_trace(model, "fal-ai", Task.SPEECH_TO_TEXT.value, 3_100.0),
        duration_ms=3_100.0,
        created_at=now - 1_800,
    )


# --- Embeddings ---------------------------------------------------------------------------

TEXTS = [
    ("The cat slept on the warm windowsill", (1.0, 0.1, 0.0)),
    ("A kitten curled up in the sun", (0.9, 0.2, 0.05)),
    ("My dog loves long walks in the park", (0.7, 0.5, 0.0)),
    ("Interest rates rose again this month", (0.0, 0.1, 1.0)),
    ("The bank raised its mortgage rates", (0.05, 0.15, 0.95)),
    ("Fresh bread from the bakery on the corner", (0.2, 1.0, 0.1)),
]


def _embeddings(services: Services, now: float) -> int:
    """Six texts in three topics; vectors near their topic, so the heat map has structure."""
    rng = random.Random(11)
    dims = 48
    topics = [[rng.gauss(0, 1) for _ in range(dims)] for _ in range(3)]
    vectors = []
    for _text, weights in TEXTS:
        vector = [
            sum(w * t[i] for w, t in zip(weights, topics, strict=True)) + rng.gauss(0, 0.25)
            for i in range(dims)
        ]
        length = math.sqrt(sum(v * v for v in vector))
        vectors.append([v / length for v in vector])
    path = services.media.put(npy_bytes(vectors), ".npy")
    texts = [text for text, _ in TEXTS]
    model = "BAAI/bge-small-en-v1.5"
    return services.history.add_generation(
        Task.EMBEDDINGS.value,
        prompt="\n".join(texts),
        model=model,
        provider="hf-inference",
        params={"texts": texts, "dimensions": dims},
        vectors_path=str(path),
        trace=_ok_trace(model, "hf-inference", Task.EMBEDDINGS.value, 420.0),
        duration_ms=420.0,
        created_at=now - 600,
    )


# --- Health -------------------------------------------------------------------------------


def _health(book: HealthBook) -> None:
    """Recent answers: Groq and fal fine, Together busy a moment ago, Cerebras once slow."""
    for provider, outcomes in (
        ("groq", [Outcome.OK] * 9),
        ("fal-ai", [Outcome.OK] * 6),
        ("cerebras", [Outcome.OK, Outcome.OK, Outcome.TIMEOUT, Outcome.OK]),
        ("together", [Outcome.OK, Outcome.OK, Outcome.RATE_LIMITED]),
    ):
        key = book.key(provider, HF_CREDENTIAL)
        for outcome in outcomes:
            book.record(key, outcome, ttft_ms=300.0, retry_after_s=600.0)
