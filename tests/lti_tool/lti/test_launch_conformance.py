"""Launch-validation conformance: every hostile launch gets a clear 4xx and records nothing.

Each attack logs in through /lti/login like a real platform would, then posts an id_token
altered in one way. `ATTACKS` is also the table in the security notes (attack -> status).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from lti_tool.extensions import db
from lti_tool.models import Assignment, Attempt, Context, LaunchState, ResourceLink, User
from tests.support.platform import LEARNER, LTI, TestPlatform, new_key

RECORDED = (User, Context, ResourceLink, Assignment, Attempt)


def counts(app) -> dict:
    with app.app_context():
        return {m.__name__: db.session.scalar(db.select(db.func.count()).select_from(m)) for m in RECORDED}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def post(client, state, token, **extra):
    return client.post("/lti/launch", data={"id_token": token, "state": state, **extra})


def launch_with(mutate=None, *, sign=None):
    """An attack: log in, build the normal claims, let `mutate` change them, sign (or forge) and post."""
    def run(client, platform, env):
        state, nonce = platform.login(client)
        claims = platform.claims(nonce)
        if mutate:
            mutate(claims, platform, env)
        token = sign(claims, platform, env) if sign else platform.sign(claims)
        return post(client, state, token)
    return run


def drop(*names):
    def mutate(claims, platform, env):
        for n in names:
            claims.pop(n, None)
    return mutate


def put(**values):
    def mutate(claims, platform, env):
        claims.update({(LTI + k[4:] if k.startswith("lti_") else k): v for k, v in values.items()})
    return mutate


def no_kid(claims, platform, env):
    return jwt.encode(claims, platform.key, algorithm="RS256")


def unknown_kid(claims, platform, env):
    key, _ = new_key()
    return platform.sign(claims, key=key, kid="kid-nobody-publishes")


def alg_none(claims, platform, env):
    header = {"alg": "none", "typ": "JWT", "kid": platform.jwk["kid"]}
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}."


def hs256_with_public_key(claims, platform, env):
    """The classic key-confusion forgery: HMAC keyed with the platform's public key PEM."""
    pem = platform.key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': platform.jwk['kid']}).encode())}." \
                    f"{b64(json.dumps(claims).encode())}"
    return signing_input + "." + b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())


def rs512_against_rs256_key(claims, platform, env):
    return jwt.encode(claims, platform.key, algorithm="RS512", headers={"kid": platform.jwk["kid"]})


def wrong_key_same_kid(claims, platform, env):
    key, _ = new_key()
    return platform.sign(claims, key=key)


def other_platforms_key(claims, platform, env):
    """Tenant B signs a token claiming to be tenant A."""
    other = env["other"]
    return other.sign(claims)


def expired(claims, platform, env):
    now = int(time.time())
    claims.update(iat=now - 600, exp=now - 300)


def issued_in_future(claims, platform, env):
    now = int(time.time())
    claims.update(iat=now + 600, exp=now + 660)


def aud_list_without_azp(claims, platform, env):
    claims["aud"] = ["someone-else", platform.client_id]
    claims.pop("azp")


def aud_list_with_foreign_azp(claims, platform, env):
    claims.update(aud=["someone-else", platform.client_id], azp="someone-else")


def foreign_deployment(claims, platform, env):
    claims[LTI + "deployment_id"] = env["other"].deployment_id


def replayed(client, platform, env):
    state, nonce = platform.login(client)
    token = platform.sign(platform.claims(nonce))
    assert post(client, state, token).status_code == 303
    env["baseline"] = counts(env["app"])  # the first, genuine launch may record; the replay may not
    return post(client, state, token)


def state_of_another_login(client, platform, env):
    _, nonce = platform.login(client)
    other_state, _ = platform.login(client)
    return post(client, other_state, platform.sign(platform.claims(nonce)))


def unknown_state(client, platform, env):
    state, nonce = platform.login(client)
    client.delete_cookie(f"lti1p3-rapport-lti-state-{state}")  # a cookieless iframe: only the database decides
    return post(client, "state-never-issued", platform.sign(platform.claims(nonce)))


def missing_state(client, platform, env):
    _, nonce = platform.login(client)
    return client.post("/lti/launch", data={"id_token": platform.sign(platform.claims(nonce))})


def state_cookie_of_another_login(client, platform, env):
    state1, _ = platform.login(client)
    state2, nonce2 = platform.login(client)
    client.delete_cookie(f"lti1p3-rapport-lti-state-{state2}")  # this browser never saw login 2
    return post(client, state2, platform.sign(platform.claims(nonce2)))


def state_from_other_platform(client, platform, env):
    """A state issued at tenant B's login cannot carry tenant A's launch."""
    other = env["other"]
    other_state, _ = other.login(client)
    _, nonce = platform.login(client)
    return post(client, other_state, platform.sign(platform.claims(nonce)))


def oversized_request(client, platform, env):
    state, nonce = platform.login(client)
    return post(client, state, platform.sign(platform.claims(nonce)), padding="x" * (65 * 1024))


def one_megabyte_token(client, platform, env):
    state, nonce = platform.login(client)
    claims = platform.claims(nonce)
    claims[LTI + "custom"] = {"blob": "x" * (1024 * 1024)}
    return post(client, state, platform.sign(claims))


def body_not_an_object(claims, platform, env):
    return f"{b64(json.dumps({'alg': 'RS256', 'kid': platform.jwk['kid']}).encode())}.{b64(b'[1]')}.x"


def oversized_login(client, platform, env):
    return client.post("/lti/login", data={"iss": platform.issuer, "login_hint": "x" * (65 * 1024),
                                           "client_id": platform.client_id})


# name -> (attack, expected status, a phrase the error page must contain)
ATTACKS = {
    "no kid": (launch_with(sign=no_kid), 401, "names no key"),
    "unknown kid": (launch_with(sign=unknown_kid), 401, "does not publish"),
    "alg none": (launch_with(sign=alg_none), 401, "algorithm"),
    "HS256 signed with the platform's public key": (launch_with(sign=hs256_with_public_key), 401, "HS256"),
    "RS512 against the platform's RS256 key": (launch_with(sign=rs512_against_rs256_key), 401, "RS512"),
    "bad signature (right kid, wrong key)": (launch_with(sign=wrong_key_same_kid), 401, "could not be verified"),
    "signed by another tenant's key": (launch_with(sign=other_platforms_key), 401, "does not publish"),
    "expired": (launch_with(expired), 401, "expired"),
    "exp missing": (launch_with(drop("exp")), 401, "exp"),
    "iat missing": (launch_with(drop("iat")), 401, "iat"),
    "iat in the future": (launch_with(issued_in_future), 401, "future"),
    "wrong iss": (launch_with(put(iss="https://evil.test")), 403, "no platform is registered"),
    "iss missing": (launch_with(drop("iss")), 400, "iss"),
    "wrong aud": (launch_with(put(aud="someone-else", azp="someone-else")), 403, "no platform is registered"),
    "aud missing": (launch_with(drop("aud", "azp")), 403, "no platform is registered"),
    "sub missing": (launch_with(drop("sub")), 400, "no user"),
    "sub empty": (launch_with(put(sub="")), 400, "no user"),
    "sub not a string": (launch_with(put(sub={"id": 1})), 401, "subject must be a string"),
    "aud list without azp": (launch_with(aud_list_without_azp), 401, "azp"),
    "aud list with a foreign azp": (launch_with(aud_list_with_foreign_azp), 403, "no platform is registered"),
    "nonce missing": (launch_with(drop("nonce")), 401, "nonce"),
    "wrong nonce": (launch_with(put(nonce="nonce-of-nobody")), 401, "not valid"),
    "replayed id_token": (replayed, 401, "already used"),
    "state of another login": (state_of_another_login, 401, "not valid"),
    "state never issued": (unknown_state, 401, "not valid"),
    "state missing": (missing_state, 400, "no state"),
    "state cookie of another login": (state_cookie_of_another_login, 401, "another browser"),
    "state issued to another platform": (state_from_other_platform, 401, "not valid"),
    "deployment_id missing": (launch_with(drop(LTI + "deployment_id")), 403, "deployment"),
    "deployment_id unknown": (launch_with(put(lti_deployment_id="dep-unknown")), 403, "dep-unknown"),
    "deployment_id of another platform": (launch_with(foreign_deployment), 403, "dep-2"),
    "message_type wrong": (launch_with(put(lti_message_type="LtiSubmissionReviewRequest")), 400, "message_type"),
    "message_type missing": (launch_with(drop(LTI + "message_type")), 400, "message_type"),
    "version wrong": (launch_with(put(lti_version="1.1")), 400, "version"),
    "version missing": (launch_with(drop(LTI + "version")), 400, "version"),
    "resource link without id": (launch_with(put(lti_resource_link={"title": "x"})), 400, "no resource link"),
    "resource link claim missing": (launch_with(drop(LTI + "resource_link")), 400, "no resource link"),
    "roles missing": (launch_with(drop(LTI + "roles")), 400, "roles"),
    "roles not a list": (launch_with(put(lti_roles=LEARNER)), 400, "roles"),
    "target_link_uri on another host": (launch_with(put(lti_target_link_uri="https://evil.test/lti/launch")), 403,
                                        "another tool"),
    "target_link_uri on a look-alike host": (
        launch_with(put(lti_target_link_uri="http://tool.test.evil.test/lti/launch")), 403, "another tool"),
    "target_link_uri with userinfo": (launch_with(put(lti_target_link_uri="http://tool.test@evil.test/lti/launch")),
                                      403, "another tool"),
    "target_link_uri over another scheme": (launch_with(put(lti_target_link_uri="https://tool.test/lti/launch")), 403,
                                            "another tool"),
    "target_link_uri missing": (launch_with(drop(LTI + "target_link_uri")), 400, "target_link_uri"),
    "request over 64 KB": (oversized_request, 413, "too large"),
    "1 MB id_token": (one_megabyte_token, 413, "too large"),
    "login request over 64 KB": (oversized_login, 413, "too large"),
    "not a JWT": (launch_with(sign=lambda c, p, e: "a.b"), 400, "not valid"),
    "JWT whose body is not an object": (launch_with(sign=body_not_an_object), 400, "not a json web token"),
}


@pytest.fixture
def env(app, platform):
    other = TestPlatform(issuer="https://other-lms.test", client_id="client-2", deployment_id="dep-2")
    other.register(app)
    yield {"app": app, "other": other}
    other.server.stop()


@pytest.mark.parametrize("name", list(ATTACKS))
def test_hostile_launch_is_refused_and_records_nothing(name, app, client, platform, env):
    attack, status, phrase = ATTACKS[name]
    env["baseline"] = counts(app)
    resp = attack(client, platform, env)
    body = resp.get_data(as_text=True)
    assert resp.status_code == status, f"{name}: {resp.status_code} {body[:400]}"
    assert phrase.lower() in body.lower(), f"{name}: {body[:400]}"
    assert "Traceback" not in body
    assert counts(app) == env["baseline"], f"{name} recorded something"


def test_error_answers_json_to_a_json_client(client, platform):
    state, nonce = platform.login(client)
    claims = platform.claims(nonce)
    claims[LTI + "target_link_uri"] = "https://evil.test/"
    resp = client.post("/lti/launch", data={"id_token": platform.sign(claims), "state": state},
                       headers={"Accept": "application/json"})
    assert resp.status_code == 403 and "another tool" in resp.get_json()["error"]


def test_a_refused_launch_leaves_its_login_usable(app, client, platform):
    """Validation failures before the nonce check do not burn the state: a corrected post still works."""
    state, nonce = platform.login(client)
    claims = platform.claims(nonce)
    bad = dict(claims, **{LTI + "target_link_uri": "https://evil.test/"})
    assert post(client, state, platform.sign(bad)).status_code == 403
    with app.app_context():
        assert db.session.get(LaunchState, state).used_at is None
    assert post(client, state, platform.sign(claims)).status_code == 303


def test_oversized_token_is_refused_even_under_a_raised_body_cap(app, client, platform):
    app.config["LTI_MAX_REQUEST_BYTES"] = 4 * 1024 * 1024
    resp = one_megabyte_token(client, platform, {})
    assert resp.status_code == 413 and "larger than 64 KB" in resp.get_data(as_text=True)


def test_target_link_uri_under_a_base_path(app, client, platform):
    """Behind a proxy at https://host/rapport, only URIs under /rapport are ours."""
    app.config["BASE_URL"] = "http://tool.test/rapport"
    refused = launch_with(put(lti_target_link_uri="http://tool.test/rapportx/lti/launch"))(client, platform, {})
    assert refused.status_code == 403
    ok = launch_with(put(lti_target_link_uri="http://tool.test/rapport/lti/launch?x=1"))(client, platform, {})
    assert ok.status_code == 303, ok.get_data(as_text=True)


UNKNOWN = "http://example.org/roles#Wizard"
INSTITUTION_STUDENT = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"
SYSTEM_USER = "http://purl.imsglobal.org/vocab/lis/v2/system/person#User"
VALID = {
    "many roles": dict(roles=[LEARNER, INSTITUTION_STUDENT, SYSTEM_USER,
                              "http://purl.imsglobal.org/vocab/lis/v2/membership#Member"] * 5),
    "unknown roles beside Learner": dict(roles=[UNKNOWN, LEARNER, "Wizard"]),
    "short-form role": dict(roles=["Learner"]),
    "empty roles": dict(roles=[]),
    "extra institution and system roles": dict(roles=[LEARNER, INSTITUTION_STUDENT, SYSTEM_USER,
                                                      "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"]),
    "no name or email": dict(claims_overrides={"name": None, "given_name": None, "family_name": None, "email": None}),
    "extra unknown claims": dict(claims_overrides={"https://example.org/claim/x": {"deep": [1, 2, {"a": None}]}}),
    "aud list with our azp": dict(claims_overrides={"aud": ["other", "client-1"], "azp": "client-1"}),
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_launch_variants_pass(name, app, client, platform):
    kwargs = dict(VALID[name])
    overrides = {k: v for k, v in kwargs.pop("claims_overrides", {}).items()}
    state, nonce = platform.login(client)
    claims = platform.claims(nonce, **kwargs)
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    resp = post(client, state, platform.sign(claims))
    assert resp.status_code == 303, resp.get_data(as_text=True)
    assert "/attempt/" in resp.headers["Location"]
    assert client.get(resp.headers["Location"]).status_code == 200


def test_short_form_instructor_is_staff(client, platform):
    resp, _, _ = platform.launch(client, sub="teacher-9", roles=("Instructor",))
    assert resp.status_code == 303 and "/instructor/" in resp.headers["Location"]


def test_observer_only_is_refused_with_a_reason(app, client, platform):
    before = counts(app)
    resp, _, _ = platform.launch(client, roles=("http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor",))
    assert resp.status_code == 403 and "role" in resp.get_data(as_text=True)
    assert counts(app) == before


def test_instructor_role_in_an_unknown_namespace_is_not_staff(client, platform):
    resp, _, _ = platform.launch(client, roles=(LEARNER, "http://evil.test/membership#Instructor"))
    assert resp.status_code == 303 and "/attempt/" in resp.headers["Location"]
