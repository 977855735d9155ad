"""Rate-limit counters in this process (no Redis), without a background thread.

The `limits` library's memory storage expires old entries from a threading.Timer of 10 ms that
it starts again on the first hit after the last one ran out: on a server answering a request
every 20-50 ms that is a new thread per limited request (the request waits until the thread
has started: a scheduler round trip on a busy machine), and while requests keep coming, a sweep
of every key each 10 ms holding the GIL. With one key per client address, a class launching
together leaves thousands of keys, so the sweep took a large share of a worker's time.

Here the same sweep runs in the request's own thread, at most once every EXPIRE_EVERY seconds.
Counting is unchanged (the moving window reads each entry's time, and a fixed window's counter
expires when read); only the memory of expired entries is given back later (at most a second).
"""
from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict

from limits.storage import MemoryStorage
from limits.storage.base import Storage

EXPIRE_EVERY = 1.0  # seconds between sweeps of expired entries (in whichever request comes next)


class InlineExpiryMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["rapport-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        # MemoryStorage.__init__ without its timer thread.
        self.storage = Counter()
        self.locks = defaultdict(threading.RLock)
        self.expirations = {}
        self.events = {}
        self.timer = None  # MemoryStorage.__getstate__ drops it
        self._next_sweep = time.monotonic() + EXPIRE_EVERY
        self._sweep_lock = threading.Lock()
        Storage.__init__(self, uri, wrap_exceptions=wrap_exceptions, **options)

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.locks = defaultdict(threading.RLock)
        self._sweep_lock = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:
        """Called by every hit: sweep here when a sweep is due (one thread sweeps; others go on)."""
        if time.monotonic() < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = time.monotonic() + EXPIRE_EVERY
            self._MemoryStorage__expire_events()
        finally:
            self._sweep_lock.release()
