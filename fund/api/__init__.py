"""JSON API v1: public claim submission and status, staff tasks, claims and history; its OpenAPI
document at /api/v1/openapi.json and the page to browse it at /api/docs."""

from .openapi import docs_blueprint
from .routes import api_blueprint

__all__ = ["api_blueprint", "docs_blueprint"]
