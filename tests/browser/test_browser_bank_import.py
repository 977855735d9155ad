"""The instructor's import page in the practice LMS iframe: upload a Moodle export, read the
dry-run report, import, export; axe finds nothing; phone and laptop shots for a person."""
import os
from pathlib import Path

import pytest

from lti_tool.extensions import db
from lti_tool.models import BankItem
from tests.support.browser import launch_in_lms, run_axe, wait_for_url

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parents[1] / "fixtures" / "question-banks" / "nurs210-mental-health.xml"
SHOTS = Path(os.environ.get("RAPPORT_SHOTS", "/tmp/rapport-shots"))


def test_import_check_then_import_with_the_keyboard(app, live, browser, axe_source):
    page = browser.new_page()
    frame = launch_in_lms(page, live, role="instructor", path_part="/instructor/")
    frame.get_by_role("link", name="Import and export").click()
    frame = wait_for_url(page, frame, "/instructor/bank/")
    bank_url = frame.url
    assert run_axe(frame, axe_source) == []
    frame.get_by_label("File (Moodle XML, GIFT or QTI; at most 2 MB)").set_input_files(str(FIXTURE))
    frame.get_by_label("Collection to import into").fill("Week 3: alliance")
    frame.get_by_label("Topic for questions that carry none").select_option("alliance-foundations")
    frame.get_by_role("button", name="Check the file").focus()
    page.keyboard.press("Enter")
    frame.get_by_role("heading", name="Check of nurs210-mental-health.xml: nothing imported yet").wait_for()
    assert frame.locator("ul.report.skipped li").count() == 11
    assert run_axe(frame, axe_source) == []
    frame.get_by_role("button", name="Import 36 question(s) into “Week 3: alliance”").click()
    frame.get_by_role("heading", name="Imported", exact=True).wait_for()
    assert "36 question(s) added" in frame.get_by_role("status").inner_text()
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(BankItem).where(
            BankItem.collection.like("Week 3: alliance [c%]"))).scalar() == 36
    assert run_axe(frame, axe_source) == []
    with page.expect_download() as download:
        frame.get_by_label("Collection to export").select_option(label="Week 3: alliance")
        frame.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename == "Week-3-alliance.zip"
    _shoot(browser, bank_url)


def _shoot(browser, url):
    """The page and its report, opened on its own at laptop and phone widths, for a person to
    look at; not asserted on."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.screenshot(path=str(SHOTS / f"bank-page-{width}.png"), full_page=True)
        page.get_by_label("File (Moodle XML, GIFT or QTI; at most 2 MB)").set_input_files(str(FIXTURE))
        page.get_by_label("Collection to import into").fill("Week 3: alliance")
        page.get_by_label("Topic for questions that carry none").select_option("alliance-foundations")
        page.get_by_role("button", name="Check the file").click()
        page.get_by_role("heading", name="Check of nurs210-mental-health.xml: nothing imported yet").wait_for()
        page.screenshot(path=str(SHOTS / f"bank-report-{width}.png"), full_page=True)
    page.close()
