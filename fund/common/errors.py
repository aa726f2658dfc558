"""Errors a service raises for the caller to turn into a clear answer (HTTP status or CLI message)."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of the errors a user can cause; ``code`` is stable, ``message`` is for people."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class BadRequest(ServiceError):
    code, http_status = "bad_request", 400


class NotFound(ServiceError):
    code, http_status = "not_found", 404


class Unauthenticated(ServiceError):
    code, http_status = "unauthenticated", 401


class Forbidden(ServiceError):
    code, http_status = "forbidden", 403


class Conflict(ServiceError):
    code, http_status = "conflict", 409


class Invalid(ServiceError):
    code, http_status = "validation_failed", 422
