"""The Images tab: text-to-image with presets, a gallery of every picture, reuse and drag-out."""

from desktop.ui.images.page import ImagesPage

__all__ = ["ImagesPage"]
