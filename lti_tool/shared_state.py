"""State every app host must share: Redis when RAPPORT_REDIS_URL is set, else the database or
this process.

- Rate-limit counters (Flask-Limiter's storage URI).
- OIDC login state and nonce: written at /lti/login, consumed once at /lti/launch, which may be
  served by another host. Redis: SET with a TTL, consumed by GETDEL (atomic: of two concurrent
  replays only one gets the value). Without Redis: the launch_state table, consumed by one
  conditional UPDATE.
- Platform access tokens (AGS) per (issuer, client_id, scopes), so N hosts and workers do not
  each fetch their own, and a 401 on one host drops the token for all.
- Platform JWKS, per key set URL, so a class launching together costs the LMS one fetch.

Keys carry REDIS_KEY_PREFIX (default "rapport"), so two installs can share one Redis.
"""
from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import redis

_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def redis_url(config) -> str | None:
    return config.get("REDIS_URL") or None


def backend(config) -> str:
    return "redis" if redis_url(config) else "memory"


def limiter_storage_uri(config) -> str:
    """The `limits` storage URI Flask-Limiter counts in."""
    return redis_url(config) or "memory://"


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

def save_launch_state(state: str, nonce: str, platform_id: int, ttl: int) -> None:
    """Remember a login's state and nonce until the launch consumes them (at most `ttl` seconds)."""
    config = _config()
    client = redis_client(config)
    if client is not None:
        value = json.dumps({"nonce": nonce, "platform_id": platform_id})
        client.set(_key(config, "launch-state", state), value, ex=ttl, nx=True)
        return
    from .extensions import db
    from .models import LaunchState
    from .models.base import utcnow
    now = utcnow()
    db.session.add(LaunchState(state=state, nonce=nonce, platform_id=platform_id,
                               created_at=now, expires_at=now + timedelta(seconds=ttl)))
    db.session.commit()


def consume_launch_state(state: str, nonce: str, platform_id: int) -> bool:
    """True exactly once for a fresh (state, nonce) of this platform; False for a replay, an
    expired or unknown state, or a nonce or platform that does not match. In the database, the
    caller's transaction commits the consumption."""
    config = _config()
    client = redis_client(config)
    if client is not None:
        # GETDEL: whoever reads it removes it, so a replay racing the real launch gets nothing.
        raw = client.getdel(_key(config, "launch-state", state))
        if raw is None:
            return False
        saved = json.loads(raw)
        return saved.get("nonce") == nonce and saved.get("platform_id") == platform_id
    from .extensions import db
    from .models import LaunchState
    from .models.base import utcnow
    now = utcnow()
    # One UPDATE decides: concurrent replays cannot both see used_at IS NULL.
    used = db.session.execute(
        db.update(LaunchState)
        .where(LaunchState.state == state, LaunchState.nonce == nonce, LaunchState.used_at.is_(None),
               LaunchState.expires_at > now, LaunchState.platform_id == platform_id)
        .values(used_at=now)
    ).rowcount
    # Not committed here: the launch's service commits it with the user, link and attempt, so a
    # launch is recorded whole or not at all (issue 13: one transaction per launch). The row stays
    # locked until then, so a concurrent replay waits and then finds it used.
    return used == 1


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
