"""The claims engine: SpiffWorkflow behind a small, pure API.

Nothing here imports Flask, SQLAlchemy or anything from ``fund``: the engine takes a
state, an actor, an input and a time, and returns a new state and the events it produced.
"""
