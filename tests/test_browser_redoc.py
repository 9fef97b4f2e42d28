"""
Redoc in a real browser loads nothing from outside the server.

Redoc's defaults reach out twice: drf-spectacular's page asks Google Fonts for
Montserrat and Roboto, and Redoc's side menu shows a logo from its CDN.
Offline, both end as DNS errors. Chromium's own network log (DevTools
protocol) shows every request the page tries, including those that fail or
that the page's Content-Security-Policy stops before they are sent; the
Resource Timing list the Swagger UI test reads would miss the failed ones.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.browser import chromium
from tests.servers import ServerGroup, server_group_fixture
from tests.test_browser_admin import (  # noqa: F401  (_browser_installed: a fixture, autouse)
    _browser_installed,
    element,
    page_resource_urls,
)

pytestmark = [pytest.mark.browser, pytest.mark.servers]

server = server_group_fixture(1)
LOCAL_HOSTS = ("127.0.0.1",)
# Long enough for Redoc's menu to mount its logo and for fonts to be asked for.
SETTLE_SECONDS = 2.0


@pytest.fixture(scope="module")
def base_url(server: ServerGroup) -> str:
    return server.servers[0].url


@pytest.fixture(scope="module")
def browser(base_url) -> Iterator:
    # Depends on the server so that it quits first, as in the admin's browser test.
    with chromium(network_log=True) as driver:
        yield driver


@dataclass
class Request:
    url: str
    kind: str
    # Set when the browser stopped the request itself (CSP, mixed content...):
    # it never reached the network.
    blocked: str = ""
    failed: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def over_the_network(self) -> bool:
        return urlsplit(self.url).scheme in ("http", "https", "ws", "wss")

    @property
    def left_the_machine(self) -> bool:
        return self.over_the_network and not self.blocked and self.host not in LOCAL_HOSTS


def network_requests(browser) -> list[Request]:
    """Every request in the browser's network log since it was last read."""
    requests: dict[str, Request] = {}
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            requests[params["requestId"]] = Request(params["request"]["url"], params.get("type", ""))
        elif message["method"] == "Network.loadingFailed" and params["requestId"] in requests:
            request = requests[params["requestId"]]
            request.blocked = params.get("blockedReason", "")
            request.failed = params.get("errorText", "")
    return list(requests.values())


@pytest.fixture(scope="module")
def redoc_page(browser, base_url, server) -> list[Request]:
    """Opens Redoc, waits until it has rendered the document, and returns what it requested."""
    browser.get_log("performance")  # what came before is not this page's
    try:
        # A real document: operations to render, and an index for the search worker.
        server.manage("import_schemas", "demo/schemas.yaml")
        browser.get(f"{base_url}/api/redoc/")
        element(browser, ".api-info h1")
        element(browser, ".menu-content")
    except Exception:
        print(server.logs())
        raise
    time.sleep(SETTLE_SECONDS)
    return network_requests(browser)


def test_it_renders_the_document_in_system_fonts(browser, redoc_page, tmp_path):
    heading = element(browser, ".api-info h1")

    assert "fauxsite API" in heading.text
    assert any(request.url.endswith("/api/schema/") for request in redoc_page), redoc_page
    assert heading.value_of_css_property("font-family").startswith("system-ui")
    # Kept in pytest's temporary folder, to see what the browser saw.
    assert browser.save_screenshot(str(tmp_path / "redoc.png"))


def test_it_sends_no_request_outside_the_server(browser, base_url, redoc_page):
    left = [request.url for request in redoc_page if request.left_the_machine]
    # Resource Timing lists the logo the policy refused too: it was never sent.
    refused = {request.url for request in redoc_page if request.blocked == "csp"}
    loaded = [url for url in page_resource_urls(browser) if not url.startswith(base_url)]

    assert left == [], f"Redoc sent requests off the machine: {left}"
    assert [url for url in loaded if url not in refused] == [], f"Redoc loaded from elsewhere: {loaded}"
    assert refused <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}


def test_it_asks_for_no_font_from_outside(redoc_page):
    fonts = [
        request.url for request in redoc_page
        if request.over_the_network and request.host not in LOCAL_HOSTS
        and (request.kind == "Font" or "font" in request.host)
    ]

    assert fonts == [], f"Redoc asked for fonts from outside: {fonts}"


def test_it_shows_no_content_security_errors_for_its_own_code(browser, redoc_page):
    # The page's policy stops outside requests; Redoc's own script, styles and
    # search worker must still run under it.
    console = [entry["message"] for entry in browser.get_log("browser")]
    refused = [line for line in console if "Content Security Policy" in line and "cdn.redoc.ly" not in line]

    assert refused == []


def test_it_searches_the_document(browser, redoc_page):
    from selenium.webdriver.support.ui import WebDriverWait

    element(browser, "input[placeholder^=Search]").send_keys("order lines")

    WebDriverWait(browser, 10).until(
        lambda driver: driver.find_elements("css selector", "[data-role='search:results'] li")
    )
