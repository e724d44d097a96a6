"""Engine: asyncio only, no Qt. Routing, failover, traces, model catalogue."""
