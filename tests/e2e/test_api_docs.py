"""An integrator opens /api/docs in a browser: the API's operations are listed, with every file the
page needs served by the fund itself (the fund's network may be closed to CDNs), under the page's
Content-Security-Policy (a refused script or style would leave the page blank)."""

from __future__ import annotations

from urllib.parse import urlsplit


def test_the_api_docs_page_shows_the_operations_from_this_server_only(live_server, new_page, shot):
    page = new_page()
    requested: list[str] = []
    refused: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/api/docs")
    page.get_by_text("/api/v1/claims/{reference}/status").first.wait_for()
    page.get_by_text("OAS 3.1").first.wait_for()
    shot(page, "operations")

    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert hosts == {urlsplit(live_server.url).netloc}, requested
    assert not [text for text in refused if "Content Security Policy" in text], refused
    assert page.get_by_text("Victims Compensation Fund: claims API").first.is_visible()

    page.get_by_text("Submit a claim (public)").first.click()
    page.get_by_text("Idempotency-Key").first.wait_for()
    shot(page, "submit-claim")
