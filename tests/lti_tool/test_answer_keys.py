"""Answer keys, rationales and option techniques never reach the browser before the feedback
policy allows them: on the attempt page, in autosave JSON, on the review page under "never" and
"after the due date" (before it), for every item type and every case study (unfolds included).

Method: one attempt holding the whole bundled bank. The stored item definitions are then
rewritten with sentinels in every key, rationale and technique. A page that is the same,
byte for byte, with real and sentinel keys does not depend on the keys; a page without a
sentinel string does not show rationales or techniques. A control shows the sentinels do
appear once the policy allows feedback, so the absence is not vacuous.
"""
from __future__ import annotations

import copy
import re
from datetime import timedelta

from lti_tool.extensions import db
from lti_tool.models import Assignment, Attempt
from lti_tool.models.base import utcnow
from tests.support.platform import INSTRUCTOR

SECRET = "SENTINEL"
TOKEN = re.compile(r"[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{16,}")
NONCE = re.compile(r"nonce-[A-Za-z0-9_\-]+|nonce=\"[^\"]+\"")


def sentinel(value, counter, keep_keys=False):
    """Same shape, different content: every key, rationale and technique becomes a sentinel."""
    secret_fields = ("rationale", "technique", "feedback", "explanation") + (() if keep_keys else ("key",))
    if isinstance(value, dict):
        return {k: _replace(v, counter) if k in secret_fields else sentinel(v, counter, keep_keys)
                for k, v in value.items()}
    if isinstance(value, list):
        return [sentinel(v, counter, keep_keys) for v in value]
    return value


def _replace(v, counter):
    counter[0] += 1
    if isinstance(v, list):
        return [f"{SECRET}{counter[0]}-{i}" for i in range(len(v))]
    if isinstance(v, dict):
        return {k: _replace(x, counter) for k, x in v.items()}
    return f"{SECRET}{counter[0]}"


def normal(html: str) -> str:
    return NONCE.sub("nonce", TOKEN.sub("TOKEN", html))


def whole_bank_attempt(app, client, platform):
    staff, _, _ = platform.launch(client, sub="teacher", roles=(INSTRUCTOR,))
    assert staff.status_code == 303
    from question_bank.types import REGISTRY
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalar_one()
        # One item of each type, then as much of the bank as families allow (case studies come whole).
        a.blueprint = {"name": "everything", "sections": [{"filter": {"type": t}, "count": 1} for t in REGISTRY]
                       + [{"filter": {}, "count": 120}]}
        a.attempts_allowed = 0
        db.session.commit()
    resp, _, _ = platform.launch(client)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    url = resp.headers["Location"]
    attempt_id = int(re.search(r"/attempt/(\d+)", url).group(1))
    token = re.search(r"lt=([^&]+)", url).group(1)
    client.post(f"/attempt/{attempt_id}/start", data={"lt": token})  # past the start page, to the questions
    return attempt_id, url, token


def rewrite_definitions(app, attempt_id, fn):
    """Apply fn to the definition of every bank item in the attempt; return the originals."""
    originals = {}
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        for it in attempt.items:
            bi = it.bank_item
            originals[bi.id] = copy.deepcopy(bi.definition)
            bi.definition = fn(copy.deepcopy(bi.definition), bi.id)
        db.session.commit()
    return originals


def covered_types(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return ({it.bank_item.type for it in attempt.items},
                {it.bank_item.case_study for it in attempt.items if it.bank_item.case_study},
                any(it.bank_item.definition.get("unfold") for it in attempt.items))


def test_keys_rationales_and_techniques_stay_on_the_server(app, client, platform):
    from question_bank.types import REGISTRY
    attempt_id, url, token = whole_bank_attempt(app, client, platform)
    types, cases, unfolds = covered_types(app, attempt_id)
    assert types == set(REGISTRY) and len(cases) >= 1 and unfolds

    real_page = client.get(url)
    assert real_page.status_code == 200
    counter = [0]
    originals = rewrite_definitions(app, attempt_id, lambda d, _: sentinel(d, counter))
    assert counter[0] > 100
    sentinel_page = client.get(url)
    assert sentinel_page.status_code == 200, "the attempt page needs the key to render"
    html = sentinel_page.get_data(as_text=True)
    assert SECRET not in html, re.findall(SECRET + r"[\w-]*", html)[:5]
    assert normal(html) == normal(real_page.get_data(as_text=True)), "the attempt page changes with the key"

    save = client.post(f"/attempt/{attempt_id}/save", data={"position": "1", "seq": "1"},
                       headers={"X-Launch-Token": token, "Accept": "application/json"})
    assert save.status_code in (200, 400) and SECRET not in save.get_data(as_text=True)

    # Grade with the real keys; then the review page under each closed policy must not change
    # when keys, rationales and techniques are swapped for sentinels.
    rewrite_definitions(app, attempt_id, lambda d, bid: originals[bid])
    submitted = client.post(f"/attempt/{attempt_id}/submit", data={"lt": token})
    assert submitted.status_code == 303
    review_url = submitted.headers["Location"]

    def review_with(policy, due=None):
        with app.app_context():
            a = db.session.get(Attempt, attempt_id)
            a.assignment.feedback_policy = policy
            a.assignment.due_at = due
            a.due_at = due
            db.session.commit()
        page = client.get(review_url)
        assert page.status_code == 200, (policy, due)
        return page.get_data(as_text=True)

    closed = [("never", None), ("after_due", utcnow() + timedelta(days=3)), ("after_due", None)]
    real = [review_with(p, d) for p, d in closed]
    rewrite_definitions(app, attempt_id, lambda d, _: sentinel(d, [0]))
    for (policy, due), before in zip(closed, real):
        page = review_with(policy, due)
        assert SECRET not in page, (policy, re.findall(SECRET + r"[\w-]*", page)[:5])
        assert normal(page) == normal(before), f"the review page under {policy} changes with the key"

    # Control: with real keys and sentinel rationales, an open policy does show them,
    # so the absence above is not vacuous.
    rewrite_definitions(app, attempt_id, lambda d, bid: sentinel(copy.deepcopy(originals[bid]), [0], keep_keys=True))
    assert SECRET in review_with("after_due", utcnow() - timedelta(days=1))
    assert SECRET in review_with("after_submit")
