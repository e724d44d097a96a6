"""The Video tab: text-to-video jobs with honest progress, resume after restart, inline playback."""

from desktop.ui.video.page import VideoPage

__all__ = ["VideoPage"]
