"""The Providers tab: tokens and keys, preference order, custom servers."""
