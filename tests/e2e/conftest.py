"""Playwright (Python) driving Debian's Chromium, headless. Nothing is downloaded at run time."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (creating fixtures) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Debian's chromium is missing at {CHROMIUM}: run `make test` (installs it) or apt-get install chromium"
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page_at(browser):
    """page_at(width) -> a fresh page with that viewport; closed after the test."""
    contexts = []

    def _page(width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return context.new_page()

    yield _page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="module")
def demo_site(request, django_db_blocker, tmp_path_factory):
    """The demo data exactly as `make run` loads it (`manage.py seed_demo`), served by a
    live server, shared by every test of one module (seeding once keeps `make test` fast).
    Mail is written to a directory, as in development, so /dev/mail/ lists it. At the end the
    database is emptied, as after any transactional test.

    The module's tests are not `django_db` tests (each of those would empty the database);
    they read and write the shared data directly, like the server does."""
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.live_server_helper import LiveServer

    request.getfixturevalue("django_db_setup")
    own_setup = None
    with django_db_blocker.unblock():
        # pytest-django creates the test database only when the session holds a `django_db`
        # test; run alone, this module creates (and later drops) it itself.
        if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
            own_setup = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        mail = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(tmp_path_factory.mktemp("mail")),
            MESSAGING_EMAIL_BACKEND="",
        )
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", "--quiet-progress", stdout=quiet)
        mail.enable()
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            mail.disable()
            call_command("flush", interactive=False, verbosity=0)
            if own_setup is not None:
                teardown_databases(own_setup, verbosity=0)
