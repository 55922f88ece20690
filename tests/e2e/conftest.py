"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live server.

Run with `make test-e2e` (the default `pytest` run deselects the e2e marker). Playwright's
own browser builds are never used or downloaded: the launch points at /usr/bin/chromium
(`apt-get install chromium`), or at $CHROMIUM_PATH.
"""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API keeps an asyncio loop running in the test thread, so Django's ORM
# would refuse to run there (SynchronousOnlyOperation). The test code only loads fixtures
# between page loads; it never shares a connection with the loop. `make test-e2e` sets this
# too; setting it here makes a plain `pytest -m e2e tests/e2e` work.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    """The Chromium executable to drive, or None when it is not installed."""
    configured = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    return shutil.which(configured)


def pytest_collection_modifyitems(config, items):
    if chromium_path():
        return
    skip = pytest.mark.skip(
        reason=(
            f"Chromium not found at {os.environ.get('CHROMIUM_PATH') or '/usr/bin/chromium'}: "
            "install Debian's package (apt-get install chromium) or set CHROMIUM_PATH"
        )
    )
    for item in items:
        if E2E_DIR in Path(item.path).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's options (--headed, --slowmo...) plus Debian's Chromium."""
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path(),
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def base_url(pytestconfig):
    """The same value as pytest-playwright's fallback fixture (--base-url, or the ini value),
    which is defined as a method and so warns under pytest 9. Tests use `site_url`."""
    return pytestconfig.getoption("--base-url", None) or pytestconfig.getini("base_url") or None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """An English desktop visitor, so pages and screenshots do not depend on the host."""
    return {
        **browser_context_args,
        "locale": "en-GB",
        "timezone_id": "Europe/Vienna",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def reference_data(live_server):
    """The real reference data, for this test.

    live_server makes the test transactional: the database is flushed after each test, so
    the data `django_db_setup` loaded once is gone from the second test on. Loading is
    idempotent, so the first test pays only for the comparison."""
    call_command("load_reference", stdout=io.StringIO())


@pytest.fixture
def demo_data(reference_data):
    """The labelled demo records of `make run`, so the tracker shows stages and badges."""
    call_command("seed_demo", "--allow-without-debug", stdout=io.StringIO())


@pytest.fixture
def site_url(live_server, reference_data) -> str:
    """The live server's root URL (no trailing slash), with reference data loaded."""
    return live_server.url


@pytest.fixture
def nojs_page(new_context):
    """A page in a browser context with JavaScript disabled: the site must work without it."""
    return new_context(java_script_enabled=False).new_page()


@pytest.fixture(scope="module", autouse=True)
def _restore_reference_data(request, django_db_setup, django_db_blocker):
    """Put the session's reference data back once this module's transactional tests have
    flushed it, when tests that expect it (tests/conftest.py) run in the same session."""
    yield
    e2e_only = all(item.get_closest_marker("e2e") for item in request.session.items)
    if not e2e_only:
        with django_db_blocker.unblock():
            call_command("load_reference", stdout=io.StringIO())
