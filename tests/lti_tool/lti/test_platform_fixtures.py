"""Real Moodle 4.5 and Canvas-shaped payloads (tests/fixtures, origin in each folder's README), and the quirks they carry."""
import json
from pathlib import Path

import pytest
from flask import Flask, jsonify

from lti_tool.extensions import db
from lti_tool.lti.launch import validate_launch
from lti_tool.lti.launch_data import Launch
from lti_tool.models import LaunchState, Platform
from lti_tool.models.base import utcnow
from lti_tool.services import platforms
from lti_tool.services.launches import _parse_due
from tests.support.platform import ServerThread

FIX = Path(__file__).resolve().parents[2] / "fixtures"
TOOL = "http://127.0.0.1:8095"  # where the tool lived when the Moodle fixtures were captured


def load(*parts):
    return json.loads((FIX.joinpath(*parts)).read_text())


def test_moodle_student_claims():
    d = load("moodle-4.5", "id_token_resource_link_student.json")
    launch = Launch.from_claims(d["claims"], d["claims"]["aud"])
    assert launch.is_learner and not launch.is_staff
    assert (launch.sub, launch.context_id, launch.resource_link_id, launch.deployment_id) == ("4", "2", "1", "1")
    assert launch.lineitem_url.endswith("/lineitem?type_id=1")
    # Moodle sends no NRPS claim here but puts the memberships URL in custom
    assert launch.memberships_url.endswith("/memberships")


def test_moodle_teacher_is_staff():
    d = load("moodle-4.5", "id_token_resource_link_teacher.json")
    assert Launch.from_claims(d["claims"], d["claims"]["aud"]).is_staff


@pytest.mark.parametrize("variant,learner,staff,test_user", [
    ("student", True, False, False),
    ("student_who_is_also_an_account_admin", True, False, False),  # institution Administrator ignored
    ("teacher", False, True, False),
    ("teacher_who_is_a_student_in_another_course", False, True, False),
    ("ta", False, True, False),
    ("observer", False, False, False),
    ("account_admin_not_enrolled", False, False, False),
    ("site_admin_not_enrolled", False, False, False),
    ("student_view_test_student", True, False, True),
])
def test_canvas_roles_trust_membership_over_institution(variant, learner, staff, test_user):
    roles = load("canvas", "roles_variants.json")[variant]
    d = load("canvas", "id_token_resource_link_student.json")
    claims = dict(d, **{"https://purl.imsglobal.org/spec/lti/claim/roles": roles})
    launch = Launch.from_claims(claims, claims["aud"])
    assert (launch.is_learner, launch.is_staff, launch.is_test_user) == (learner, staff, test_user)


def test_canvas_due_date_and_unexpanded_variables():
    d = load("canvas", "id_token_resource_link_student.json")
    custom = d["https://purl.imsglobal.org/spec/lti/claim/custom"]
    due = _parse_due(custom)
    assert due is not None and due.isoformat().startswith("2025-10-20T05:59:59")
    assert _parse_due({"due_at": "$Canvas.assignment.dueAt.iso8601"}) is None


def test_real_moodle_id_token_validates_end_to_end(app):
    """The captured raw JWT verifies with Moodle's captured JWKS (given enough leeway for its age)."""
    details = load("moodle-4.5", "platform_details.json")
    token = load("moodle-4.5", "id_token_resource_link_student.json")
    jwks_app = Flask("moodle_jwks")
    jwks_app.get("/certs.php")(lambda: jsonify(details["platform_jwks"]))
    server = ServerThread(jwks_app)
    try:
        with app.app_context():
            p, _ = platforms.register(issuer=details["issuer"], client_id=details["client_id"],
                                      auth_login_url=details["authorization_endpoint"],
                                      auth_token_url=details["token_endpoint"],
                                      key_set_url=f"http://127.0.0.1:{server.port}/certs.php",
                                      deployment_ids=[details["deployment_id"]])
            state = token["form_post"]["state"]
            from datetime import timedelta
            db.session.add(LaunchState(state=state, nonce=token["claims"]["nonce"], platform_id=p.id,
                                       expires_at=utcnow() + timedelta(minutes=5)))
            db.session.commit()
            form = {"id_token": token["raw_jwt"], "state": state}
            with app.test_request_context("/lti/launch", method="POST", data=form):
                from lti_tool.lti import LaunchError
                with pytest.raises(LaunchError, match="expired"):  # signature fine, exp long past
                    validate_launch(form, tool_url=TOOL, jwks_ttl=60, leeway=5)
                launch = validate_launch(form, tool_url=TOOL, jwks_ttl=60, leeway=10 ** 9)
            assert launch.issuer == details["issuer"] and launch.sub == "4" and launch.is_learner
    finally:
        server.stop()


def test_moodle_lineitem_query_is_kept_on_the_scores_url(app, platform):
    from lti_tool.lti.ags import post_score
    with app.app_context():
        p = db.session.execute(db.select(Platform)).scalar_one()
        result = post_score(p, platform.lineitem("2") + "?type_id=1",
                            ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                            {"userId": "4", "scoreGiven": 7, "scoreMaximum": 10, "timestamp": "2026-11-26T03:50:43Z",
                             "activityProgress": "Completed", "gradingProgress": "FullyGraded"})
    assert result.ok
    assert platform.scores[-1]["query"] == "type_id=1"
    assert platform.scores[-1]["content_type"] == "application/vnd.ims.lis.v1.score+json"
