"""Stopping a playing player never freezes the window.

With Qt's FFmpeg backend, ``QMediaPlayer.stop()`` while a freshly made player plays audio
blocked the GUI thread for good now and then (about one try in a hundred or two here; the test
suite once hung for 150 s in the Speech tab's teardown). ``VideoPlayer.clear`` now empties the
source instead, which stops playback and drops the decoder without that wait. This test makes,
plays and releases many players; with ``stop()`` it usually hangs, and the suite's hang guard
ends it with every thread's stack.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import qasync
from PySide6.QtMultimedia import QMediaPlayer

from desktop.ui.widgets.video_player import VideoPlayer
from tests.emulator.media import spoken_wav
from tests.ui.conftest import act, until

CYCLES = 150


def _playing(player: VideoPlayer) -> bool:
    return (
        player.player is not None
        and player.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
    )


@pytest.mark.timeout(120)
# Releasing a player while FFmpeg is still opening the file aborts the open, and Qt says so.
@pytest.mark.qt_log_ignore(
    "^Could not open media\\. FFmpeg error description: Immediate exit requested$"
)
def test_releasing_a_playing_player_again_and_again_never_blocks(
    loop: qasync.QEventLoop, tmp_path: Path
) -> None:
    wav = spoken_wav(tmp_path / "speech.wav", "Good evening, and welcome to the show.")
    for n in range(CYCLES):
        player = VideoPlayer(kind="audio")
        act(loop, lambda player=player: player.load(str(wav), autoplay=True))
        if n % 3:  # else released at once, while the backend is still starting
            until(loop, lambda player=player: _playing(player))
        if n % 3 == 2:  # a little into the sound
            until(
                loop,
                lambda player=player: player.player is not None and player.player.position() > 0,
            )
        act(loop, player.release)
        assert player.player is None and player.path is None
        assert not player.play_button.isEnabled()
        player.deleteLater()
