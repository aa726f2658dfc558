"""JSON API v1: public claim submission and status, staff tasks, claims and history."""

from .routes import api_blueprint

__all__ = ["api_blueprint"]
