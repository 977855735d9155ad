"""Launch validation: the happy path, and every token we must refuse with a clear 4xx."""
import time

import pytest

from tests.support.platform import INSTRUCTOR, LTI, new_key


def test_student_launch_lands_on_attempt_page(client, platform):
    resp, _, _ = platform.launch(client)
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The attempt's start page: 10 questions, and the Start button (the clock starts there).
    assert 'id="start-button"' in html and "<dd>10" in html


def test_instructor_launch_goes_to_overview(client, platform):
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    assert resp.status_code == 303 and "/instructor/" in resp.headers["Location"]
    assert client.get(resp.headers["Location"]).status_code == 200


def _assert_refused(resp, status, phrase):
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_data(as_text=True)
    assert phrase.lower() in body.lower()
    assert "Traceback" not in body


def test_bad_signature_is_refused(client, platform):
    other_key, _ = new_key()
    state, nonce = platform.login(client)
    token = platform.sign(platform.claims(nonce), key=other_key)  # right kid, wrong key
    _assert_refused(client.post("/lti/launch", data={"id_token": token, "state": state}), 401, "could not be verified")


def test_unknown_kid_is_refused_after_one_refetch(client, platform):
    other_key, other_jwk = new_key(kid="not-published")
    state, nonce = platform.login(client)
    token = platform.sign(platform.claims(nonce), key=other_key, kid="not-published")
    _assert_refused(client.post("/lti/launch", data={"id_token": token, "state": state}), 401, "key the platform does not publish")


def test_rotated_platform_key_is_found_by_refetching_jwks(client, platform):
    platform.launch(client)  # caches the JWKS
    new, jwk = new_key(kid="rotated")
    platform.jwks = {"keys": [platform.jwk, jwk]}
    state, nonce = platform.login(client)
    token = platform.sign(platform.claims(nonce), key=new, kid="rotated")
    assert client.post("/lti/launch", data={"id_token": token, "state": state}).status_code == 303


def test_expired_token_is_refused(client, platform):
    now = int(time.time())
    resp, _, _ = platform.launch(client, claims_overrides={"iat": now - 600, "exp": now - 300})
    _assert_refused(resp, 401, "expired")


def test_token_without_exp_is_refused(client, platform):
    state, nonce = platform.login(client)
    claims = platform.claims(nonce)
    del claims["exp"]
    resp = client.post("/lti/launch", data={"id_token": platform.sign(claims), "state": state})
    _assert_refused(resp, 401, "missing the required claim: exp")


def test_replayed_nonce_is_refused(client, platform):
    resp, token, state = platform.launch(client)
    assert resp.status_code == 303
    again = client.post("/lti/launch", data={"id_token": token, "state": state})
    _assert_refused(again, 401, "already used")


def test_token_nonce_must_match_the_login(client, platform):
    state, _ = platform.login(client)
    token = platform.sign(platform.claims("some-other-nonce"))
    _assert_refused(client.post("/lti/launch", data={"id_token": token, "state": state}), 401, "nonce")


def test_wrong_aud_is_refused(client, platform):
    resp, _, _ = platform.launch(client, claims_overrides={"aud": "someone-else", "azp": "someone-else"})
    _assert_refused(resp, 403, "no platform is registered")


def test_aud_list_needs_azp_naming_our_client(client, platform):
    resp, _, _ = platform.launch(client, claims_overrides={"aud": ["other", platform.client_id], "azp": "other"})
    assert resp.status_code in (401, 403)
    state, nonce = platform.login(client)
    claims = platform.claims(nonce)
    claims.update(aud=["other", platform.client_id])
    del claims["azp"]
    _assert_refused(client.post("/lti/launch", data={"id_token": platform.sign(claims), "state": state}), 401, "azp")


def test_aud_list_with_our_azp_is_accepted(client, platform):
    resp, _, _ = platform.launch(client, claims_overrides={"aud": ["other", platform.client_id], "azp": platform.client_id})
    assert resp.status_code == 303


def test_unknown_deployment_is_refused(client, platform):
    resp, _, _ = platform.launch(client, claims_overrides={LTI + "deployment_id": "not-registered"})
    _assert_refused(resp, 403, "not-registered")


def test_unknown_deployment_at_login_is_refused(client, platform):
    resp = client.post("/lti/login", data={"iss": platform.issuer, "login_hint": "x", "client_id": platform.client_id,
                                           "lti_deployment_id": "nope", "target_link_uri": "http://tool.test/lti/launch"})
    _assert_refused(resp, 403, "nope")


def test_unknown_issuer_at_login_is_refused(client, platform):
    resp = client.post("/lti/login", data={"iss": "https://evil.test", "login_hint": "x", "client_id": "c"})
    _assert_refused(resp, 403, "no platform is registered")


def test_launch_without_resource_link_is_refused(client, platform):
    resp, _, _ = platform.launch(client, claims_overrides={LTI + "resource_link": None})
    _assert_refused(resp, 400, "no resource link")


def test_garbage_token_is_refused(client, platform):
    state, _ = platform.login(client)
    _assert_refused(client.post("/lti/launch", data={"id_token": "a.b", "state": state}), 400, "not valid")


def test_missing_id_token_is_refused(client):
    _assert_refused(client.post("/lti/launch", data={}), 400, "no id_token")


def test_state_cookie_for_another_login_is_refused(client, platform):
    state1, _ = platform.login(client)
    state2, nonce2 = platform.login(client)
    client.delete_cookie(f"lti1p3-rapport-lti-state-{state2}")  # this browser never saw login 2
    token = platform.sign(platform.claims(nonce2))
    _assert_refused(client.post("/lti/launch", data={"id_token": token, "state": state2}), 401, "another browser")


@pytest.mark.parametrize("path", ["/lti/jwks"])
def test_jwks_publishes_our_key(client, path):
    keys = client.get(path).get_json()["keys"]
    assert keys and all({"kid", "n", "e", "alg"} <= set(k) for k in keys)
    assert all("d" not in k for k in keys)


def test_launch_with_resource_link_claim_absent_is_refused(client, platform):
    state, nonce = platform.login(client)
    claims = platform.claims(nonce)
    del claims[LTI + "resource_link"]
    _assert_refused(client.post("/lti/launch", data={"id_token": platform.sign(claims), "state": state}), 400,
                    "no resource link")


def test_two_launches_started_together_both_succeed(client, platform):
    """Two tabs: both logins run before either launch posts; each state has its own cookie."""
    state1, nonce1 = platform.login(client)
    state2, nonce2 = platform.login(client)
    assert client.post("/lti/launch", data={"id_token": platform.sign(platform.claims(nonce1)), "state": state1}).status_code == 303
    assert client.post("/lti/launch", data={"id_token": platform.sign(platform.claims(nonce2)), "state": state2}).status_code == 303


def test_a_flood_of_unknown_kids_refetches_the_key_set_once_per_interval(app, client, platform):
    app.config["JWKS_REFETCH_INTERVAL"] = 2
    platform.launch(client)  # caches the JWKS
    fetched = platform.jwks_fetches
    bogus, _ = new_key(kid="made-up")
    for i in range(6):
        state, nonce = platform.login(client)
        token = platform.sign(platform.claims(nonce), key=bogus, kid=f"made-up-{i}")
        _assert_refused(client.post("/lti/launch", data={"id_token": token, "state": state}), 401,
                        "key the platform does not publish")
    assert platform.jwks_fetches == fetched + 1, "one refetch for six unknown kids within the interval"
    # After the interval, a genuinely rotated key is found by one more refetch.
    time.sleep(2.1)
    new, jwk = new_key(kid="rotated-later")
    platform.jwks = {"keys": [platform.jwk, jwk]}
    state, nonce = platform.login(client)
    token = platform.sign(platform.claims(nonce), key=new, kid="rotated-later")
    assert client.post("/lti/launch", data={"id_token": token, "state": state}).status_code == 303
    assert platform.jwks_fetches == fetched + 2


def _state_cookies(client) -> list[str]:
    return [c.key for c in client._cookies.values() if c.key.startswith("lti1p3-rapport-lti-state-")]


def test_a_launch_expires_the_state_cookie_it_consumed(client, platform):
    platform.launch(client)
    assert _state_cookies(client) == []


def test_many_launches_in_one_browser_keep_its_cookie_header_small(client, platform):
    """One browser launching again and again inside the state TTL (a student reopening the
    activity) must not pile up a cookie per login until the server refuses the headers (431)."""
    for _ in range(60):
        resp, _, _ = platform.launch(client)
        assert resp.status_code == 303
    assert _state_cookies(client) == []
    # Logins abandoned before their launch (closed tabs) are capped, oldest expired first.
    states = [platform.login(client)[0] for _ in range(30)]
    kept = _state_cookies(client)
    assert len(kept) <= 8
    assert f"lti1p3-rapport-lti-state-{states[-1]}" in kept
    assert f"lti1p3-rapport-lti-state-{states[0]}" not in kept
