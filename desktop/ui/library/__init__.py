"""The Library: every picture, video, transcript and embedding set ever made, searchable offline."""

from desktop.ui.library.page import LibraryPage

__all__ = ["LibraryPage"]
