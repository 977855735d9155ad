"""The instructor's whole journey against the practice LMS (lti1p3platform, not our code):
deep link -> the platform receives the content item with its line item -> two students launch
and submit -> the results page lists the whole roster (NRPS, paged) with delivered grades ->
CSV -> item analysis."""
import csv
import io
import re
from urllib.parse import urljoin

from lti_tool.extensions import db
from lti_tool.models import Assignment, Attempt
from tests.support.cookieless import CookielessBrowser, forms
from tests.support.grades import answer_and_submit
from tests.support.live import live, wait_until  # noqa: F401  (fixture)

DL_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


def add_activity(b, live, title="Week 5: alliance check", points="20"):
    builder = b.follow_autopost(b.get(live["lms_url"] + "/deep-link"))
    assert builder.status_code == 200 and "/instructor/deep-link" in builder.url, builder.text
    assert "Add a Rapport activity" in builder.text
    form = next(f for f in forms(builder.text) if (f["action"] or "").endswith("/instructor/deep-link"))
    fields = dict(form["fields"])
    fields.update({"title": title, "blueprint_key": "quick-check", "attempts_allowed": "2",
                   "grading_method": "highest", "feedback_policy": "after_submit", "points_possible": points,
                   "action": "save"})
    returned = b.post(urljoin(builder.url, form["action"]), fields)
    assert returned.status_code == 200 and 'id="deep-link-return"' in returned.text
    back = next(f for f in forms(returned.text) if f["action"] and "deep-link/return" in f["action"])
    assert back["action"] == live["lms_url"] + "/deep-link/return"
    added = b.post(back["action"], back["fields"])  # what the page's script does
    assert added.status_code == 200 and title in added.text, added.text
    return added


def test_deep_link_then_students_then_results_csv_and_analysis(app, live):
    b = CookielessBrowser()
    add_activity(b, live)
    gb = live["gradebook"]
    assert not gb.deep_link_errors
    [response] = gb.deep_link_responses
    [item] = response[DL_ITEMS]
    assert item["type"] == "ltiResourceLink" and item["lineItem"]["scoreMaximum"] == 20
    assert item["lineItem"]["label"] == "Week 5: alliance check" and item["custom"]["rapport_assignment"]
    link_id = next(k for k, a in gb.activities.items() if a["title"] == "Week 5: alliance check")
    course = b.get(live["lms_url"] + "/").text
    assert "Week 5: alliance check" in course and "(out of 20)" in course

    # Two students launch the new activity and submit.
    for who, right in (("student", 7), ("student2", 3)):
        page = b.follow_autopost(b.get(f"{live['lms_url']}/launch/{who}?link={link_id}"))
        assert "/attempt/" in page.url, page.text
        aid = int(re.search(r"/attempt/(\d+)", page.url).group(1))
        answer_and_submit(app, aid, right)
    with app.app_context():
        a = db.session.execute(db.select(Assignment).where(Assignment.title == "Week 5: alliance check")).scalar_one()
        assert a.resource_link.resource_link_id == link_id and a.points_possible == 20
        assert {len(x.items) for x in db.session.execute(db.select(Attempt).filter_by(assignment_id=a.id)).scalars()} == {10}
    lineitem = gb.activities[link_id]["lineitem_id"]
    assert wait_until(lambda: len(gb.latest(lineitem)) == 2), "the two scores never reached the gradebook"
    assert {s["score"]["scoreMaximum"] for s in gb.latest(lineitem).values()} == {20}

    # The instructor opens the activity: results with the whole roster and delivered grades.
    results = b.follow_autopost(b.get(f"{live['lms_url']}/launch/instructor?link={link_id}"))
    assert "/instructor/?" in results.url and "<h1>Results</h1>" in results.text
    assert len(gb.nrps_requests) >= 3  # the roster came in pages, Link: rel="next"
    text = results.text
    for name in ("Sam Student", "Ana Alvarez", "Ben Okafor", "Chloe Chen"):
        assert name in text
    assert "Iris Instructor" not in text and "Tomas Assistant" not in text and "2 staff not listed" in text
    assert wait_until(lambda: b.get(results.url).text.count("in gradebook") == 2)
    token = re.search(r'name="lt" value="([^"]+)"', text).group(1)

    csv_text = b.get(f"{live['tool_url']}/instructor/results.csv?lt={token}").text
    rows = {r["LMS user id"]: r for r in csv.DictReader(io.StringIO(csv_text))}
    assert set(rows) == {"student-1", "student-2", "student-3", "student-4"}
    assert rows["student-4"]["State"] == "not started" and rows["student-1"]["Points possible"] == "20"
    assert rows["student-1"]["Gradebook"].startswith("in gradebook")

    analysis = b.get(f"{live['tool_url']}/instructor/analysis?lt={token}").text
    assert "Not enough data yet: 2 graded attempts so far" in analysis
    review = b.get(f"{live['tool_url']}/instructor/review?lt={token}").text
    assert "Topics, weakest first" in review


def test_the_practice_lms_refuses_a_response_without_its_data_echo(app, live):
    """The platform side checks what Rapport sends: a forged response is turned away."""
    b = CookielessBrowser()
    bad = b.post(live["lms_url"] + "/deep-link/return", {"JWT": "not.a.jwt"})
    assert bad.status_code == 400 and live["gradebook"].deep_link_responses == []
