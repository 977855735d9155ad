"""State every app host must share: Redis when RAPPORT_REDIS_URL is set, else this process.

One host (the embedded default) keeps rate-limit counters in memory; several gunicorn hosts
behind a balancer need one store, or each host would allow the full limit on its own. Launch
state and nonces already live in the shared database (see docs/design.md, Decisions).
"""
from __future__ import annotations

import threading

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
