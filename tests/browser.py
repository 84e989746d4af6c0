"""Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

Without Chromium the browser tests fail when CI=true (CI must never go green without them)
and are skipped elsewhere, naming `make browser`, which installs it. Screenshots go to
UBR_SCREENSHOT_DIR (`make screenshots` sets docs/images), else to the test's tmp_path.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# as the machine's own check starts it: no sandbox as root, no background calls to Google
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def screenshot_dir(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("UBR_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    return shots


@contextmanager
def chromium_page(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A new page in headless Chromium, closed with its browser when the block ends."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not at {CHROMIUM}: `make browser` installs it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def offline(page: Any) -> list[str]:
    """Refuse every http(s) request of `page` but those to 127.0.0.1; returns the refused
    addresses (a page that opens offline asks for none)."""
    refused: list[str] = []

    def refuse(route: Any) -> None:
        if route.request.url.startswith(("http://127.0.0.1", "https://127.0.0.1")):
            route.continue_()
            return
        refused.append(route.request.url)
        route.abort()

    page.route("http*://**", refuse)
    return refused
