"""An imported question with formatting and a picture, as a student sees it in the practice LMS
iframe: the picture loads from Rapport's media route with its alt text, the missing one reads as
its description, axe finds nothing, and the page reflows at 390 and 320 px. Screenshots at 1280
and 390 px go to $RAPPORT_SCREENSHOTS (or the test's tmp dir)."""
from pathlib import Path

import pytest

from lti_tool.extensions import db
from lti_tool.models import Assignment
from lti_tool.services import bank_store
from question_bank.formats import import_file
from tests.support.browser import launch_in_lms, no_horizontal_scroll, prepare_assignment, run_axe, screenshot_dir

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parents[1] / "fixtures" / "question-banks" / "nurs210-mental-health.xml"
ALT = "Nurse seated at an angle to the client, at eye level"


def test_a_formatted_question_with_its_picture(app, live, browser, axe_source, tmp_path):
    items, report = import_file(FIXTURE, "moodle_xml", topic="alliance-foundations", collection="Pictures")
    rich = [d for d in items if d.get("stem_html") and d["type"] == "multiple_choice"]
    assert any(d.get("media") for d in rich)
    prepare_assignment(app, live, sections=[{"filter": {"type": "multiple_choice"}, "count": len(rich)}])
    with app.app_context():
        bank_store.import_items(rich, FIXTURE.name, "Pictures", media=report.media)
        a = db.session.execute(db.select(Assignment)).scalars().one()
        a.blueprint = dict(a.blueprint, collections=["Pictures"])
        db.session.commit()
    page = browser.new_page()
    frame = launch_in_lms(page, live)
    img = frame.get_by_role("img", name=ALT)
    img.wait_for()
    assert img.evaluate("i => i.complete && i.naturalWidth") == 4          # the stored 4x4 PNG, served
    assert "/item-media/" in img.get_attribute("src")
    assert frame.get_by_text("[Image: Client hunched, arms folded]").count() == 1
    assert frame.locator(".item-stem-rich strong").first.inner_text() == "most"
    assert run_axe(frame, axe_source) == []
    url = frame.url
    shots = screenshot_dir(tmp_path)
    side = browser.new_page()
    for width in (1280, 390, 320):
        side.set_viewport_size({"width": width, "height": 900})
        side.goto(url)
        side.wait_for_load_state()
        assert no_horizontal_scroll(side) == [], (width, no_horizontal_scroll(side))
        assert run_axe(side, axe_source) == [], width
        if width != 320:
            side.screenshot(path=str(shots / f"imported-picture-{width}.png"), full_page=True)
    side.close()
