"""Administration: staff accounts and roles, MCI rates, process versions, the outbox page."""
