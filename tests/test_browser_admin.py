"""
The admin and the docs in a real browser: headless Chromium against a real server.

A person logs in, defines a schema with two fields in the inline forms, seeds
mock rows with the admin action, and finds the new resource in Swagger UI,
which is served from the server itself (no CDN). Debian's chromium and
chromedriver are used (``scripts/install_browser``); without them the tests
are skipped on a developer's machine and fail in CI.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.browser import CHROMEDRIVER, CHROMIUM, chromium
from tests.servers import Account, ServerGroup, server_group_fixture

pytestmark = [pytest.mark.browser, pytest.mark.servers]

ADMIN = Account("paula", "correct-horse-battery-staple")
SLUG = "planets"
SEED_ACTION = "seed_rows"
SEEDED_ROWS = 50
SEED_LABEL = f"Seed {SEEDED_ROWS} mock rows"
WAIT_SECONDS = 20

server = server_group_fixture(1, admin=ADMIN)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _require_browser() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if not missing:
        return
    reason = f"{' and '.join(missing)} not installed: run scripts/install_browser"
    if _in_ci():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module", autouse=True)
def _browser_installed() -> None:
    # Autouse runs first: no server is started for a browser that is missing.
    _require_browser()


@pytest.fixture(scope="module")
def browser(base_url) -> Iterator:
    # Depends on the server so that it quits first: an idle connection the
    # browser keeps open holds a sync worker, and with it the server's shutdown.
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def base_url(server: ServerGroup) -> str:
    return server.servers[0].url


@pytest.fixture(scope="module")
def created_schema(browser, base_url, server) -> str:
    """Logs in and creates the schema with two fields, through the admin's pages."""
    try:
        log_in(browser, base_url)
        create_schema(browser, base_url)
    except Exception:
        print(server.logs())
        raise
    return SLUG


# Steps a person takes -------------------------------------------------------------


def wait(browser):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, WAIT_SECONDS)


def element(browser, css: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    return wait(browser).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def log_in(browser, base_url: str) -> None:
    browser.get(f"{base_url}/admin/login/")
    element(browser, "#id_username").send_keys(ADMIN.username)
    element(browser, "#id_password").send_keys(ADMIN.password)
    element(browser, "#login-form [type=submit]").click()
    wait(browser).until(lambda driver: urlsplit(driver.current_url).path == "/admin/")


def create_schema(browser, base_url: str) -> None:
    browser.get(f"{base_url}/admin/schemas/schema/add/")
    element(browser, "#id_slug").send_keys(SLUG)
    element(browser, "#id_name").send_keys("Planets")
    fill_new_field(browser, 0, name="title", type_name="string")
    fill_new_field(browser, 1, name="moons", type_name="integer")
    element(browser, "input[name=_save]").click()
    success = element(browser, ".messagelist .success")
    assert SLUG in success.text, success.text


def fill_new_field(browser, index: int, name: str, type_name: str) -> None:
    from selenium.webdriver.support.ui import Select

    # The inline starts with no forms; "Add another" is the admin's own JavaScript.
    element(browser, "#fields-group .add-row a").click()
    element(browser, f"#id_fields-{index}-name").send_keys(name)
    Select(element(browser, f"#id_fields-{index}-type")).select_by_value(type_name)


def seed_with_admin_action(browser, base_url: str) -> None:
    from selenium.webdriver.support.ui import Select

    browser.get(f"{base_url}/admin/schemas/schema/")
    row = element(browser, "#result_list tr:has(a[href$='/change/']) input.action-select")
    row.click()
    actions = Select(element(browser, "select[name=action]"))
    offered = {option.get_attribute("value"): option.text for option in actions.options}
    assert offered.get(SEED_ACTION) == SEED_LABEL, f"The schema list offers no {SEED_LABEL!r}: {offered}"
    actions.select_by_value(SEED_ACTION)
    element(browser, "#changelist-form button[name=index]").click()
    message = element(browser, ".messagelist li")
    assert "success" in message.get_attribute("class").split(), message.text
    assert f"Seeded {SEEDED_ROWS} mock rows" in message.text


def page_resource_urls(browser) -> list[str]:
    """Every URL the current page loaded: scripts, styles, fetches, images."""
    return browser.execute_script(
        "return performance.getEntriesByType('resource').map(entry => entry.name)"
    )


# Tests ----------------------------------------------------------------------------


def test_it_lists_the_new_resource_in_swagger_ui_served_offline(browser, base_url, created_schema, tmp_path):
    browser.get(f"{base_url}/api/docs/")

    operation = element(browser, f".opblock-summary-path[data-path='/api/v1/{created_schema}/']")
    element(browser, f".opblock-tag[data-tag='{created_schema}']")

    assert operation.is_displayed()
    scripts = [script.get_attribute("src") for script in browser.find_elements("css selector", "script[src]")]
    assert scripts, "Swagger UI loaded no script"
    foreign = [url for url in scripts + page_resource_urls(browser) if not url.startswith(base_url)]
    assert foreign == [], f"The docs page loaded from elsewhere: {foreign}"
    # Kept in pytest's temporary folder, to see what the browser saw.
    assert browser.save_screenshot(str(tmp_path / "swagger-ui.png"))


def test_it_seeds_mock_rows_with_the_admin_action(browser, base_url, created_schema):
    seed_with_admin_action(browser, base_url)

    browser.get(f"{base_url}/api/v1/{created_schema}/")

    body = json.loads(element(browser, "body").text)

    assert body["count"] == SEEDED_ROWS
    assert set(body["results"][0]) == {"id", "title", "moons"}
