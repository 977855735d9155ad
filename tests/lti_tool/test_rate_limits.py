"""Rate limits: 429 with Retry-After past the limit, a class launching together never refused,
and counters shared across app hosts through Redis when RAPPORT_REDIS_URL is set."""
import uuid

import pytest

from config import settings_for_tests
from lti_tool import rate_limits

REDIS_URL = "redis://127.0.0.1:6379/15"


def make_app(tmp_path, template_db, **overrides):
    import shutil

    from lti_tool import create_app
    path = tmp_path / f"{uuid.uuid4().hex}.db"
    shutil.copy(template_db, path)
    return create_app(settings_for_tests(f"sqlite:///{path}", **overrides))


def login(client, platform, addr="10.0.0.1"):
    return client.post("/lti/login", data={"iss": platform.issuer, "login_hint": "s", "client_id": platform.client_id,
                                           "lti_deployment_id": platform.deployment_id,
                                           "target_link_uri": "http://tool.test/lti/launch"},
                       environ_base={"REMOTE_ADDR": addr})


def test_login_over_the_limit_gets_429_with_retry_after(app, client, platform):
    app.config["RATE_LIMIT_LTI"] = "3 per minute"
    assert [login(client, platform).status_code for _ in range(3)] == [302] * 3
    resp = login(client, platform)
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert "Traceback" not in resp.get_data(as_text=True)
    assert login(client, platform, addr="10.0.0.2").status_code == 302  # another address has its own budget


def test_launch_is_limited_separately(app, client, platform):
    app.config["RATE_LIMIT_LTI"] = "2 per minute"
    codes = [client.post("/lti/launch", data={}, environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_autosave_is_limited_per_attempt_and_answers_json(app, client, platform):
    app.config["RATE_LIMIT_AUTOSAVE"] = "2 per minute"
    resp, _, _ = platform.launch(client)
    url = resp.headers["Location"]
    attempt_id = int(url.split("/attempt/")[1].split("?")[0])
    token = url.split("lt=")[1]
    post = lambda aid: client.post(f"/attempt/{aid}/save", data={"position": 1, "seq": 1},  # noqa: E731
                                   headers={"X-Launch-Token": token, "Accept": "application/json"})
    assert post(attempt_id).status_code != 429 and post(attempt_id).status_code != 429
    limited = post(attempt_id)
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert "error" in limited.get_json()
    # Someone hammering another attempt id from elsewhere does not use up this student's budget.
    assert post(attempt_id + 1000).status_code != 429


def test_a_class_launching_together_is_never_refused(app, client, platform):
    """400 students behind one NAT address log in within the same minute under the default limits."""
    assert all(login(client, platform, addr="192.0.2.7").status_code == 302 for _ in range(400))


def test_default_limits_leave_room_for_a_lecture_hall(app):
    from limits import parse
    lti = parse(app.config["RATE_LIMIT_LTI"])
    # two full sections per minute per address, each student's login and launch two requests
    # (Platform Storage: probe + login, storage check + launch)
    assert lti.amount / lti.get_expiry() * 60 >= 2 * 2 * 400
    save = parse(app.config["RATE_LIMIT_AUTOSAVE"])
    assert save.amount / save.get_expiry() >= 2  # two saves a second, sustained, per attempt


def test_every_limited_endpoint_exists_or_is_the_admin_login(app):
    missing = [e for e in rate_limits.LIMITS if e not in app.view_functions]
    assert set(missing) <= {"admin.login"}, missing


def test_trusted_proxy_address_is_the_client(tmp_path, template_db, platform):
    # the proxy's own address must be trusted too (RAPPORT_FORWARDED_ALLOW_IPS, as gunicorn's)
    app = make_app(tmp_path, template_db, TRUSTED_PROXIES=1, RATE_LIMIT_LTI="1 per minute",
                   FORWARDED_ALLOW_IPS=("10.9.9.0/24",))
    platform.register(app)
    client = app.test_client()
    send = lambda ip: login(client, platform, addr="10.9.9.9").status_code if ip is None else client.post(  # noqa: E731
        "/lti/login", data={"iss": platform.issuer, "login_hint": "s", "client_id": platform.client_id},
        headers={"X-Forwarded-For": ip}, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
    assert send("203.0.113.1") == 302 and send("203.0.113.2") == 302  # one proxy, two clients
    assert send("203.0.113.1") == 429


@pytest.fixture
def redis_client():
    import redis
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    yield client


def test_limits_are_shared_by_two_hosts_through_redis(tmp_path, template_db, platform, redis_client):
    prefix = "rapport-test-" + uuid.uuid4().hex
    hosts = [make_app(tmp_path, template_db, REDIS_URL=REDIS_URL, RATE_LIMIT_KEY_PREFIX=prefix,
                      RATE_LIMIT_LTI="3 per minute") for _ in range(2)]
    for h in hosts:
        platform.register(h)
    try:
        a, b = (h.test_client() for h in hosts)
        assert [login(c, platform).status_code for c in (a, b, a)] == [302, 302, 302]
        assert login(b, platform).status_code == 429  # host B saw host A's two requests
        assert redis_client.keys(f"*{prefix}*")
    finally:
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)


def test_shared_state_picks_redis_only_when_configured():
    from lti_tool import shared_state
    assert shared_state.backend({}) == "memory" and shared_state.limiter_storage_uri({}) == "rapport-memory://"
    assert shared_state.redis_client({}) is None
    conf = {"REDIS_URL": REDIS_URL}
    assert shared_state.backend(conf) == "redis" and shared_state.limiter_storage_uri(conf) == REDIS_URL
    assert shared_state.redis_client(conf) is shared_state.redis_client(conf)
