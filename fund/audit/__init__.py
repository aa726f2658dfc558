"""The auditors' work: seals, verification, export and replay, and their pages."""
