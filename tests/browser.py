"""
Headless Chromium for the browser tests: Debian's chromium and chromedriver.

Test tools' own browser downloads do not work on a closed network; Debian's
packages do (``scripts/install_browser``). Without them the browser tests
are skipped on a developer's machine and fail in CI.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# No background traffic: the machine's closed network refuses it, noisily.
ARGUMENTS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--window-size=1280,1600",
)


@contextlib.contextmanager
def chromium(*, network_log: bool = False) -> Iterator:
    """A WebDriver on a fresh profile; ``network_log`` records every request the page tries."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="fauxsite-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for argument in (*ARGUMENTS, f"--user-data-dir={profile}"):
            options.add_argument(argument)
        if network_log:
            options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield driver
        finally:
            driver.quit()
