"""State every app host must share: Redis when RAPPORT_REDIS_URL is set, else the database or
this process.

- Rate-limit counters (Flask-Limiter's storage URI).
- OIDC login state and nonce: written at /lti/login, consumed once at /lti/launch, which may be
  served by another host. Redis: SET with a TTL, consumed by GETDEL (atomic: of two concurrent
  replays only one gets the value). Without Redis: the launch_state table, consumed by one
  conditional UPDATE.
- Platform access tokens (AGS) per (issuer, client_id, scopes), so N hosts and workers do not
  each fetch their own, and a 401 on one host drops the token for all.
- Platform JWKS, per key set URL, so a class launching together costs the LMS one fetch; and
  the time of the last refetch for an unknown kid, so a flood of bogus kids costs the LMS at
  most one fetch per JWKS_REFETCH_INTERVAL.

Keys carry REDIS_KEY_PREFIX (default "rapport"), so two installs can share one Redis.
"""
from __future__ import annotations

import hmac
import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import redis

_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def redis_url(config) -> str | None:
    return config.get("REDIS_URL") or None


def backend(config) -> str:
    return "redis" if redis_url(config) else "memory"


def limiter_storage_uri(config) -> str:
    """The `limits` storage URI Flask-Limiter counts in: Redis, else this process's memory
    without the library's timer thread (lti_tool/limiter_memory.py)."""
    return redis_url(config) or "rapport-memory://"


def redis_client(config) -> redis.Redis | None:
    """One pooled redis-py client per URL, or None on a single host without Redis."""
    url = redis_url(config)
    if url is None:
        return None
    with _lock:
        if url not in _clients:
            # Short timeouts: a slow Redis must not hold a student's request for long.
            _clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        return _clients[url]


def _config():
    from flask import current_app
    return current_app.config


def _key(config, *parts: str) -> str:
    return ":".join([config.get("REDIS_KEY_PREFIX") or "rapport", *parts])


# --- OIDC state and nonce -------------------------------------------------------------------

# Expired launch_state rows are deleted by the worker loop (grades/worker.py, every
# PURGE_INTERVAL seconds), at most PURGE_BATCH per statement, so no login pays for it and a
# backlog (a class of 2,000 leaves 2,000 rows) is cleared in short statements.
PURGE_INTERVAL = 60.0
PURGE_BATCH = 500


@dataclass(frozen=True)
class StateCheck:
    """What consume_launch_state found. `ok` only for a fresh state of this platform whose
    nonce matches and, for a Platform Storage login, whose browser binding was shown."""

    ok: bool
    storage_target: str | None = None  # the login used Platform Storage through this frame
    needs_storage: bool = False        # ... and the launch has not shown the stored value yet

    def __bool__(self) -> bool:
        return self.ok


def save_launch_state(state: str, nonce: str, platform_id: int, ttl: int,
                      storage_target: str | None = None, storage_secret: str | None = None) -> None:
    """Remember a login's state and nonce until the launch consumes them (at most `ttl` seconds).

    With `storage_target`, the login also put `storage_secret` into the platform's storage
    (LTI Client Side postMessages); the launch must read it back in the same browser."""
    config = _config()
    client = redis_client(config)
    if client is not None:
        value = json.dumps({"nonce": nonce, "platform_id": platform_id,
                            "storage_target": storage_target, "storage_secret": storage_secret})
        client.set(_key(config, "launch-state", state), value, ex=ttl, nx=True)
        return
    from .extensions import db
    from .models import LaunchState
    from .models.base import utcnow
    now = utcnow()
    if not _insert_state:  # built once per process, as _consume_statement
        _insert_state.append(db.insert(LaunchState.__table__))
    db.session.execute(_insert_state[0], dict(
        state=state, nonce=nonce, platform_id=platform_id, created_at=now, expires_at=now + timedelta(seconds=ttl),
        used_at=None, storage_target=storage_target, storage_secret=storage_secret))
    db.session.commit()


def purge_expired_launch_states(now=None, limit: int | None = None) -> int:
    """Delete at most `limit` launch_state rows past their expiry (used or not); return how many.
    The caller commits. Redis needs none of this: its keys expire by themselves."""
    if redis_client(_config()) is not None:
        return 0
    from .extensions import db
    from .models import LaunchState
    from .models.base import utcnow
    now = now or utcnow()
    batch = db.select(LaunchState.state).where(LaunchState.expires_at < now).limit(limit or PURGE_BATCH)
    return db.session.execute(
        db.delete(LaunchState).where(LaunchState.state.in_(batch)).execution_options(synchronize_session=False)
    ).rowcount or 0


def purge_all_expired_launch_states(max_batches: int = 20) -> int:
    """The worker's purge: bounded batches, each committed, until none is left (or max_batches)."""
    from .extensions import db
    total = 0
    for _ in range(max_batches):
        n = purge_expired_launch_states()
        db.session.commit()
        total += n
        if n < PURGE_BATCH:
            break
    return total


def _binding(saved_target, saved_secret, storage_value: str | None, storage_checked: bool,
             cookie_ok: bool) -> StateCheck:
    if not saved_target:
        return StateCheck(ok=True)
    if storage_value is not None:
        # The value stored at login, read back from the platform in this browser.
        good = bool(storage_value) and hmac.compare_digest(storage_value.encode(), (saved_secret or "").encode())
        return StateCheck(ok=good, storage_target=saved_target)
    if storage_checked:
        # The platform's storage could not answer: only the login's own (partitioned) cookie may.
        return StateCheck(ok=cookie_ok, storage_target=saved_target)
    return StateCheck(ok=False, storage_target=saved_target, needs_storage=True)


_consume: list = []
_insert_state: list = []


def _consume_statement(LaunchState):
    """Built once per process (rows.prepared explains why): the UPDATE that consumes a state."""
    if not _consume:
        from sqlalchemy import bindparam

        from .extensions import db
        t = LaunchState.__table__
        _consume.append(
            db.update(t)
            .where(t.c.state == bindparam("state_value"), t.c.nonce == bindparam("nonce_value"), t.c.used_at.is_(None),
                   t.c.expires_at > bindparam("now_value", type_=t.c.expires_at.type),
                   t.c.platform_id == bindparam("platform_value"))
            .values(used_at=bindparam("now_value", type_=t.c.used_at.type))
            .returning(t.c.storage_target, t.c.storage_secret))
    return _consume[0]


def consume_launch_state(state: str, nonce: str, platform_id: int, *, storage_value: str | None = None,
                         storage_checked: bool = False, cookie_ok: bool = False) -> StateCheck:
    """Consume a login's state once, for a fresh (state, nonce) of this platform.

    Not ok for a replay, an expired or unknown state, or a nonce or platform that does not match.
    A Platform Storage login is consumed only when the launch shows the stored value
    (`storage_value`), or when the platform storage could not answer (`storage_checked`) and the
    login's cookie came back (`cookie_ok`). Before the browser has been asked
    (`needs_storage`), nothing is consumed. In the database, the caller's transaction commits
    the consumption."""
    config = _config()
    client = redis_client(config)
    if client is not None:
        key = _key(config, "launch-state", state)
        raw = client.get(key)
        if raw is None:
            return StateCheck(ok=False)
        saved = json.loads(raw)
        if saved.get("nonce") != nonce or saved.get("platform_id") != platform_id:
            client.delete(key)  # a wrong guess burns the state: a state is never tried twice
            return StateCheck(ok=False)
        check = _binding(saved.get("storage_target"), saved.get("storage_secret"), storage_value,
                         storage_checked, cookie_ok)
        if not check:
            # Not consumed (as in the database, where the refused launch rolls back): the browser
            # is asked first, and a wrong or missing value cannot be guessed (256 random bits).
            return check
        # GETDEL: whoever reads it removes it, so a replay racing the real launch gets nothing.
        if client.getdel(key) is None:
            return StateCheck(ok=False)
        return check
    from .extensions import db
    from .models import LaunchState
    from .models.base import utcnow
    now = utcnow()
    # One UPDATE decides: concurrent replays cannot both see used_at IS NULL.
    row = db.session.execute(_consume_statement(LaunchState), dict(
        state_value=state, nonce_value=nonce, now_value=now, platform_value=platform_id)).first()
    if row is None:
        return StateCheck(ok=False)
    check = _binding(row[0], row[1], storage_value, storage_checked, cookie_ok)
    if check.needs_storage or not check.ok:
        # Not this time: the row stays unused for the launch that shows the stored value.
        db.session.rollback()
    # Not committed here: the launch's service commits it with the user, link and attempt, so a
    # launch is recorded whole or not at all (issue 13: one transaction per launch). The row stays
    # locked until then, so a concurrent replay waits and then finds it used.
    return check


# --- caches (AGS access tokens, platform JWKS) ------------------------------------------------

class _MemoryCache:
    def __init__(self):
        self._data: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            hit = self._data.get(key)
        if hit is None or hit[0] <= time.monotonic():
            return None
        return hit[1]

    def set(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + ttl, value)

    def add(self, key: str, value: str, ttl: float) -> bool:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return False
            self._data[key] = (time.monotonic() + ttl, value)
            return True

    def forget(self, prefix: str) -> None:
        with self._lock:
            for k in [k for k in self._data if k.startswith(prefix)]:
                del self._data[k]


_memory = _MemoryCache()


def _redis_or_none():
    """The Redis client when one is configured and we are inside the app; else None (memory)."""
    from flask import has_app_context
    if not has_app_context():
        return None, None
    config = _config()
    return redis_client(config), config


def cache_get(kind: str, key: str) -> str | None:
    client, config = _redis_or_none()
    if client is None:
        return _memory.get(f"{kind}:{key}")
    raw = client.get(_key(config, kind, key))
    return raw.decode() if isinstance(raw, bytes) else raw


def cache_set(kind: str, key: str, value: str, ttl: float) -> None:
    if ttl <= 0:
        return
    client, config = _redis_or_none()
    if client is None:
        _memory.set(f"{kind}:{key}", value, ttl)
        return
    client.set(_key(config, kind, key), value, px=max(1, int(ttl * 1000)))


def cache_add(kind: str, key: str, value: str, ttl: float) -> bool:
    """Set `key` only if it is absent (or expired); True when this call set it. One winner across
    every host with Redis (SET NX), across threads without."""
    client, config = _redis_or_none()
    if client is None:
        return _memory.add(f"{kind}:{key}", value, ttl)
    return bool(client.set(_key(config, kind, key), value, px=max(1, int(ttl * 1000)), nx=True))


def cache_forget(kind: str, prefix: str = "") -> None:
    """Drop every entry of `kind` whose key starts with `prefix` (in Redis and in this process)."""
    _memory.forget(f"{kind}:{prefix}")
    client, config = _redis_or_none()
    if client is not None:
        pattern = _key(config, kind, "") + _glob_escape(prefix) + "*"
        for k in client.scan_iter(match=pattern, count=500):
            client.delete(k)


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
