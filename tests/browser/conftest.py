"""Real-Chromium fixtures: Debian's chromium through Playwright, third-party cookies blocked.

Rapport (http://127.0.0.1:<port>) and the practice LMS (http://localhost:<port>) run as
real HTTP servers (tests/support/live.py), so the tool is a cross-site iframe as in Canvas
or Moodle. Playwright cannot download browsers here: it drives the system binary.
"""
from __future__ import annotations

import json

import pytest

from tests.support.browser import AXE, CHROMIUM_ARGS, ROOT, chromium_binary, every_type_sections, prepare_assignment
from tests.support.live import live  # noqa: F401  (fixture)

@pytest.fixture(scope="session")
def playwright_session():
    if chromium_binary() is None:
        pytest.skip("no chromium binary (Debian package `chromium`): apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright_session, tmp_path):
    """A persistent Chromium context whose profile blocks third-party cookies."""
    profile = tmp_path / "chromium-profile"
    (profile / "Default").mkdir(parents=True)
    # cookie_controls_mode 1 = "block third-party cookies" (the settings page's choice);
    # block_third_party_cookies is the older pref with the same meaning.
    (profile / "Default" / "Preferences").write_text(json.dumps(
        {"profile": {"block_third_party_cookies": True, "cookie_controls_mode": 1}}))
    ctx = playwright_session.chromium.launch_persistent_context(
        str(profile), executable_path=chromium_binary(), headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def side(playwright_session):
    """A second Chromium for the width checks: pages opened in the test's own browser would take
    the foreground from the LMS tab, whose clicks then stall."""
    b = playwright_session.chromium.launch(executable_path=chromium_binary(), headless=True, args=CHROMIUM_ARGS)
    ctx = b.new_context()
    yield ctx
    ctx.close()
    b.close()


@pytest.fixture
def axe_source():
    if not AXE.exists():
        pytest.skip(f"axe-core not found at {AXE.relative_to(ROOT)}: run `npm install --no-save axe-core` in the repo")
    return AXE.read_text()


@pytest.fixture
def every_type(app, live):
    """The practice link's assignment draws one item of each of the 10 types."""
    prepare_assignment(app, live, sections=every_type_sections())
    return live
