"""The exam experience in real Chromium inside the practice LMS iframe: the start page, one question
per page with the navigator, flags and resume, a case study that unfolds and locks, and every page
at 1280, 390 and 320 px with axe 0 violations and no horizontal scroll. Screenshots of each page
at 1280 and 390 px go to $RAPPORT_SCREENSHOTS (or the test's tmp dir) as artefacts."""
import pytest

from lti_tool.extensions import db
from lti_tool.models import Attempt
from tests.support.browser import (shareable_url, answer_with_pointer, attempt_id_of, correct_pairs, every_type_sections,
                                   launch_in_lms, no_horizontal_scroll, prepare_assignment, prepare_case_assignment,
                                   press_start, run_axe, screenshot_dir, wait_for_url, wait_saved)

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390, 320)



def _check_widths(side, url, name, shots, axe_source, prepare=None):
    """Open `url` alone at each width: no horizontal scroll, axe clean, a screenshot at 1280 and 390."""
    for width in WIDTHS:
        page = side.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.wait_for_load_state()
        if prepare:
            prepare(page)
        assert no_horizontal_scroll(page) == [], (name, width, no_horizontal_scroll(page))
        found = run_axe(page, axe_source)
        assert found == [], f"{name} at {width} px: {found}"
        if width != 320:
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        page.close()



def test_start_page_then_one_question_per_page_with_navigator_flags_and_resume(app, live, browser, side, tmp_path, axe_source):
    shots = screenshot_dir(tmp_path)
    prepare_assignment(app, live, sections=every_type_sections(), time_limit_minutes=30)
    page = browser.new_page()
    frame = launch_in_lms(page, live, start=False)
    # The start page: what the set is, the time limit, attempts, the grade that counts; no clock yet.
    text = frame.locator("main").inner_text()
    for phrase in ("Questions", "30 minutes", "attempt 1 of 1", "Grade that counts", "Feedback"):
        assert phrase.lower() in text.lower(), phrase
    attempt_id = attempt_id_of(frame.url)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).deadline_at is None, "the clock started before Start"
    _check_widths(side, shareable_url(frame), "start", shots, axe_source)
    press_start(frame)
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        assert a.deadline_at is not None and a.opened_at is not None

    # One question at a time, the header always there.
    visible = frame.locator("section.question:visible")
    assert visible.count() == 1 and visible.first.get_attribute("id") == "question-1"
    assert frame.locator("#timer").is_visible() and frame.locator("#progress").inner_text() == "0 of 10 answered"
    pairs = correct_pairs(app, attempt_id)
    answer_with_pointer(frame, {p for p in pairs if p[0].split("-")[0] == "q1"})
    wait_saved(frame)
    assert frame.locator("#progress").inner_text() == "1 of 10 answered"
    assert "answered" in frame.locator("#nav-1 .nav-state").inner_text()
    frame.get_by_role("button", name="Flag for review").click()
    assert frame.locator("#question-1 .flag-button").get_attribute("aria-pressed") == "true"
    frame.get_by_role("link", name="Next").click()
    assert frame.locator("section.question:visible").first.get_attribute("id") == "question-2"
    # The navigator jumps anywhere.
    frame.locator("#nav-5").click()
    assert frame.locator("section.question:visible").first.get_attribute("id") == "question-5"
    assert frame.locator("#nav-5").get_attribute("aria-current") == "step"
    for pos in range(1, 11):
        frame.locator(f"#nav-{pos}").click()
        answer_with_pointer(frame, {p for p in pairs if p[0].split("-")[0] == f"q{pos}"})
        wait_saved(frame)
        # every page of the exam, at every width, in the state the student sees it
        _check_widths(side, shareable_url(frame, frame.url.split("#")[0] + f"#question-{pos}"), f"question-{pos}-"
                      f"{frame.locator(f'#question-{pos} .item').get_attribute('class').split()[1][5:]}",
                      shots, axe_source)
    assert frame.locator("#progress").inner_text() == "10 of 10 answered"
    # Drag and drop on its own: the last step dragged onto the first goes first, and is saved.
    pos = int(frame.locator("section.question", has=frame.locator(".order-list")).get_attribute("data-position"))
    frame.locator(f"#nav-{pos}").click()
    steps = frame.locator(f"#question-{pos} .order-list li")
    last = steps.last.get_attribute("data-id")
    steps.last.drag_to(steps.first)
    assert steps.first.get_attribute("data-id") == last
    wait_saved(frame)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).items[pos - 1].response[0] == last
    answer_with_pointer(frame, {p for p in pairs if p[0].split("-")[0] == f"q{pos}"})
    wait_saved(frame)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).items[0].flagged

    # Resume: a reload keeps the answers, the flag and the page the student was on.
    frame.locator("#nav-3").click()
    frame.evaluate("() => location.reload()")
    frame.locator("#attempt-form").wait_for()
    assert frame.locator("section.question:visible").first.get_attribute("id") == "question-3"
    assert frame.locator("#nav-1").get_attribute("class").count("nav-flagged") == 1
    assert "flagged" in frame.locator("#nav-1 .nav-state").inner_text()

    # The navigator on a phone opens from the header.
    def open_nav(p):
        p.locator("#nav-toggle").click()
        p.locator("#navigator").wait_for()
    _check_widths(side, shareable_url(frame, frame.url.split("#")[0] + "#question-3"), "navigator-open", shots, axe_source,
                  prepare=lambda p: open_nav(p) if p.viewport_size["width"] < 900 else None)

    frame.locator("#nav-submit").click()
    assert "Question 1" in frame.locator("#flagged").inner_text()
    frame.get_by_label("I am ready to submit").check()
    frame.get_by_role("button", name="Submit answers").click()
    frame = wait_for_url(page, frame, "/review")
    assert "100%" in frame.locator("#score").inner_text()
    # The review's labels: a distractor the student rightly left unticked is not "Incorrect".
    tags = frame.locator(".feedback .tag").all_inner_texts()
    assert "Not a correct answer, rightly left out." in tags and "Correct, you chose it." in tags
    assert not [t for t in tags if t.startswith(("Incorrect", "Wrong", "Correct, you missed"))], tags
    matrix_lines = frame.locator(".review-item", has=frame.locator(".tag", has_text="Right.")).first.locator(".answer-lines").first
    assert matrix_lines.locator("li").count() > 1, "a matrix answer is listed row by row"
    _check_widths(side, shareable_url(frame, app=app), "review", shots, axe_source)


def test_case_study_unfolds_in_order_and_locks(app, live, browser, side, tmp_path, axe_source):
    shots = screenshot_dir(tmp_path)
    size = prepare_case_assignment(app, live)
    page = browser.new_page()
    frame = launch_in_lms(page, live)
    attempt_id = attempt_id_of(frame.url)
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        unfolds = {i.position: [p["text"] for p in i.bank_item.definition.get("unfold", [])] for i in a.items}
        stems = {i.position: i.bank_item.definition["stem"] for i in a.items}
    assert len(unfolds) == size
    pairs = correct_pairs(app, attempt_id)
    for pos in range(1, size + 1):
        html = frame.content()
        for later in range(pos + 1, size + 1):
            for text in unfolds[later]:
                assert text[:60] not in html, f"question {later}'s unfold was sent while at question {pos}"
            assert stems[later][:60] not in html, f"question {later} was sent while at question {pos}"
        assert frame.locator(f"#question-{pos}").locator("input, select").first.is_enabled()
        answer_with_pointer(frame, {p for p in pairs if p[0].split("-")[0] == f"q{pos}"})
        wait_saved(frame)
        _check_widths(side, shareable_url(frame, frame.url.split("#")[0] + f"#question-{pos}"), f"case-{pos}", shots, axe_source)
        if pos == size:
            break
        assert "locks your answer" in frame.locator(f"#lock-warning-{pos}").inner_text()
        frame.locator(f"#question-{pos} .lock-button").click()
        frame.locator(f"#question-{pos + 1} .item").wait_for()
        # The earlier answer is locked on the page and on the server.
        assert frame.locator(f"#question-{pos}").locator("input, select").first.is_disabled()
    for text in unfolds[size]:
        assert text[:60] in frame.content()
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        assert all(i.locked_at is not None for i in a.items[:-1]) and a.items[-1].locked_at is None
