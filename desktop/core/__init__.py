"""The bottom layer: what every other layer shares and nothing else.

Request and result types, the routing trace, the failure vocabulary, the provider table, the
typed vocabularies (statuses, outcomes, fix actions) and the error base. It imports nothing
else from ``desktop``, so the engine, the providers and the store can all lean on it without
leaning on each other.
"""
