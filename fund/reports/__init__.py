"""The dashboard and its figures."""
