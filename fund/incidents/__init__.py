"""Incidents: claims stuck outside the normal flow, each with the action that resolves it."""
