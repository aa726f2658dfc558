"""The WSGI entry point for production servers: ``gunicorn wsgi:app``."""

from fund import create_app

app = create_app()
