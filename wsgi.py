"""The WSGI entry point for production servers: ``gunicorn wsgi:app``.

Behind reverse proxies, FUND_PROXY_COUNT (their number, usually 1) makes the client's address and
scheme come from the X-Forwarded-For and X-Forwarded-Proto headers the proxies set: the portal's
rate limits then count per claimant, not per proxy. Leave it unset when clients reach the server
directly, or they could claim any address.
"""

import os

from werkzeug.middleware.proxy_fix import ProxyFix

from fund import create_app

app = create_app()
_proxies = int(os.environ.get("FUND_PROXY_COUNT", "0"))
if _proxies:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=_proxies, x_proto=_proxies)
