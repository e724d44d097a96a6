"""Persistence: history (SQLite), settings, secrets (keyring). No Qt."""
