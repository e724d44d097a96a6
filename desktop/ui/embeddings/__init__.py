"""The Embeddings tab: texts in; a similarity heat map, a 2-D map and neighbours out."""

from desktop.ui.embeddings.page import EmbeddingsPage

__all__ = ["EmbeddingsPage"]
