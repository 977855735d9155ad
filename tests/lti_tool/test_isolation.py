"""Tenant isolation (IDOR), route by route, from the app's own list of routes.

Two platforms, two courses each. Every route is declared below with its audience; a route
missing from ROUTES fails `test_every_route_is_declared`, so a new page cannot ship without
these checks. For each non-public route, every attacker we can build (no token, a forged
token, a classmate, a student or instructor of another course or another platform) asks for
the victim's objects by id. Each must be refused (401/403/404), or, where the route takes no
id and serves the attacker's own course, must not show a byte of the victim's data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from lti_tool.extensions import db
from lti_tool.models import Attempt, User
from tests.support.platform import INSTRUCTOR, LEARNER, TestPlatform

PUBLIC, LEARNER_ROUTE, STAFF_ROUTE, ADMIN_ROUTE = "public", "learner", "staff", "admin"

# endpoint -> audience (and, for public ones, why no token is needed)
ROUTES = {
    "static": (PUBLIC, "CSS and JavaScript only"),
    "health.healthz": (PUBLIC, "liveness, no data"),
    "health.readyz": (PUBLIC, "readiness, no data"),
    "metrics.metrics": (PUBLIC, "Prometheus counts, no personal data; RAPPORT_METRICS_TOKEN restricts it"),
    "health.index": (PUBLIC, "what Rapport is and the tool URLs, no data"),
    "lti.login": (PUBLIC, "OIDC login initiation: checked against the registrations"),
    "lti.launch": (PUBLIC, "signed id_token; tests/lti_tool/lti/test_launch_conformance.py"),
    "lti.jwks": (PUBLIC, "our public keys"),
    "lti.cookie_check": (PUBLIC, "says only whether this browser sent its own launch cookie back"),
    "student.attempt_page": (LEARNER_ROUTE, None),
    "student.save": (LEARNER_ROUTE, None),
    "student.submit": (LEARNER_ROUTE, None),
    "student.review_page": (LEARNER_ROUTE, None),
    "student.again": (LEARNER_ROUTE, None),
    "student.start": (LEARNER_ROUTE, None),
    "student.flag": (LEARNER_ROUTE, None),
    "student.lock": (LEARNER_ROUTE, None),
    "student.extend": (LEARNER_ROUTE, None),
    "practice.session_page": (LEARNER_ROUTE, None),
    "practice.answer": (LEARNER_ROUTE, None),
    "practice.mastery_page": (LEARNER_ROUTE, None),
    "practice.plan_page": (LEARNER_ROUTE, None),
    "practice.targeted": (LEARNER_ROUTE, None),
    "practice.again": (LEARNER_ROUTE, None),
    "instructor.overview": (STAFF_ROUTE, None),
    "instructor.settings": (STAFF_ROUTE, None),
    "instructor.accommodation": (STAFF_ROUTE, None),
    "instructor.preview": (STAFF_ROUTE, None),
    "instructor.send_again": (STAFF_ROUTE, None),
    "instructor.reconcile": (STAFF_ROUTE, None),
    "instructor.settings_page": (STAFF_ROUTE, None),
    "instructor.results_csv": (STAFF_ROUTE, None),
    "instructor.attempt_view": (STAFF_ROUTE, None),
    "instructor.analysis_page": (STAFF_ROUTE, None),
    "instructor.analysis_csv": (STAFF_ROUTE, None),
    "instructor.class_review": (STAFF_ROUTE, None),
    "instructor.mastery_page": (STAFF_ROUTE, None),
    "instructor.mastery_csv": (STAFF_ROUTE, None),
    "instructor.accommodations_page": (STAFF_ROUTE, None),
    "instructor.accommodation_for_member": (STAFF_ROUTE, None),
    # The builder's own signed deep-linking token (services/deep_links.py), never a launch token.
    "instructor.deep_link_page": (STAFF_ROUTE, None),
    "instructor.deep_link": (STAFF_ROUTE, None),
    "admin.login": (PUBLIC, "the admin sign-in form (rate limited)"),
    "registration.canvas_json": (PUBLIC, "Canvas developer-key JSON: the tool's public configuration"),
    "registration.register_start": (PUBLIC, "dynamic registration: guarded by the one-time registration link"),
    "registration.register_confirm": (PUBLIC, "dynamic registration: guarded by the one-time registration link"),
    "instructor_bank.page": (STAFF_ROUTE, None),
    "instructor_bank.import_questions": (STAFF_ROUTE, None),
    "instructor_bank.export": (STAFF_ROUTE, None),
    # Students of an attempt holding the question, and staff of a course that may use its collection;
    # the real checks, with a real image, are in tests/lti_tool/blueprints/test_item_media.py.
    "item_media.image": (LEARNER_ROUTE, None),
}
# Blueprints whose every other route has one audience by construction.
AUDIENCE_BY_BLUEPRINT = {"admin": ADMIN_ROUTE}

REFUSED = {401, 403, 404}
VICTIM_NAME = "Victoria Victim-Alpha"
VICTIM_SUB = "victim-sub-a1"


@dataclass
class Actor:
    token: str
    user_id: int
    attempt_id: int | None = None


@dataclass
class World:
    app: object
    actors: dict[str, Actor] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


def _launch(client, platform, *, sub, course, roles, name=None) -> Actor:
    resp, _, _ = platform.launch(client, sub=sub, roles=roles, context_id=course, link_id=f"link-{course}",
                                 claims_overrides={"name": name or f"Name {sub}"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    loc = resp.headers["Location"]
    token = re.search(r"lt=([^&]+)", loc).group(1)
    attempt = re.search(r"/attempt/(\d+)", loc)
    with platform_app(client).app_context():
        user_id = db.session.execute(db.select(User.id).where(User.sub == sub)).scalar_one()
    return Actor(token, user_id, int(attempt.group(1)) if attempt else None)


def platform_app(client):
    return client.application


@pytest.fixture
def world(app, client, platform):
    other = TestPlatform(issuer="https://other-lms.test", client_id="client-2", deployment_id="dep-2")
    other.register(app)
    w = World(app)
    a = w.actors
    a["victim"] = _launch(client, platform, sub=VICTIM_SUB, course="A1", roles=(LEARNER,), name=VICTIM_NAME)
    a["graded"] = _launch(client, platform, sub="graded-a1", course="A1", roles=(LEARNER,))
    a["classmate"] = _launch(client, platform, sub="classmate-a1", course="A1", roles=(LEARNER,))
    a["staff_A1"] = _launch(client, platform, sub="teacher-a1", course="A1", roles=(INSTRUCTOR,))
    a["learner_A2"] = _launch(client, platform, sub="learner-a2", course="A2", roles=(LEARNER,))
    a["staff_A2"] = _launch(client, platform, sub="teacher-a2", course="A2", roles=(INSTRUCTOR,))
    a["learner_B1"] = _launch(client, other, sub="learner-b1", course="B1", roles=(LEARNER,))
    a["staff_B1"] = _launch(client, other, sub="teacher-b1", course="B1", roles=(INSTRUCTOR,))
    a["staff_B2"] = _launch(client, other, sub="teacher-b2", course="B2", roles=(INSTRUCTOR,))
    # One submitted attempt in A1, so A1 has a grade-sync row to aim at.
    g = a["graded"]
    assert client.post(f"/attempt/{g.attempt_id}/submit", data={"lt": g.token}).status_code == 303
    with app.app_context():
        from lti_tool.models import GradeSync
        row = db.session.execute(db.select(GradeSync)).scalars().first()
        assert row is not None, "submitting should queue a grade sync row"
        w.ids = {"attempt_id": a["victim"].attempt_id, "user_id": a["victim"].user_id, "row_id": row.id,
                 "submitted_attempt_id": g.attempt_id}
    yield w
    other.server.stop()


def audience(endpoint: str):
    if endpoint in ROUTES:
        return ROUTES[endpoint][0]
    return AUDIENCE_BY_BLUEPRINT.get(endpoint.split(".", 1)[0])


def routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def fill(rule, ids: dict[str, int]) -> str:
    """The rule's URL with every id naming one of the victim's (course A1's) objects."""
    values = {}
    for arg in rule.arguments:
        conv = rule._converters[arg].__class__.__name__
        values[arg] = ids.get(arg, ids["attempt_id"]) if conv in ("IntegerConverter", "NumberConverter") else "x"
    path = rule.rule
    for arg, value in values.items():
        path = re.sub(r"<(?:[^:<>]+:)?%s>" % arg, str(value), path)
    return path


def request(client, method, path, token=None):
    data = {"position": "1", "seq": "1", "lt": token} if method == "POST" else None
    headers = {"X-Launch-Token": token} if token else {}
    if method == "GET" and token:
        path += ("&" if "?" in path else "?") + "lt=" + token
    return client.open(path, method=method, data={k: v for k, v in (data or {}).items() if v is not None},
                       headers=headers)


def refused(kind, resp) -> bool:
    if resp.status_code in REFUSED:
        return True
    if kind != ADMIN_ROUTE:
        return False
    # Admin pages send strangers to the sign-in page; admin posts without the form's CSRF token are 400.
    return (resp.status_code in (302, 303) and "/login" in resp.headers.get("Location", "")) or \
        (resp.status_code == 400 and "csrf" in resp.get_data(as_text=True).lower())


def leaks(resp) -> bool:
    body = resp.get_data(as_text=True)
    return VICTIM_NAME in body or VICTIM_SUB in body


def snapshot(app, attempt_id):
    """Everything of the victim's: their attempt, its saved answers, their attempts and accommodations."""
    from lti_tool.models import Accommodation
    from lti_tool.models.attempts import AttemptItem, ResponseStep
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        steps = db.session.scalar(db.select(db.func.count()).select_from(ResponseStep).join(AttemptItem)
                                  .where(AttemptItem.attempt_id == attempt_id))
        attempts = db.session.scalar(db.select(db.func.count()).select_from(Attempt).where(Attempt.user_id == a.user_id))
        accs = db.session.scalar(db.select(db.func.count()).select_from(Accommodation)
                                 .where(Accommodation.user_id == a.user_id))
        return (a.state, steps, attempts, accs)


def test_every_route_is_declared(app):
    missing = sorted({r.endpoint for r, _ in routes(app) if audience(r.endpoint) is None})
    assert not missing, (f"routes without an isolation audience: {missing}. Add each to ROUTES in "
                         "tests/lti_tool/test_isolation.py (public with a reason, learner, staff or admin).")
    blueprints = {r.endpoint.split(".", 1)[0] for r, _ in routes(app)}
    stale = sorted(e for e in set(ROUTES) - {r.endpoint for r, _ in routes(app)} if e.split(".", 1)[0] in blueprints)
    assert not stale, f"ROUTES names endpoints that no longer exist: {stale}"


def attackers(kind: str) -> list[str]:
    if kind == LEARNER_ROUTE:
        # Anyone but the victim: a classmate, staff of the course, people of other courses and platforms.
        return ["classmate", "staff_A1", "learner_A2", "staff_A2", "learner_B1", "staff_B1"]
    if kind == STAFF_ROUTE:
        # Learners anywhere (including the victim's own course) and staff of other courses and platforms.
        return ["victim", "classmate", "learner_A2", "staff_A2", "learner_B1", "staff_B1", "staff_B2"]
    return ["victim", "staff_A1", "staff_B1"]  # admin: no launch token opens an admin page


def test_isolation_route_by_route(world, client):
    app = world.app
    checked = 0
    for rule, method in routes(app):
        kind = audience(rule.endpoint)
        if kind in (PUBLIC, None):
            continue  # public by design, or undeclared (test_every_route_is_declared fails for those)
        path = fill(rule, world.ids)
        before = snapshot(app, world.ids["attempt_id"])
        for label, token in [("no token", None), ("forged token", "eyJmb3JnZWQiOjF9.forged.sig")]:
            resp = request(client, method, path, token)
            assert refused(kind, resp), f"{method} {path} with {label}: {resp.status_code}"
        for name in attackers(kind):
            resp = request(client, method, path, world.actors[name].token)
            where = f"{method} {path} as {name}: {resp.status_code}"
            learner_on_staff_page = kind == STAFF_ROUTE and not name.startswith("staff")
            if rule.arguments or learner_on_staff_page or kind == ADMIN_ROUTE:
                # It names the victim's objects, or the attacker has no business here at all: refuse.
                assert refused(kind, resp), where
            # Otherwise (no id in the URL) the attacker acts on their own course at most.
            assert not leaks(resp), f"{where} shows the victim's data"
        assert snapshot(app, world.ids["attempt_id"]) == before, f"{method} {path} changed the victim's attempt"
        checked += 1
    assert checked >= 11


def test_own_objects_stay_reachable(world, client):
    """The control: the victim and the course's instructor do get through (the refusals above are not vacuous)."""
    v, s = world.actors["victim"], world.actors["staff_A1"]
    assert request(client, "GET", f"/attempt/{v.attempt_id}", v.token).status_code == 200
    saved = request(client, "POST", f"/attempt/{v.attempt_id}/save", v.token)
    assert saved.status_code not in REFUSED, saved.get_data(as_text=True)
    page = request(client, "GET", "/instructor/", s.token)
    assert page.status_code == 200 and VICTIM_NAME in page.get_data(as_text=True)
    staff_b1 = request(client, "GET", "/instructor/", world.actors["staff_B1"].token)
    assert staff_b1.status_code == 200 and not leaks(staff_b1)


def test_accommodation_for_a_user_of_another_course_is_refused(world, client):
    """An instructor of A2 cannot grant (or probe) accommodations for a student who only studies in A1."""
    s = world.actors["staff_A2"]
    resp = client.post(f"/instructor/accommodations/{world.ids['user_id']}",
                       data={"lt": s.token, "time_multiplier": "2", "extra_attempts": "5"})
    assert resp.status_code in REFUSED
