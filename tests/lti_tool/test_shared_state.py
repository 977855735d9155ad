"""What app hosts share through Redis (RAPPORT_REDIS_URL): OIDC state and nonce (single use, even
under a race), AGS access tokens keyed per (issuer, client_id, scopes), platform JWKS. Without
Redis the same calls fall back to the database (state) and this process (caches)."""
import shutil
import threading
import uuid

import pytest

from config import settings_for_tests
from lti_tool import shared_state
from tests.support.redis import REDIS_URL, redis_prefix  # noqa: F401 (fixture)


@pytest.fixture
def two_hosts(tmp_path, template_db, redis_prefix):  # noqa: F811
    """Two app instances on one database and one Redis, as two hosts behind a balancer."""
    from lti_tool import create_app
    from lti_tool.extensions import db
    client, prefix = redis_prefix
    path = tmp_path / "shared.db"
    shutil.copy(template_db, path)
    hosts = [create_app(settings_for_tests(f"sqlite:///{path}", REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix,
                                           RATE_LIMIT_KEY_PREFIX=prefix)) for _ in range(2)]
    yield hosts, client, prefix
    for h in hosts:
        with h.app_context():
            db.session.remove()
            db.engine.dispose()


def test_login_on_one_host_launch_on_the_other_and_never_twice(two_hosts):
    from lti_tool.extensions import db
    from lti_tool.models import LaunchState
    from tests.support.platform import TestPlatform
    (a, b), client, prefix = two_hosts
    platform = TestPlatform()
    try:
        platform.register(a)
        state, nonce = platform.login(a.test_client())
        assert client.ttl(f"{prefix}:launch-state:{state}") > 0  # in Redis, with its expiry
        with a.app_context():
            assert db.session.query(LaunchState).count() == 0  # not in the database
        id_token = platform.sign(platform.claims(nonce))
        resp = b.test_client().post("/lti/launch", data={"id_token": id_token, "state": state})
        assert resp.status_code == 303, resp.get_data(as_text=True)
        replay = a.test_client().post("/lti/launch", data={"id_token": id_token, "state": state})
        assert replay.status_code == 401 and "already used" in replay.get_data(as_text=True)
    finally:
        platform.server.stop()


def test_a_state_is_consumed_once_even_when_two_hosts_race(two_hosts):
    (a, b), _client, _prefix = two_hosts
    with a.app_context():
        shared_state.save_launch_state("state-race", "n-1", 7, 60)
    wins, barrier = [], threading.Barrier(8)

    def consume(app):
        with app.app_context():
            barrier.wait()
            wins.append(bool(shared_state.consume_launch_state("state-race", "n-1", 7)))
    threads = [threading.Thread(target=consume, args=(h,)) for h in (a, b) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]


def test_a_state_needs_its_own_nonce_and_platform(two_hosts):
    (a, _b), _client, _prefix = two_hosts
    with a.app_context():
        shared_state.save_launch_state("state-x", "nonce-x", 1, 60)
        assert not shared_state.consume_launch_state("state-x", "nonce-other", 1)
        # a wrong guess burns the state: a state is never tried twice
        assert not shared_state.consume_launch_state("state-x", "nonce-x", 1)
        shared_state.save_launch_state("state-y", "nonce-y", 1, 60)
        assert not shared_state.consume_launch_state("state-y", "nonce-y", 2)
        assert not shared_state.consume_launch_state("state-never", "n", 1)


def test_without_redis_state_lives_in_the_database(app, platform):
    from lti_tool.extensions import db
    from lti_tool.models import LaunchState
    state, nonce = platform.login(app.test_client())
    with app.app_context():
        assert db.session.get(LaunchState, state).nonce == nonce
        assert shared_state.consume_launch_state(state, nonce, db.session.get(LaunchState, state).platform_id)
        assert not shared_state.consume_launch_state(state, nonce, db.session.get(LaunchState, state).platform_id)


def test_access_tokens_are_shared_by_hosts_and_kept_apart_per_client_id(two_hosts):
    from lti_tool.lti.ags import SCORE_SCOPE, TenantServiceConnector, post_score
    from lti_tool.models import Platform
    from tests.support.platform import TestPlatform
    (a, b), client, prefix = two_hosts
    first, second = TestPlatform(client_id="key-1"), TestPlatform(client_id="key-2")
    second.issuer = first.issuer  # one Canvas issuer, two developer keys
    try:
        for p in (first, second):
            p.register(a)
        score = {"userId": "u1", "scoreGiven": 1, "scoreMaximum": 1, "activityProgress": "Completed",
                 "gradingProgress": "FullyGraded", "timestamp": "2026-01-01T00:00:00Z"}
        for host, p in ((a, first), (b, first), (b, second)):
            with host.app_context():
                plat = Platform.query.filter_by(client_id=p.client_id).one()
                assert post_score(plat, p.lineitem(), [SCORE_SCOPE], dict(score, timestamp=f"2026-01-0{len(p.scores) + 1}T00:00:00Z")).ok
        # host B reused host A's token for key-1; key-2 fetched its own
        assert len(first.token_requests) == 1 and len(second.token_requests) == 1
        assert first.scores[0]["auth"] == first.scores[1]["auth"] != second.scores[0]["auth"]
        keys = [k.decode() for k in client.scan_iter(f"{prefix}:ags-token:*")]
        assert sorted(k.split("|")[1] for k in keys) == ["key-1", "key-2"]
        with b.app_context():  # a 401 anywhere drops the token for every host
            TenantServiceConnector.forget(f"{first.issuer}|key-1|")
        assert [k.decode().split("|")[1] for k in client.scan_iter(f"{prefix}:ags-token:*")] == ["key-2"]
    finally:
        first.server.stop()
        second.server.stop()


def test_platform_keys_are_fetched_once_for_all_hosts(two_hosts):
    from tests.support.platform import TestPlatform
    (a, b), client, prefix = two_hosts
    platform = TestPlatform(issuer=f"https://lms-{uuid.uuid4().hex[:6]}.test")
    fetches = []
    original = platform.server.server.app
    def counting(environ, start_response):
        if environ["PATH_INFO"] == "/jwks":
            fetches.append(1)
        return original(environ, start_response)
    platform.server.server.app = counting
    try:
        platform.register(a)
        for host in (a, b, a, b):
            state, nonce = platform.login(host.test_client())
            resp = host.test_client().post("/lti/launch", data={"id_token": platform.sign(platform.claims(nonce)),
                                                                 "state": state})
            assert resp.status_code == 303, resp.get_data(as_text=True)
        assert len(fetches) == 1
        assert client.ttl(f"{prefix}:jwks:{platform.url}/jwks") > 0
    finally:
        platform.server.stop()


def test_a_platform_storage_state_in_redis_waits_for_its_secret(two_hosts):
    (a, b), client, prefix = two_hosts
    with a.app_context():
        shared_state.save_launch_state("state-ps", "n-ps", 3, 60, storage_target="_parent", storage_secret="s3cret")
    with b.app_context():
        first = shared_state.consume_launch_state("state-ps", "n-ps", 3)
        assert not first and first.needs_storage and first.storage_target == "_parent"
        assert client.exists(f"{prefix}:launch-state:state-ps")  # asking the browser consumes nothing
        assert not shared_state.consume_launch_state("state-ps", "n-ps", 3, storage_checked=True)  # no cookie
        assert shared_state.consume_launch_state("state-ps", "n-ps", 3, storage_value="s3cret")
        assert not shared_state.consume_launch_state("state-ps", "n-ps", 3, storage_value="s3cret")  # once


def _expired_rows(app, n, *, minutes_ago=30):
    from datetime import timedelta

    from lti_tool.extensions import db
    from lti_tool.models import LaunchState, Platform
    from lti_tool.models.base import utcnow
    with app.app_context():
        pid = db.session.execute(db.select(Platform.id)).scalars().first()
        past = utcnow() - timedelta(minutes=minutes_ago)
        db.session.add_all([LaunchState(state=f"state-old-{i}", nonce=f"n-old-{i}", platform_id=pid, created_at=past,
                                        expires_at=past + timedelta(minutes=10)) for i in range(n)])
        db.session.commit()


def _count(app):
    from lti_tool.extensions import db
    from lti_tool.models import LaunchState
    with app.app_context():
        return db.session.query(LaunchState).count()


def test_expired_launch_states_are_purged_in_bounded_batches(app, platform):
    from lti_tool.extensions import db
    _expired_rows(app, 25)
    platform.login(app.test_client())  # one fresh, unexpired row
    with app.app_context():
        assert shared_state.purge_expired_launch_states(limit=10) == 10
        db.session.commit()
    assert _count(app) == 16
    with app.app_context():
        assert shared_state.purge_expired_launch_states(limit=100) == 15
        db.session.commit()
    assert _count(app) == 1  # the fresh one stays


def test_the_worker_loop_purges_expired_states(app, platform, monkeypatch):
    from lti_tool.grades.worker import start_thread
    from tests.support.live import wait_until
    monkeypatch.setattr(shared_state, "PURGE_BATCH", 4)  # several bounded batches
    _expired_rows(app, 10)
    platform.login(app.test_client())
    assert _count(app) == 11
    stop = start_thread(app)
    try:
        assert wait_until(lambda: _count(app) == 1, timeout=10), _count(app)
    finally:
        stop.set()
