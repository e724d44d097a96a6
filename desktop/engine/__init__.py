"""Engine: asyncio only, no Qt. Candidate choice, the one failover path, the task services."""
