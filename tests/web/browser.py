"""Headless Chromium driven by Selenium, installed from Debian when the machine lacks it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from service.infra.errors import InfraError
from service.infra.processes import apt_install

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
DESKTOP = (1280, 900)
PHONE = (390, 844)
WAIT_SECONDS = 240  # grading on a busy two-core machine; never a measure of speed
# The machine has no internet: anything that reaches out would stall or fail.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def ensure_chromium() -> None:
    """Debian's chromium and chromium-driver, installed with apt-get when missing."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    try:
        apt_install("chromium", "chromium-driver")
    except InfraError as exc:
        pytest.fail(f"the browser tests need Chromium: {exc}")


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    ensure_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where page screenshots go: TRIALGATE_SCREENSHOTS (e.g. docs/screenshots), else a temp dir."""
    chosen = os.environ.get("TRIALGATE_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], Any]) -> Any:
    # A page that navigates while it is polled turns a found element stale: poll again.
    return WebDriverWait(
        driver,
        WAIT_SECONDS,
        poll_frequency=0.25,
        ignored_exceptions=(StaleElementReferenceException,),
    ).until(condition)


def capture(driver: WebDriver, folder: Path, name: str, *, size: tuple[int, int] = DESKTOP) -> Path:
    """A PNG of the whole page at the given width."""
    driver.set_window_size(*size)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(size[0], max(size[1], min(int(height) + 140, 4000)))
    path = folder / f"{name}.png"
    assert driver.save_screenshot(str(path)), name
    driver.set_window_size(*DESKTOP)
    return path
