"""The warm pool's bookkeeping, with plain callables for starting and removing.
The real engine's side (close() removes real containers) is in test_docker_isolation."""

from __future__ import annotations

import itertools
import threading
import time

from sandboxes.pool import PoolKey, WarmPool

KEY: PoolKey = ("image", 256, 64, 1.0, 64)


class Engine:
    def __init__(self) -> None:
        self.ids = itertools.count()
        self.live: set[str] = set()
        self.lock = threading.Lock()

    def start(self, key: PoolKey) -> str:
        with self.lock:
            container = f"{key[0]}-{next(self.ids)}"
            self.live.add(container)
            return container

    def remove(self, container: str) -> None:
        with self.lock:
            self.live.discard(container)


def wait_for(condition: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_take_hands_out_each_container_once_oldest_first() -> None:
    engine = Engine()
    pool = WarmPool(engine.start, engine.remove, size=2)
    assert pool.take(KEY) is None
    pool.fill(KEY)
    assert [pool.take(KEY), pool.take(KEY), pool.take(KEY)] == ["image-0", "image-1", None]
    pool.close()


def test_refill_tops_up_in_the_background_and_close_removes_idle() -> None:
    engine = Engine()
    pool = WarmPool(engine.start, engine.remove, size=3)
    pool.refill(KEY)
    wait_for(lambda: len(pool.idle()) == 3)
    pool.close()
    assert engine.live == set()
    pool.refill(KEY)  # ignored once closed
    assert pool.idle() == []


def test_least_recently_used_keys_are_dropped() -> None:
    engine = Engine()
    pool = WarmPool(engine.start, engine.remove, size=1, max_keys=2)
    keys = [(f"image{n}", 256, 64, 1.0, 64) for n in range(3)]
    for key in keys:
        pool.fill(key)
    assert sorted(pool.idle()) == ["image1-1", "image2-2"]
    assert engine.live == {"image1-1", "image2-2"}
    pool.close()


def test_a_failing_start_does_not_stop_the_refill_thread() -> None:
    engine = Engine()
    failures = iter([True])

    def flaky_start(key: PoolKey) -> str:
        if next(failures, False):
            raise RuntimeError("engine hiccup")
        return engine.start(key)

    pool = WarmPool(flaky_start, engine.remove, size=1)
    pool.refill(KEY)
    pool.refill(KEY)
    wait_for(lambda: len(pool.idle()) == 1)
    pool.close()
    assert engine.live == set()


def test_size_zero_keeps_nothing_warm() -> None:
    engine = Engine()
    pool = WarmPool(engine.start, engine.remove, size=0)
    pool.refill(KEY)
    pool.fill(KEY)
    assert pool.idle() == []
    pool.close()
