"""Files the user hands the app: regular files only, read up to a stated limit."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from desktop.core.errors import SwitchboardError
from desktop.engine.speech import read_audio
from desktop.store.file_reads import FileReadError, check_regular, read_limited


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    assert read_limited(path, 10) == b"hello"
    assert check_regular(path) == 5


def test_a_file_over_the_limit_names_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.wav"
    path.write_bytes(b"x" * (3 << 20))
    with pytest.raises(FileReadError, match=r"big.wav is larger than 2 MB; cut it"):
        read_limited(path, 2 << 20, advice="cut it")


def test_a_device_named_like_audio_is_refused_at_once(tmp_path: Path) -> None:
    link = tmp_path / "talk.wav"
    link.symlink_to("/dev/zero")
    with pytest.raises(FileReadError, match="not an ordinary file"):
        read_limited(link, 1 << 20)
    with pytest.raises(SwitchboardError, match="not an ordinary file"):
        read_audio(link)


def test_a_fifo_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "voice.wav"
    os.mkfifo(fifo)
    outcome: list[BaseException | bytes] = []

    def attempt() -> None:
        try:
            outcome.append(read_limited(fifo, 1 << 20))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "reading a FIFO blocked"
    assert isinstance(outcome[0], FileReadError) and "not an ordinary file" in str(outcome[0])
    with pytest.raises(FileReadError):
        check_regular(fifo)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileReadError, match="not an ordinary file"):
        check_regular(tmp_path)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileReadError, match=r"Could not open gone\.png"):
        read_limited(tmp_path / "gone.png", 10)
