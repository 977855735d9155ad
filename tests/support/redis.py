"""A Redis for tests: database 15 on 127.0.0.1:6379 with a fresh key prefix per test; skips with
the reason where no Redis answers (CI runs one)."""
import uuid

import pytest

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_prefix():
    import redis
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    prefix = "rapport-test-" + uuid.uuid4().hex[:12]
    yield client, prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
