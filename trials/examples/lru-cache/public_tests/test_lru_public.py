from lru_cache import LRUCache


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_basic_get_put():
    cache = LRUCache(2, clock=Clock())
    cache.put("a", 1)
    assert cache.get("a") == 1
    assert cache.get("b", "missing") == "missing"


def test_least_recently_used_is_evicted():
    cache = LRUCache(2, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    assert cache.keys() == ["a", "c"]


def test_statement_example():
    clock = Clock()
    cache = LRUCache(2, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2, ttl=5)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.keys() == ["a", "c"]
    cache.put("d", 4, ttl=1)
    clock.now = 1.0
    assert cache.get("d") is None
    assert len(cache) == 1
    assert cache.stats() == {"hits": 1, "misses": 1, "evictions": 2, "expirations": 1}
