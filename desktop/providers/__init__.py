"""Provider wire code of every task (chat included): HTTP exchanges and formats. No Qt."""
