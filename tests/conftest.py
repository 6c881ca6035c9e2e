import os
from pathlib import Path

import pytest
from django.core.management import call_command

from legislation.models import Country

from .factories import make_user

AXE = Path(__file__).resolve().parent.parent / "tools/axe/node_modules/axe-core/axe.min.js"


def load_quietly():
    with open(os.devnull, "w") as devnull:
        call_command("load_reference_data", stdout=devnull)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_document_slots(settings, tmp_path_factory):
    # Each test session its own slot files, so two test runs on one host never share slots.
    settings.HEAVY_DOCUMENT_SLOT_DIR = str(tmp_path_factory.getbasetemp() / "document-slots")


@pytest.fixture(autouse=True)
def _empty_cache():
    # Each test's changes are rolled back, so two tests can reach the same data version with
    # different data: no page cached by one may be served to the next.
    from django.core.cache import cache

    from legislation.site import cache as datacache

    cache.clear()
    datacache.forget()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Loading 196 countries and ~5,000 cells once per session keeps the suite fast; each test
    # still runs in its own transaction and is rolled back.
    with django_db_blocker.unblock():
        load_quietly()


@pytest.fixture
def reference_data(db):
    """The real reference data, as `make run` loads it. Transactional tests (the browser ones)
    flush the database when they end, so it is reloaded whenever it is missing."""
    if not Country.objects.exists():
        load_quietly()


CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by Playwright; never a downloaded browser."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run tools/system_deps.sh (make test does)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django refuses ORM calls from inside one
    # unless told this is deliberate (the ORM calls here are test set-up, not async code).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, transactional_db):
    """A fresh browser page against the live test server, with the reference data loaded."""
    if not Country.objects.exists():
        load_quietly()
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot("compare-sorted") saves a full-page PNG under artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# The people of the editorial workflow, one per role; tests with two editors name them.
@pytest.fixture
def editor(db):
    return make_user("eddie", groups=["Editors"])


@pytest.fixture
def eddie(editor):
    return editor


@pytest.fixture
def erin(db):
    return make_user("erin", groups=["Editors"])


@pytest.fixture
def viewer(db):
    return make_user("vera", groups=["Viewers"])


@pytest.fixture
def reviewer(db):
    return make_user("rita", groups=["Reviewers"])


@pytest.fixture
def axe_violations():
    """axe-core's violations on a page: [(rule, impact, first targets, help)].

    The pinned axe-core (tools/axe/package.json) is evaluated through the DevTools protocol
    rather than added as a <script> element, so the pages' strict Content-Security-Policy
    (no inline script) stays in force while the check runs."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run tools/system_deps.sh (make install does)")
    source = AXE.read_text()

    def run(page):
        page.evaluate(source)
        found = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
        return [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3], v["help"]) for v in found
        ]

    return run
