"""Fixtures of the report tests: headless Chromium through Selenium (skipped where Chromium is absent)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DRIVER_NAMES = ("chromedriver",)
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1360,2000", "--hide-scrollbars")


def find_chromium() -> tuple[str, str] | None:
    """Paths of a Chromium binary and its chromedriver, or None."""
    binary = next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    driver = next((p for p in map(shutil.which, DRIVER_NAMES) if p), None)
    return (binary, driver) if binary and driver else None


def require_chromium() -> tuple[str, str]:
    found = find_chromium()
    if found is None:
        print("chromium not installed: apt-get install chromium chromium-driver")
        pytest.skip("chromium not installed: apt-get install chromium chromium-driver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("chromium not installed: selenium (the dev extra) is missing")
    return found


@contextmanager
def launch() -> Iterator:
    """A Selenium Chrome driver on headless Chromium, with a fresh profile and the browser log on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = require_chromium()
    profile = tempfile.mkdtemp(prefix="scalinglab-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def full_page_screenshot(driver, path: Path, width: int = 1360) -> None:
    """Resize the window to the page's height and save a PNG of all of it."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, min(max(height, 800), 16000))
    driver.execute_script("window.scrollTo(0, 0); if (document.activeElement) document.activeElement.blur();")
    driver.save_screenshot(str(path))


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (a page load per test is cheap; a launch is not)."""
    with launch() as driver:
        yield driver


@pytest.fixture
def screenshot():
    """The full-page screenshot helper as a fixture."""
    return full_page_screenshot
