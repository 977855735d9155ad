"""The bow-tie in real Chromium (practice LMS iframe): actions – condition – parameters left to right
on a laptop, stacked on a phone, every option's text shown in full (it wraps; nothing is cut off)
at 1280, 390 and 320 px, a third action refused in the browser with a message, axe clean.
Screenshots at 1280 and 390 px."""
import pytest

from lti_tool.extensions import db
from lti_tool.models import Assignment, BankItem
from tests.support.browser import (launch_in_lms, no_horizontal_scroll,
                                   prepare_assignment, run_axe, screenshot_dir, shareable_url, wait_saved)

pytestmark = pytest.mark.browser

LONGEST = "em-012"  # the bank's bow-tie with the longest option text (92 characters)

CUT_OFF = """() => Array.from(document.querySelectorAll('.bowtie label, .bowtie legend'))
    .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(e => e.textContent.trim().slice(0, 60))"""

COLUMNS = """() => ['actions', 'condition', 'parameters'].map(k => {
    const r = document.querySelector('.bowtie-' + k).getBoundingClientRect(); return [Math.round(r.left), Math.round(r.top)]; })"""



def test_bowtie_shows_every_option_in_full_at_every_width(app, live, browser, side, tmp_path, axe_source):
    shots = screenshot_dir(tmp_path)
    with app.app_context():
        row = db.session.execute(db.select(BankItem).where(BankItem.item_id == LONGEST, BankItem.current.is_(True))).scalar_one()
        row.collection = "bowtie-test"
        db.session.commit()
    prepare_assignment(app, live, sections=[{"filter": {"type": "bowtie"}, "count": 1}])
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalar_one()
        a.blueprint = dict(a.blueprint, collections=["bowtie-test"])
        db.session.commit()
    page = browser.new_page()
    frame = launch_in_lms(page, live)
    assert frame.locator(".bowtie").count() == 1

    # A third action is stopped here, with a message; two are kept and saved.
    actions = frame.locator(".bowtie-actions input[type=checkbox]")
    actions.nth(0).check()
    actions.nth(1).check()
    actions.nth(2).click()
    assert not actions.nth(2).is_checked()
    assert "You can choose only 2 actions" in frame.locator("#status-1").inner_text()
    frame.locator(".bowtie-condition input[type=radio]").first.check()
    frame.locator(".bowtie-parameters input[type=checkbox]").first.check()
    wait_saved(frame)
    url = shareable_url(frame)
    page.close()

    for width in (1280, 390, 320):
        p = side.new_page()
        p.set_viewport_size({"width": width, "height": 900})
        p.goto(url)
        p.locator("#exam[data-ready]").wait_for(state="attached")
        assert no_horizontal_scroll(p) == [], (width, no_horizontal_scroll(p))
        assert p.evaluate(CUT_OFF) == [], f"cut off at {width} px"
        (left, top_a), (centre, top_c), (right, top_p) = p.evaluate(COLUMNS)
        if width == 1280:
            assert left < centre < right, "actions, condition, parameters side by side"
        else:
            assert top_a < top_c < top_p and left == centre == right, "stacked on a phone"
        assert run_axe(p, axe_source) == [], width
        if width != 320:
            p.screenshot(path=str(shots / f"bowtie-{width}.png"), full_page=True)
        p.close()
