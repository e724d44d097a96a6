"""Switchboard: one window for many hosted AI providers."""

__version__ = "0.1.0"
