"""Browser tests: the real app served on 127.0.0.1, driven by Debian's Chromium.

In CI (CI=true) a Chromium that cannot start fails the run; elsewhere those tests skip
with the reason.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from lms.extensions import limiter
from tests.conftest import unavailable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extras install it
        _unavailable(f"playwright is not installed: {exc}")
    manager = sync_playwright().start()
    try:
        instance = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:
        manager.stop()
        _unavailable(f"Chromium at {CHROMIUM} did not start: {exc}")
    yield instance
    instance.close()
    manager.stop()


def _unavailable(reason: str):
    unavailable("browser tests need Chromium: " + reason)


@pytest.fixture
def live_server(app):
    """The test app on a free port; yields its base URL."""
    limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB",
                                  timezone_id="Asia/Tashkent")
    context.set_default_timeout(15000)
    tab = context.new_page()
    yield tab
    context.close()


def pytest_collection_modifyitems(config, items):
    # The development server behind `live_server` drops a streamed file unclosed when the
    # browser aborts a request (navigating away while an image still loads); the garbage
    # collector then warns in whichever test runs next. Production servers close it.
    # Only that warning is let through, and only here.
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"))
            item.add_marker(pytest.mark.filterwarnings(
                "ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning"))
