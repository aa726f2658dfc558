"""The officers' work: worklist, task pages, the claim file and its personal data."""
