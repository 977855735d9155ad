"""Helpers for the real-Chromium tests (tests/browser): binary, axe-core, launching through the practice LMS."""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ITEM_TYPES = ["multiple_choice", "select_all", "select_n", "ordered_response", "dropdown_cloze",
              "dropdown_rationale", "matrix_multiple_choice", "matrix_multiple_response", "bowtie", "highlight"]


def chromium_binary() -> str | None:
    """Debian's `chromium` wrapper, else the real binary the package installs."""
    found = shutil.which("chromium")
    if found:
        return found
    for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium-browser"):
        if os.access(p, os.X_OK):
            return p
    return None


def run_axe(target, source: str) -> list[dict]:
    """axe-core violations (WCAG 2.0/2.1 A and AA, 2.2 AA) on a page or frame."""
    if not target.evaluate("() => typeof window.axe !== 'undefined'"):
        target.evaluate(source + "\n;void 0")
    result = target.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def tool_frame(page, timeout: float = 30):
    """The practice LMS's iframe (name="tool") once it shows a Rapport page."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        frame = page.frame(name="tool")
        if frame is not None and frame.url.startswith("http://127.0.0.1"):
            return frame
        page.wait_for_timeout(100)
    raise AssertionError("the tool iframe never loaded Rapport")


def wait_for_url(page, frame, part: str, timeout: float = 30):
    """Until the frame shows a URL containing `part`; returns the frame as it is then.

    A launch hops between the LMS's site and Rapport's, so Chromium moves the iframe between
    renderer processes; Playwright may then hand out a new Frame object for the same iframe
    while the old one keeps its last URL. So look the iframe up by name on every poll."""
    name = frame.name
    deadline = time.time() + timeout  # several hops (login, platform storage, the LMS, launch) on a loaded machine
    while True:
        # Every frame of that name, not the first: a frame left behind by the process swap can
        # linger in the list for a while beside the live one.
        named = [f for f in page.frames if name and f.name == name and not f.is_detached()]
        live = next((f for f in named if part in f.url), None) or (named[0] if named else frame)
        if part in live.url or time.time() >= deadline:
            break
        page.wait_for_timeout(100)
    assert part in live.url, live.url
    live.wait_for_load_state()
    return live


def launch_in_lms(page, live, role="student", path_part="/attempt/", start=True):
    """Open the practice course page, click its launch link, return the tool frame once Rapport has loaded.

    A student lands on the attempt's start page; with `start` the helper presses Start too."""
    page.goto(live["lms_url"] + "/")
    page.get_by_role("link", name=f"Launch as {role}").click()
    frame = wait_for_url(page, tool_frame(page), path_part)
    if start and role == "student":
        press_start(frame)
    return frame


def press_start(frame):
    """On the start page, press Start and wait for the questions; elsewhere do nothing."""
    if frame.locator("#start-button").count():
        frame.locator("#start-button").click()
        frame.locator("#exam[data-ready]").wait_for(state="attached")  # attempt.js has run (paging, widgets)


def attempt_id_of(url: str) -> int:
    return int(re.search(r"/attempt/(\d+)", url).group(1))


def every_type_sections() -> list[dict]:
    return [{"filter": {"type": t}, "count": 1} for t in ITEM_TYPES]


def prepare_assignment(app, live, *, sections=None, time_limit_minutes=None):
    """An instructor launch (plain HTTP) creates the link's assignment; then set it up before a student launches."""
    from lti_tool.extensions import db
    from lti_tool.models import Assignment
    from tests.support.cookieless import CookielessBrowser

    b = CookielessBrowser()
    page = b.follow_autopost(b.get(live["lms_url"] + "/launch/instructor"))
    assert "/instructor/" in page.url, page.text
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalars().one()
        if sections is not None:
            a.blueprint = dict(a.blueprint, sections=sections)
        a.time_limit_minutes = time_limit_minutes
        db.session.commit()
    return page


def wait_saved(target, timeout_ms: int = 15_000):
    """Until the attempt page's status says every answer reached the server (it says "Saving…" meanwhile)."""
    target.wait_for_function("() => document.getElementById('save-status').textContent === 'All answers saved.'",
                             timeout=timeout_ms)


def correct_pairs(app, attempt_id) -> set[tuple[str, str]]:
    """The (name, value) form fields that answer every question of the attempt correctly."""
    from lti_tool.extensions import db
    from lti_tool.models import Attempt
    from lti_tool.services.bank_store import item_type
    from tests.support.forms import form_fields
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        pairs = set()
        for i in attempt.items:
            pairs |= set(form_fields(i.bank_item.type, f"q{i.position}", item_type(i.bank_item).correct_response()))
        return pairs


def order_by_pointer(frame, prefix: str, ids: list[str]):
    """Drag the steps of an ordered-response item into `ids` order (HTML5 drag and drop), or keep
    the order shown if it is already right."""
    lst = frame.locator(f'.order-widget[data-order-prefix="{prefix}"] .order-list')
    moved = False
    for i, oid in enumerate(ids):
        current = lst.evaluate("l => Array.from(l.children).map(li => li.dataset.id)")
        if current[i] == oid:
            continue
        lst.locator(f'li[data-id="{oid}"]').drag_to(lst.locator("li").nth(i))
        moved = True
        # Where a drag lands off by one (page scrolled under the pointer), finish with the Up/Down buttons.
        for _ in range(len(ids)):
            where = lst.evaluate("l => Array.from(l.children).map(li => li.dataset.id)").index(oid)
            if where == i:
                break
            lst.locator(f'li[data-id="{oid}"] .order-{"up" if where > i else "down"}').click()
    if not moved:
        frame.locator(f'.order-widget[data-order-prefix="{prefix}"] .order-keep').click()


def answer_with_pointer(frame, pairs):
    """Set every answer control to the given (name, value) pairs (Playwright clicks, selects and drags)."""
    want: dict[str, set] = {}
    orders: dict[str, dict[int, str]] = {}
    for name, value in pairs:
        m = re.match(r"^(q\d+)-pos-(.+)$", name)
        if m and frame.locator(f'.order-widget[data-order-prefix="{m.group(1)}"] .order-list').count():
            orders.setdefault(m.group(1), {})[int(value)] = m.group(2)
            continue
        want.setdefault(name, set()).add(value)
    for prefix, by_pos in orders.items():
        order_by_pointer(frame, prefix, [by_pos[p] for p in sorted(by_pos)])
    for box in frame.locator("section.question input[type=radio], section.question input[type=checkbox]").all():
        name, value = box.get_attribute("name"), box.get_attribute("value")
        if value in want.get(name, ()):
            box.check()
    for sel in frame.locator("section.question select").all():
        if sel.get_attribute("name") in want:  # (questions on other pages of a one-per-page attempt are hidden)
            sel.select_option(next(iter(want[sel.get_attribute("name")])))


def form_state(frame) -> set[tuple[str, str]]:
    """What the answer controls on the page currently say, as (name, value) pairs."""
    rows = frame.evaluate("""() => Array.from(document.querySelectorAll('section.question input, section.question select'))
        .filter(e => e.name && (e.tagName === 'SELECT' ? e.value !== '' : e.checked)).map(e => [e.name, e.value])""")
    return {tuple(r) for r in rows}


def case_study_only(app, case_id: str = "cs-distrust") -> int:
    """Put one bundled case study's items in a collection of their own, so a blueprint can draw
    exactly that case; returns its size."""
    from lti_tool.extensions import db
    from lti_tool.models import BankItem
    with app.app_context():
        rows = db.session.execute(db.select(BankItem).where(BankItem.case_study == case_id,
                                                            BankItem.current.is_(True))).scalars().all()
        for r in rows:
            r.collection = "case-test"
        db.session.commit()
        return len(rows)


def prepare_case_assignment(app, live, case_id: str = "cs-distrust", time_limit_minutes=None) -> int:
    size = case_study_only(app, case_id)
    prepare_assignment(app, live, sections=[{"filter": {}, "count": size}], time_limit_minutes=time_limit_minutes)
    from lti_tool.extensions import db
    from lti_tool.models import Assignment
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalars().one()
        a.blueprint = dict(a.blueprint, collections=["case-test"])
        db.session.commit()
    return size


def no_horizontal_scroll(page) -> list[str]:
    """Elements wider than the viewport (empty when the page reflows)."""
    return page.evaluate("""() => {
        const w = document.documentElement.clientWidth;
        const out = [];
        if (document.documentElement.scrollWidth > w) out.push('document ' + document.documentElement.scrollWidth + ' > ' + w);
        document.querySelectorAll('main *').forEach(e => {
            if (e.closest('.visually-hidden, .sr-only')) return;
            const r = e.getBoundingClientRect();
            if (r.width && r.right > w + 1) out.push(e.outerHTML.slice(0, 120));
        });
        return out.slice(0, 5);
    }""")


def screenshot_dir(tmp_path):
    """Where screenshots go: $RAPPORT_SCREENSHOTS if set (kept as artefacts), else the test's tmp dir."""
    target = Path(os.environ.get("RAPPORT_SCREENSHOTS") or tmp_path / "screens")
    target.mkdir(parents=True, exist_ok=True)
    return target


def screenshots(browser, url: str, name: str, folder: Path, full_page: bool = True) -> None:
    """Open `url` on its own at laptop and phone widths and save a screenshot of each, for a
    person to look at (never asserted on)."""
    folder.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 1000})
        page.goto(url)
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=full_page)
    page.close()


def shareable_url(frame, url: str | None = None, app=None) -> str:
    """The frame's student page as a URL another tab or client can open: a launch token added as
    ?lt= (Rapport keeps it out of the frame's own URLs; tests open pages elsewhere). The token is
    the page's own, or, with `app` (pages without a form), one issued for the URL's attempt."""
    url = url or frame.url
    base, _, anchor = url.partition("#")
    if app is not None:
        from lti_tool.extensions import db
        from lti_tool.launch_token import LaunchToken, issue
        from lti_tool.models import Attempt
        with app.app_context():
            a = db.session.get(Attempt, attempt_id_of(base))
            token = issue(LaunchToken(a.user_id, a.assignment.resource_link.context_id,
                                      a.assignment.resource_link_id, a.id, "learner"))
    else:
        token = frame.locator("input[name=lt]").first.get_attribute("value")
    joined = base + ("&" if "?" in base else "?") + "lt=" + token
    return joined + ("#" + anchor if anchor else "")
