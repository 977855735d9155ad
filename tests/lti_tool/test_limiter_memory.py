"""The in-process rate-limit storage: counts like the library's, starts no thread, and still
gives back the memory of expired entries."""
import threading
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from lti_tool import limiter_memory
from lti_tool.limiter_memory import InlineExpiryMemoryStorage


def test_the_scheme_names_this_storage():
    assert isinstance(storage_from_string("rapport-memory://"), InlineExpiryMemoryStorage)


def test_hits_start_no_thread():
    storage = InlineExpiryMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    before = threading.active_count()
    started = []
    original = threading.Thread.start
    threading.Thread.start = lambda self: (started.append(self), original(self))[1]
    try:
        for n in range(50):
            limiter.hit(parse("100/minute"), f"10.0.0.{n}")
            time.sleep(0.001)
    finally:
        threading.Thread.start = original
    assert started == [] and threading.active_count() == before


def test_moving_window_refuses_over_the_limit_and_fixed_window_counts():
    storage = InlineExpiryMemoryStorage()
    moving, fixed = MovingWindowRateLimiter(storage), FixedWindowRateLimiter(storage)
    three = parse("3/minute")
    assert [moving.hit(three, "a") for _ in range(4)] == [True, True, True, False]
    assert moving.hit(three, "b")  # another key has its own budget
    assert [fixed.hit(three, "c") for _ in range(4)] == [True, True, True, False]


def test_expired_entries_are_swept_by_a_later_hit(monkeypatch):
    storage = InlineExpiryMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    one_second = parse("5/second")
    limiter.hit(one_second, "old")
    assert storage.events
    time.sleep(1.05)  # the entry expires (a 1-second window) ...
    monkeypatch.setattr(storage, "_next_sweep", 0.0)  # ... and a sweep is due
    limiter.hit(parse("5/minute"), "new")
    assert [len(v) for k, v in storage.events.items() if "old" in k] == [0]
    assert [len(v) for k, v in storage.events.items() if "new" in k] == [1]
    assert storage._next_sweep >= time.monotonic() + limiter_memory.EXPIRE_EVERY - 0.5
