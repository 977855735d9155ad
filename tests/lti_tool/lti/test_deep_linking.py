"""Deep linking: the builder, the signed LtiDeepLinkingResponse, binding the new link to the
saved assignment, and the Moodle and Canvas deep-linking quirks (tests/fixtures)."""
import html
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import jwt
import pytest

from lti_tool.extensions import db
from lti_tool.lti import Launch, LaunchError
from lti_tool.lti.deep_linking import ASSIGNMENT_PARAM, settings_of
from lti_tool.models import Assignment, Attempt
from tests.support.platform import DL, LEARNER, LTI

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DL_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"

BUILD = {"title": "Week 3: therapeutic responses", "blueprint_key": "quick-check", "attempts_allowed": "2",
         "grading_method": "highest", "feedback_policy": "after_submit", "points_possible": "25",
         "time_limit_minutes": "", "shuffle_options": "y", "action": "save"}


def moodle_dl_claims():
    return json.loads((FIXTURES / "moodle-4.5/id_token_deep_linking_teacher.json").read_text())["claims"]


def canvas_dl_claims():
    return json.loads((FIXTURES / "canvas/id_token_deep_linking_assignment_selection.json").read_text())


def _launch(claims):
    return Launch.from_claims(claims, claims["aud"])


def test_moodle_request_has_no_data_and_only_lineitems():
    s = settings_of(_launch(moodle_dl_claims()))
    assert s.has_data is False and s.data is None
    assert s.accept_multiple is True and s.return_url.startswith("http://127.0.0.1:8081/mod/lti/contentitem_return.php")
    assert "frame" in s.targets  # Moodle's non-spec target is kept, harmlessly


def test_canvas_assignment_selection_keeps_its_return_url_verbatim():
    claims = canvas_dl_claims()
    s = settings_of(_launch(claims))
    assert s.return_url == claims[DL]["deep_link_return_url"] and "?data=" in s.return_url
    assert s.has_data is False and s.accept_multiple is False and s.accept_lineitem is True


def test_a_placement_that_accepts_no_resource_link_is_refused_in_words():
    claims = moodle_dl_claims()
    claims[DL] = dict(claims[DL], accept_types=["file", "html"])
    with pytest.raises(LaunchError, match="does not accept LTI resource links"):
        settings_of(_launch(claims))
    claims[DL] = dict(claims[DL], accept_types=["ltiResourceLink"], deep_link_return_url="javascript:alert(1)")
    with pytest.raises(LaunchError, match="deep_link_return_url"):
        settings_of(_launch(claims))


def _builder(client, platform, **kw):
    resp = platform.deep_link(client, **kw)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    loc = resp.headers["Location"]
    assert "/instructor/deep-link" in loc
    return parse_qs(urlparse(loc).query)["dl"][0]


def _returned(body):
    action = html.unescape(re.search(r'<form id="deep-link-return" method="post" action="([^"]+)"', body).group(1))
    token = re.search(r'name="JWT" value="([^"]+)"', body).group(1)
    return action, token


def _verify(app, token, audience):
    with app.app_context():
        from lti_tool.lti.keys import public_jwks
        keys = public_jwks()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in keys if k["kid"] == kid)).key
    return jwt.decode(token, key, algorithms=["RS256"], audience=audience)


def test_builder_returns_a_signed_resource_link_with_its_line_item(client, platform, app):
    dl = _builder(client, platform)
    page = client.get(f"/instructor/deep-link?dl={dl}").get_data(as_text=True)
    assert "Add a Rapport activity" in page and "Therapeutic communication quick check" in page
    resp = client.post("/instructor/deep-link", data=dict(BUILD, dl=dl))
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    action, token = _returned(body)
    assert action == "https://lms.test/mod/lti/contentitem_return.php?course=2&id=1"  # only the launch's URL
    assert 'nonce="' in body  # the auto-post script runs under the CSP nonce
    claims = _verify(app, token, platform.issuer)
    assert claims["iss"] == platform.client_id and claims["aud"] == platform.issuer
    assert claims[LTI + "deployment_id"] == platform.deployment_id
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse" and claims[LTI + "version"] == "1.3.0"
    assert claims["exp"] > claims["iat"] and claims["nonce"]
    assert DL_DATA not in claims  # Moodle sent no data: none echoed
    [item] = claims[DL_ITEMS]
    assert item["type"] == "ltiResourceLink" and item["title"] == BUILD["title"]
    assert item["url"].endswith("/lti/launch")
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalar_one()
        assert a.resource_link_id is None and a.points_possible == 25 and a.attempts_allowed == 2
        assert a.blueprint["key"] == "quick-check" and a.configured_at is not None
        assert item["custom"] == {ASSIGNMENT_PARAM: a.public_id}
        assert item["lineItem"] == {"scoreMaximum": 25.0, "label": BUILD["title"], "resourceId": a.public_id,
                                    "tag": "rapport"}


def test_data_is_echoed_verbatim_when_the_platform_sends_it(client, platform, app):
    settings = {"accept_types": ["ltiResourceLink", "link"], "accept_presentation_document_targets": ["iframe"],
                "deep_link_return_url": "https://lms.test/dl/return", "data": {"csrf": "op4que", "n": [1, 2]}}
    dl = _builder(client, platform, settings=settings)
    _, token = _returned(client.post("/instructor/deep-link", data=dict(BUILD, dl=dl)).get_data(as_text=True))
    assert _verify(app, token, platform.issuer)[DL_DATA] == {"csrf": "op4que", "n": [1, 2]}


def test_the_first_launch_of_the_new_link_opens_the_built_assignment(client, platform, app):
    dl = _builder(client, platform)
    _, token = _returned(client.post("/instructor/deep-link", data=dict(BUILD, dl=dl)).get_data(as_text=True))
    custom = _verify(app, token, platform.issuer)[DL_ITEMS][0]["custom"]
    # The platform creates the link and sends the content item's custom parameters with each launch.
    resp, _, _ = platform.launch(client, sub="student-1", link_id="moodle-7", claims_overrides={LTI + "custom": custom})
    assert resp.status_code == 303 and "/attempt/" in resp.headers["Location"]
    teacher, _, _ = platform.launch(client, sub="teacher-1", roles=("http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",),
                                    link_id="moodle-7", claims_overrides={LTI + "custom": custom})
    assert "/instructor/?" in teacher.headers["Location"]  # set up already: results, not the builder
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalar_one()
        assert a.resource_link.resource_link_id == "moodle-7"
        attempt = db.session.execute(db.select(Attempt)).scalar_one()
        assert len(attempt.items) == 10 and attempt.assignment_id == a.id


def test_a_copied_link_gets_its_own_copy_and_another_tenant_gets_nothing(client, platform, app):
    dl = _builder(client, platform)
    _, token = _returned(client.post("/instructor/deep-link", data=dict(BUILD, dl=dl, delivery="one_per_page"))
                         .get_data(as_text=True))
    custom = _verify(app, token, platform.issuer)[DL_ITEMS][0]["custom"]
    platform.launch(client, sub="student-1", link_id="orig", claims_overrides={LTI + "custom": custom})
    platform.launch(client, sub="student-2", link_id="copy", context_id="course-2", claims_overrides={LTI + "custom": custom})
    from tests.support.platform import TestPlatform
    other = TestPlatform(issuer="https://other.test", client_id="c9", deployment_id="d9")
    other.register(app)
    try:
        other.launch(client, sub="student-3", link_id="stolen", claims_overrides={LTI + "custom": custom})
    finally:
        other.server.stop()
    with app.app_context():
        rows = {a.resource_link.resource_link_id: a for a in db.session.execute(db.select(Assignment)).scalars()}
        assert rows["orig"].title == rows["copy"].title == BUILD["title"] and rows["orig"].id != rows["copy"].id
        assert rows["copy"].points_possible == 25
        assert rows["orig"].delivery == rows["copy"].delivery == "one_per_page"  # chosen in the builder, copied
        assert rows["stolen"].title != BUILD["title"] and rows["stolen"].configured_at is None


def test_bad_builder_input_is_refused_in_plain_words_and_nothing_saved(client, platform, app):
    dl = _builder(client, platform)
    bad = dict(BUILD, dl=dl, title="", attempts_allowed="-3", blueprint_key="custom",
               **{"sections-0-topic": "therapeutic-techniques", "sections-0-difficulty": "hard", "sections-0-type": "bowtie",
                  "sections-0-count": "40"})
    resp = client.post("/instructor/deep-link", data=bad)
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "Give the assignment a title." in body and "Attempts allowed must be between 0" in body
    resp = client.post("/instructor/deep-link", data=dict(bad, title="T", attempts_allowed="1"))
    body = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 400
    assert "Row 1 (topic: Therapeutic techniques; question type: Bow-tie; difficulty: Hard)" in body
    assert "the question bank has only" in body and "section 1" not in body
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Assignment.id))).scalar() == 0


def test_check_the_set_shows_how_many_items_each_row_can_draw(client, platform):
    dl = _builder(client, platform)
    resp = client.post("/instructor/deep-link", data=dict(BUILD, dl=dl, action="check", blueprint_key="custom",
                                                          **{"sections-0-topic": "empathy", "sections-0-count": "3"}))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and re.search(r"\d+ available", body)


def test_learners_and_forged_tokens_cannot_build(client, platform):
    resp = platform.deep_link(client, sub="student-1", roles=(LEARNER,))
    assert resp.status_code == 403
    assert client.get("/instructor/deep-link?dl=forged").status_code == 401
    assert client.post("/instructor/deep-link", data=dict(BUILD, dl="forged")).status_code == 401


def test_after_the_due_date_without_a_due_date_is_refused(client, platform, app):
    dl = _builder(client, platform)
    resp = client.post("/instructor/deep-link", data=dict(BUILD, dl=dl, feedback_policy="after_due"))
    assert resp.status_code == 400 and "need a due date" in resp.get_data(as_text=True)
    resp = client.post("/instructor/deep-link", data=dict(BUILD, dl=dl, feedback_policy="after_due",
                                                          due_at="2027-01-15T23:59"))
    assert resp.status_code == 200
    with app.app_context():
        assert db.session.execute(db.select(Assignment)).scalar_one().due_at.isoformat().startswith("2027-01-15T23:59")


@pytest.mark.parametrize("fixture", ["moodle", "canvas"])
def test_fixture_settings_round_trip(client, platform, app, fixture):
    """The platforms' own deep_linking_settings: the response goes to their return URL exactly
    (Canvas's carries its state in ?data=), with one item, a scoreMaximum, and no data claim."""
    claims = moodle_dl_claims() if fixture == "moodle" else canvas_dl_claims()
    settings = claims[DL]
    overrides = {LTI + "custom": claims[LTI + "custom"]}
    dl = _builder(client, platform, settings=settings, claims_overrides=overrides)
    action, token = _returned(client.post("/instructor/deep-link", data=dict(BUILD, dl=dl)).get_data(as_text=True))
    assert action == settings["deep_link_return_url"]
    claims_out = _verify(app, token, platform.issuer)
    assert DL_DATA not in claims_out and len(claims_out[DL_ITEMS]) == 1
    assert claims_out[DL_ITEMS][0]["lineItem"]["scoreMaximum"] == 25.0
