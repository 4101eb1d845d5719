"""Warm pool: started, idle containers whose harness already waits on stdin with
pytest imported, so a run pays for neither container start nor Python start-up.

A container is handed out once and never returns: the pool only ever shrinks by
`take` and grows by starting new containers, in one background thread. Used
containers are `retire`d to the same thread, so removing one (~50 ms of engine
work) is off the run's critical path; `close` waits for every removal.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict, deque
from collections.abc import Callable

PoolKey = tuple[str, int, int, float, int]  # image, memory_mb, pids, cpus, disk_mb

log = logging.getLogger(__name__)


class WarmPool:
    def __init__(
        self,
        start: Callable[[PoolKey], str],
        remove: Callable[[str], None],
        *,
        size: int,
        max_keys: int = 4,
    ) -> None:
        """`start` makes and starts a container for a key and returns its id;
        `remove` force-removes one. At most `max_keys` keys are kept warm, the
        least recently used is dropped first, so rare limit sets do not pin
        containers forever."""
        self._start = start
        self._remove = remove
        self._size = size
        self._max_keys = max_keys
        self._idle: OrderedDict[PoolKey, deque[str]] = OrderedDict()
        self._lock = threading.Lock()
        self._wanted: queue.SimpleQueue[tuple[str, PoolKey | str] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False

    def take(self, key: PoolKey) -> str | None:
        """An idle container for `key`, oldest first, or None when there is none."""
        with self._lock:
            idle = self._idle.get(key)
            if idle is None:
                return None
            self._idle.move_to_end(key)
            return idle.popleft() if idle else None

    def refill(self, key: PoolKey) -> None:
        """Top `key` up to the pool size in the background."""
        if self._ensure_thread():
            self._wanted.put(("fill", key))

    def retire(self, container: str) -> None:
        """Remove a used container: in the background, or now when there is no pool thread."""
        if self._ensure_thread():
            self._wanted.put(("remove", container))
        else:
            self._remove(container)

    def _ensure_thread(self) -> bool:
        with self._lock:
            if self._closed or self._size == 0:
                return False
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="trialgate-sandbox-pool", daemon=True
                )
                self._thread.start()
            return True

    def fill(self, key: PoolKey) -> None:
        """Top `key` up to the pool size now; engine errors propagate."""
        while self._room(key):
            container = self._start(key)
            if not self._add(key, container):
                self._remove(container)

    def idle(self) -> list[str]:
        with self._lock:
            return [container for idle in self._idle.values() for container in idle]

    def close(self) -> None:
        """Stop refilling, wait for a start in flight, remove every idle container."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wanted.put(None)
        if thread is not None:
            thread.join(timeout=120)
        with self._lock:
            leftovers = [container for idle in self._idle.values() for container in idle]
            self._idle.clear()
        for container in leftovers:
            self._remove(container)

    def _room(self, key: PoolKey) -> bool:
        with self._lock:
            return not self._closed and len(self._idle.get(key, ())) < self._size

    def _add(self, key: PoolKey, container: str) -> bool:
        evicted: list[str] = []
        with self._lock:
            idle = self._idle.setdefault(key, deque())
            self._idle.move_to_end(key)
            if self._closed or len(idle) >= self._size:
                return False
            idle.append(container)
            while len(self._idle) > self._max_keys:
                evicted.extend(self._idle.popitem(last=False)[1])
        for old in evicted:
            self._remove(old)
        return True

    def _work(self) -> None:
        while (item := self._wanted.get()) is not None:
            action, target = item
            if action == "remove":
                self._remove(target)  # type: ignore[arg-type]
                continue
            try:
                self.fill(target)  # type: ignore[arg-type]
            except Exception:  # the next run starts its own container; keep the thread alive
                log.warning("could not refill the sandbox pool for %s", target, exc_info=True)
