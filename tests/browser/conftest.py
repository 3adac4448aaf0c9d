"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live server.

Never ``playwright install``: the browser is the system one (``CHROMIUM_PATH``, by default
``/usr/bin/chromium``). Without it the package is skipped, unless ``REQUIRE_BROWSER=1`` (CI),
where a missing browser is a failure.
"""

import os
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BROWSER_TESTS = Path(__file__).resolve().parent

try:
    import playwright  # noqa: F401
except ImportError:  # a declared test dependency; without it the modules here cannot even import
    if os.environ.get("REQUIRE_BROWSER") != "1":
        collect_ignore_glob = ["test_*.py"]


def _browser_missing() -> str:
    if not (os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        return f"Chromium not found at {CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)"
    try:
        import pytest_playwright  # noqa: F401
    except ImportError:
        return "pytest-playwright is not installed (pip install -e '.[test]')"
    return ""


# --- running: skip or fail without a browser, and run last ----------------------------------------
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip (or, with REQUIRE_BROWSER=1, fail) without Chromium; move browser tests to the end.

    Playwright's sync API keeps an asyncio loop marked as running in the main thread from the
    first browser test until the session ends. Django refuses ORM calls while a loop runs, so the
    browser tests allow them (below) and run after every other test, which keeps Django's check
    intact for the rest of the suite.
    """
    browser_items = [item for item in items if BROWSER_TESTS in Path(item.path).parents]
    if not browser_items:
        return
    missing = _browser_missing()
    if missing and os.environ.get("REQUIRE_BROWSER") != "1":
        for item in browser_items:
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {missing}"))
    browser_ids = {id(item) for item in browser_items}
    items[:] = [item for item in items if id(item) not in browser_ids] + browser_items


@pytest.fixture(scope="session", autouse=True)
def _browser_available() -> None:
    missing = _browser_missing()
    if missing:
        pytest.fail(f"REQUIRE_BROWSER=1 but {missing}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _allow_django_in_playwright_loop(_browser_available) -> Iterator[None]:
    """Let Django run its ORM while Playwright's loop is marked running (microsoft/playwright-pytest#29).

    Autouse here applies to this package only: it is set from the first browser test on, and the
    browser tests run last, so the rest of the suite keeps Django's check.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM_PATH, "args": CHROMIUM_ARGS}


# --- failure traces ------------------------------------------------------------------------------------
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _failed(item: pytest.Item) -> bool:
    reports = item.stash.get(_REPORTS, {})
    return any(report.failed for report in reports.values())


# --- people in browsers --------------------------------------------------------------------------------
@pytest.fixture
def browser_for(new_context, live_server, request) -> Iterator[Callable]:
    """Open a browser window signed in as ``user``: ``browser_for(user)`` returns a Page.

    ``via_form=True`` signs in through the real login form; otherwise the session cookie of a
    ``force_login`` is copied into the browser, which is faster. Every window records a
    Playwright trace, kept in ``test-artifacts/traces/`` only when the test failed.
    """
    from tests.browser.support import watch_for_errors

    traced = []

    def open_for(user, *, via_form: bool = False, viewport: dict | None = None):
        context = new_context(viewport=viewport or {"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        context.tracing.start(
            title=f"{request.node.name} as {user.username}", screenshots=True, snapshots=True
        )
        traced.append((context, user.username))
        page = context.new_page()
        watch_for_errors(page)
        if via_form:
            log_in_with_form(page, live_server.url, user.username)
        else:
            client = Client()
            client.force_login(user)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url,
                    }
                ]
            )
        return page

    yield open_for
    failed = _failed(request.node)
    for context, username in traced:
        if failed:
            test = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
            path = ARTIFACTS / "traces" / f"{test}-{username}.zip"
            path.parent.mkdir(parents=True, exist_ok=True)
            context.tracing.stop(path=path)
        else:
            context.tracing.stop()


def log_in_with_form(page, base_url: str, username: str) -> None:
    """Sign in the way a person does: the login page, username, password, the button."""
    from tests.factories import PASSWORD

    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


# --- the journeys' data -------------------------------------------------------------------------------
@pytest.fixture
def journey() -> Callable:
    """``journey("name")`` starts a fresh screenshot folder; ``.page(page, "what")`` checks and saves."""
    from tests.browser.support import Journey

    return Journey


@pytest.fixture
def photo(tmp_path) -> Callable:
    """``photo("name.jpg")``: a real JPEG or PNG on disk, to upload through a file input."""
    from tests.browser.support import photo_file

    return lambda name, **options: photo_file(tmp_path, name, **options)


@pytest.fixture
def real_now():
    """The live server reads the real clock, so the journeys' data is dated from it."""
    return timezone.now()


@pytest.fixture
def delivered(buyer, store, real_now):
    """An order paid 10 days ago, shipped 9 days ago and delivered 2 days ago (still protected)."""
    from tests.factories import delivered_order

    return delivered_order(
        paid_at=real_now - timedelta(days=10),
        shipped_after=timedelta(days=1),
        delivered_after=timedelta(days=8),
        buyer=buyer,
        store=store,
    )


@pytest.fixture
def mediator(transactional_db):
    """Maria, in the Mediators group. The group comes from a data migration, and the flush after
    each live-server test empties it, so it is put back the way the migration makes it."""
    from django.apps import apps

    from tests.factories import mediator_user

    import_module("disputes.migrations.0003_mediators_group").create_group(apps, None)
    return mediator_user(username="maria_mediator", first_name="Maria")
