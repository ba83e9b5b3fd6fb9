"""Playwright against Debian's chromium: `playwright install` cannot download a browser here.

Playwright's sync API leaves an asyncio loop registered as running in the test
thread, and Django's ORM refuses to run beside one unless DJANGO_ALLOW_ASYNC_UNSAFE
is set. Both are confined to this package: Playwright is started and stopped here
(pytest-playwright's session fixtures that need it are redefined at package scope)
and the variable is set only while it runs, so it cannot leak into the rest of the
suite (e.g. the subprocess of `manage.py check --deploy` in test_settings warns
about it).
"""

import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="package")
def _allow_orm_beside_playwright():
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ.setdefault(ASYNC_UNSAFE, "true")
    yield
    if previous is None:
        os.environ.pop(ASYNC_UNSAFE, None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="package")
def playwright(_allow_orm_beside_playwright):
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="package")
def browser_context_args(pytestconfig, playwright, device, base_url, _pw_artifacts_folder):
    """pytest-playwright's own, at package scope because it needs `playwright`."""
    context_args = dict(playwright.devices[device]) if device else {}
    if base_url:
        context_args["base_url"] = base_url
    if pytestconfig.getoption("--video") in ("on", "retain-on-failure"):
        context_args["record_video_dir"] = _pw_artifacts_folder.name
    return context_args


@pytest.fixture(scope="package")
def browser_type(playwright, browser_name):
    return getattr(playwright, browser_name)


@pytest.fixture(scope="package")
def launch_browser(browser_type_launch_args, browser_type):
    def launch(**kwargs):
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="package")
def browser(launch_browser):
    chromium = launch_browser()
    yield chromium
    chromium.close()


@pytest.fixture
def page(page):
    page.set_default_timeout(15_000)
    return page
