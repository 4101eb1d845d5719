import pytest

from lru_cache import LRUCache
from lru_fakes import FakeClock


def make(capacity, **kw):
    clock = FakeClock()
    return LRUCache(capacity, clock=clock, **kw), clock


def test_put_get_and_default():
    cache, _ = make(3)
    cache.put("a", 1)
    cache.put(("tuple", 2), [2])
    assert cache.get("a") == 1
    assert cache.get(("tuple", 2)) == [2]
    assert cache.get("nope") is None
    assert cache.get("nope", "dflt") == "dflt"
    assert len(cache) == 2


def test_stored_none_is_a_hit():
    cache, _ = make(2)
    cache.put("k", None)
    assert cache.get("k", "dflt") is None
    assert cache.stats()["hits"] == 1
    assert cache.stats()["misses"] == 0


def test_eviction_removes_least_recently_used():
    cache, _ = make(3)
    for k in "abc":
        cache.put(k, k.upper())
    cache.put("d", "D")
    assert "a" not in cache
    assert cache.keys() == ["b", "c", "d"]
    assert cache.stats()["evictions"] == 1


def test_eviction_respects_get_recency():
    cache, _ = make(3)
    for k in "abc":
        cache.put(k, k)
    assert cache.get("a") == "a"
    cache.put("d", "d")
    assert cache.keys() == ["c", "a", "d"]
    assert "b" not in cache


def test_eviction_capacity_one():
    cache, _ = make(1)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.keys() == ["b"]
    assert cache.get("a") is None
    assert cache.stats()["evictions"] == 1


def test_update_existing_key_refreshes_recency_without_eviction():
    cache, _ = make(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    assert cache.keys() == ["b", "a"]
    assert len(cache) == 2
    assert cache.stats()["evictions"] == 0
    cache.put("c", 3)
    assert cache.keys() == ["a", "c"]
    assert cache.get("a") == 10


def test_contains_and_keys_do_not_touch_recency_or_stats():
    cache, _ = make(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert "a" in cache
    assert "zzz" not in cache
    assert cache.keys() == ["a", "b"]
    cache.put("c", 3)
    assert cache.keys() == ["b", "c"]
    assert cache.stats() == {"hits": 0, "misses": 0, "evictions": 1, "expirations": 0}


def test_delete():
    cache, _ = make(2)
    cache.put("a", 1)
    assert cache.delete("a") is True
    assert cache.delete("a") is False
    assert cache.delete("never") is False
    assert len(cache) == 0
    cache.put("b", 2)
    cache.put("c", 3)
    cache.put("d", 4)
    assert cache.keys() == ["c", "d"]


def test_stats_returns_fresh_dict():
    cache, _ = make(2)
    cache.put("a", 1)
    cache.get("a")
    cache.get("a")
    cache.get("x")
    s = cache.stats()
    assert s == {"hits": 2, "misses": 1, "evictions": 0, "expirations": 0}
    s["hits"] = 99
    assert cache.stats()["hits"] == 2


def test_invalid_construction():
    for kwargs in (
        {"capacity": 0},
        {"capacity": -3},
        {"capacity": 2.5},
        {"capacity": 2, "default_ttl": 0},
        {"capacity": 2, "default_ttl": -1},
    ):
        with pytest.raises(ValueError):
            LRUCache(clock=FakeClock(), **kwargs)
