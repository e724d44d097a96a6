"""The Speech tab: audio files or the microphone in, an editable, exportable transcript out."""

from desktop.ui.speech.page import SpeechPage

__all__ = ["SpeechPage"]
