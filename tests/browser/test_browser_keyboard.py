"""Keyboard only: launch from the LMS page, answer one item of each of the 10 types, submit. No mouse, no drag."""
import pytest

from lti_tool.extensions import db
from lti_tool.models import Attempt
from lti_tool.services.bank_store import item_type
from tests.support.browser import ITEM_TYPES, attempt_id_of, tool_frame, wait_for_url, wait_saved
from tests.support.forms import form_fields

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const out = {tag: e.tagName.toLowerCase(), type: e.type || null, name: e.name || null, value: e.value,
               checked: !!e.checked, id: e.id || null, cls: e.className || '',
               order: (e.closest && e.closest('.order-widget')) ? e.closest('.order-widget').dataset.orderPrefix : null};
  if (out.tag === 'select') { out.options = Array.from(e.options).map(o => o.value); out.selectedIndex = e.selectedIndex; }
  if (out.type === 'radio') {
    const group = Array.from(e.form.querySelectorAll('input[type=radio]')).filter(r => r.name === e.name);
    out.group = group.map(r => r.value); out.index = group.indexOf(e);
  }
  return out;
}"""


def _desired(app, attempt_id):
    """(name, value) pairs each question's correct answer sends, and the type by question prefix."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        pairs, types = set(), {}
        for i in attempt.items:
            t = item_type(i.bank_item)
            pairs |= set(form_fields(i.bank_item.type, f"q{i.position}", t.correct_response()))
            types[f"q{i.position}"] = i.bank_item.type
        return pairs, types


def _tab_to(page, frame, selector):
    """Move the focus to `selector` with Tab (or Shift+Tab) only."""
    is_there = f"() => document.activeElement && document.activeElement.matches({selector!r})"
    for key in ("Tab", "Shift+Tab"):
        for _ in range(30):
            if frame.evaluate(is_there):
                return
            page.keyboard.press(key)
    raise AssertionError(f"could not reach {selector} by Tab")


def _order_by_keyboard(page, frame, prefix, pairs):
    """Reorder an ordered-response list with its Up buttons (Enter), focus following the moved step."""
    by_pos = {int(v): n.split("-pos-", 1)[1] for n, v in pairs if n.startswith(f"{prefix}-pos-")}
    ids = [by_pos[p] for p in sorted(by_pos)]
    widget = f'.order-widget[data-order-prefix="{prefix}"]'
    current = lambda: frame.evaluate(f"() => Array.from(document.querySelectorAll('{widget} .order-list li')).map(li => li.dataset.id)")
    moved = False
    for i, oid in enumerate(ids):
        j = current().index(oid)
        if j == i:
            continue
        _tab_to(page, frame, f'{widget} li[data-id="{oid}"] .order-up')
        for _ in range(j - i):
            page.keyboard.press("Enter")
        moved = True
    if not moved:
        _tab_to(page, frame, f"{widget} .order-keep")
        page.keyboard.press("Enter")
    assert current() == ids
    return {f"{prefix}-pos-{oid}" for oid in ids}


def _answer_by_keyboard(page, frame, pairs):
    """Tab through the page; at each control, press only keys (Space, arrows, typing) to reach the answer."""
    want = {}
    for name, value in pairs:
        want.setdefault(name, set()).add(value)
    touched = set()
    ordered = set()
    for _ in range(400):
        page.keyboard.press("Tab")
        f = frame.evaluate(FOCUSED)
        if f is None:
            continue  # still on the LMS page
        if f["id"] == "submit-button":
            return touched
        name = f["name"]
        if f["order"] and f["order"] not in ordered:
            ordered.add(f["order"])
            touched |= _order_by_keyboard(page, frame, f["order"], pairs)
            continue
        if f["type"] == "radio" and name in want:
            target = f["group"].index(next(iter(want[name])))
            steps = (target - f["index"]) % len(f["group"])
            if steps == 0 and not f["checked"]:
                page.keyboard.press("Space")
            for _ in range(steps):
                page.keyboard.press("ArrowDown")
            touched.add(name)
        elif f["type"] == "checkbox" and name in want:
            if f["checked"] != (f["value"] in want[name]):
                page.keyboard.press("Space")
            touched.add(name)
        elif f["type"] == "checkbox" and name and name.startswith("q"):
            if f["checked"]:
                page.keyboard.press("Space")
        elif f["tag"] == "select" and name:
            target = next(iter(want.get(name, {""})))
            if "-pos-" in name and target:
                page.keyboard.type(target)  # type-ahead: the position's digit
            else:
                diff = f["options"].index(target) - f["selectedIndex"]
                for _ in range(abs(diff)):
                    page.keyboard.press("ArrowDown" if diff > 0 else "ArrowUp")
            value = frame.evaluate("() => document.activeElement.value")
            assert value == target, f"{name}: keyboard left {value!r}, wanted {target!r}"
            touched.add(name)
    raise AssertionError("never reached the Submit button by Tab")


def test_every_item_type_by_keyboard_alone(app, every_type, browser):
    live = every_type
    page = browser.new_page()
    page.goto(live["lms_url"] + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Launch as student"
    page.keyboard.press("Enter")
    frame = tool_frame(page)
    frame = wait_for_url(page, frame, "/attempt/")
    # The start page: Tab to Start, Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if frame.evaluate("() => document.activeElement && document.activeElement.id") == "start-button":
            break
    else:
        raise AssertionError("never reached the Start button by Tab")
    page.keyboard.press("Enter")
    frame.locator("#attempt-form").wait_for()
    attempt_id = attempt_id_of(frame.url)
    pairs, types = _desired(app, attempt_id)
    assert sorted(types.values()) == sorted(ITEM_TYPES)

    touched = _answer_by_keyboard(page, frame, pairs)
    assert touched >= {name for name, _ in pairs}, "some answer controls were never reached by Tab"
    wait_saved(frame)

    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        wrong = []
        for i in attempt.items:
            t = item_type(i.bank_item)
            score = t.grade(i.response)
            if score.points != score.max_points:
                wrong.append((i.bank_item.type, i.response, t.correct_response()))
        assert not wrong, wrong

    # Submit by keyboard: Shift+Tab back to the confirmation box, Space, Tab, Enter.
    page.keyboard.press("Shift+Tab")
    assert frame.evaluate("document.activeElement.id") == "confirm-submit"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    frame = wait_for_url(page, frame, "/review")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "graded" and attempt.points == attempt.max_points > 0
    assert "100%" in frame.locator("#score").inner_text()
