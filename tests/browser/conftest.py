"""Shared set-up of the browser tests (`make test-browser`): headless Chromium through playwright.

They run only when asked (LSTM_BROWSER_TESTS=1, which the Makefile target
sets), so that `pytest tests/` needs neither a browser nor a built site.
"""
import os

import pytest

ENABLED = os.environ.get("LSTM_BROWSER_TESTS") == "1"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Debian's chromium, without the services that phone home.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="browser tests run with `make test-browser` (LSTM_BROWSER_TESTS=1)")
    for item in items:
        if "browser" in item.nodeid.split("::")[0]:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright  # in requirements.txt

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()
