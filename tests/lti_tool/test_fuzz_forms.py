"""Fuzzing every form and JSON endpoint (hypothesis): whatever a signed-in learner or instructor
posts, the answer is a page or a clear 4xx, never a 500 or a traceback.

The routes come from the app's url_map (the audiences declared in test_isolation), so a new
POST route is fuzzed as soon as it exists; the field names come from the rendered pages, so
the fuzzer knows every field the real forms send.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.lti_tool.test_isolation import ADMIN_ROUTE, LEARNER_ROUTE, PUBLIC, STAFF_ROUTE, audience
from tests.support.platform import INSTRUCTOR

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "-1", "1", "2", "99999999999999999999", "1e309", "nan", "inf", "-0", "1.5", "true",
                     "on", "None", "null", "[]", "{}", "a", "b", "c1", "r1", "s1", "=1+1", "<script>", "\x00",
                     "' OR 1=1 --", "../../etc/passwd", "%00", "\ud7ff", "x" * 5000]),
)


@pytest.fixture
def signed_in(app, client, platform):
    learner, _, _ = platform.launch(client)
    staff, _, _ = platform.launch(client, sub="teacher", roles=(INSTRUCTOR,))
    lurl, surl = learner.headers["Location"], staff.headers["Location"]
    page = client.get(lurl).get_data(as_text=True) + client.get(surl).get_data(as_text=True)
    names = sorted(set(re.findall(r'name="([^"]+)"', page)) - {"lt"})
    return {
        "learner": re.search(r"lt=([^&]+)", lurl).group(1),
        "staff": re.search(r"lt=([^&]+)", surl).group(1),
        "attempt_id": int(re.search(r"/attempt/(\d+)", lurl).group(1)),
        "names": names,
    }


def post_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" in rule.methods and audience(rule.endpoint) not in (PUBLIC, None):
            yield rule


def own_path(rule, ctx) -> str:
    path = rule.rule
    for arg in rule.arguments:
        value = ctx["attempt_id"] if arg == "attempt_id" else 1
        path = re.sub(r"<(?:[^:<>]+:)?%s>" % arg, str(value), path)
    return path


def token_for(rule, ctx):
    kind = audience(rule.endpoint)
    return ctx["learner"] if kind == LEARNER_ROUTE else ctx["staff"] if kind == STAFF_ROUTE else None


def assert_clean(resp, where):
    body = resp.get_data(as_text=True)
    assert resp.status_code < 500, f"{where}: {resp.status_code} {body[:300]}"
    assert "Traceback" not in body, where


def test_there_are_post_routes_to_fuzz(app):
    kinds = {audience(r.endpoint) for r in post_routes(app)}
    assert {LEARNER_ROUTE, STAFF_ROUTE} <= kinds


def test_forms_fuzzed(app, client, signed_in):
    names = signed_in["names"] + ["position", "seq", "has_answers", "timed_out", "queue", "extra", "q1", "q1-0"]
    rules = list(post_routes(app))

    @FUZZ
    @given(st.sampled_from(rules), st.dictionaries(st.sampled_from(names) | st.text(max_size=12), VALUES, max_size=12))
    def check(rule, form):
        token = token_for(rule, signed_in)
        form = {k: v for k, v in form.items() if "\x00" not in k}
        resp = client.post(own_path(rule, signed_in), data={**form, "lt": token} if token else form,
                           headers={"Accept": "application/json"})
        assert_clean(resp, f"POST {rule.rule} {form!r}"[:300])
    check()


def test_bodies_of_any_type_fuzzed(app, client, signed_in):
    rules = list(post_routes(app))

    @FUZZ
    @given(st.sampled_from(rules), st.binary(max_size=512),
           st.sampled_from(["application/json", "application/x-www-form-urlencoded", "multipart/form-data",
                            "text/plain", "multipart/form-data; boundary=x", "application/json; charset=utf-16"]))
    def check(rule, body, ctype):
        token = token_for(rule, signed_in)
        headers = {"Content-Type": ctype, "Accept": "application/json"}
        if token:
            headers["X-Launch-Token"] = token
        resp = client.post(own_path(rule, signed_in), data=body, headers=headers)
        assert_clean(resp, f"POST {rule.rule} {ctype} {body[:60]!r}")
    check()


def test_admin_routes_are_in_the_fuzz_once_they_exist(app):
    """Admin forms need an admin session; until the admin pages exist there is nothing to fuzz here."""
    admin = [r for r in post_routes(app) if audience(r.endpoint) == ADMIN_ROUTE]
    if not admin:
        pytest.skip("no admin POST routes in this build")
    for rule in admin:  # without a session every admin post is refused cleanly, whatever it carries
        assert_clean(app.test_client().post(own_path(rule, {"attempt_id": 1}), data={"x": "=1"}), rule.rule)
