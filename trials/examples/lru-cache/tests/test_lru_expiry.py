import pytest

from lru_cache import LRUCache
from lru_fakes import FakeClock


def test_entry_expires_exactly_at_ttl():
    clock = FakeClock()
    cache = LRUCache(4, clock=clock)
    cache.put("a", 1, ttl=10)
    clock.advance(9.999)
    assert cache.get("a") == 1
    clock.advance(0.001)
    assert cache.get("a") is None
    assert "a" not in cache


def test_default_ttl_and_per_put_override():
    clock = FakeClock()
    cache = LRUCache(4, default_ttl=5, clock=clock)
    cache.put("short", 1)
    cache.put("long", 2, ttl=50)
    clock.advance(6)
    assert cache.get("short") is None
    assert cache.get("long") == 2


def test_no_ttl_never_expires():
    clock = FakeClock()
    cache = LRUCache(2, clock=clock)
    cache.put("a", 1)
    clock.advance(10**9)
    assert cache.get("a") == 1


def test_put_again_resets_ttl():
    clock = FakeClock()
    cache = LRUCache(4, default_ttl=10, clock=clock)
    cache.put("a", 1)
    clock.advance(8)
    cache.put("a", 2)
    clock.advance(8)
    assert cache.get("a") == 2
    clock.advance(2)
    assert cache.get("a") is None


def test_get_does_not_extend_ttl():
    clock = FakeClock()
    cache = LRUCache(4, clock=clock)
    cache.put("a", 1, ttl=10)
    clock.advance(5)
    assert cache.get("a") == 1
    clock.advance(5)
    assert cache.get("a") is None


def test_len_keys_ignore_expired():
    clock = FakeClock()
    cache = LRUCache(5, clock=clock)
    cache.put("a", 1, ttl=1)
    cache.put("b", 2, ttl=3)
    cache.put("c", 3)
    assert len(cache) == 3
    clock.advance(1)
    assert len(cache) == 2
    assert cache.keys() == ["b", "c"]
    clock.advance(2)
    assert len(cache) == 1
    assert cache.keys() == ["c"]


def test_expired_entries_do_not_cause_eviction():
    clock = FakeClock()
    cache = LRUCache(2, clock=clock)
    cache.put("old", 1)
    cache.put("temp", 2, ttl=1)
    clock.advance(1)
    cache.put("new", 3)
    assert cache.keys() == ["old", "new"]
    assert cache.stats()["evictions"] == 0
    assert cache.stats()["expirations"] == 1


def test_delete_expired_returns_false():
    clock = FakeClock()
    cache = LRUCache(2, clock=clock)
    cache.put("a", 1, ttl=2)
    clock.advance(2)
    assert cache.delete("a") is False


def test_expirations_counted_once_even_if_unobserved():
    clock = FakeClock()
    cache = LRUCache(10, clock=clock)
    cache.put("a", 1, ttl=1)
    cache.put("b", 2, ttl=2)
    cache.put("c", 3, ttl=3)
    cache.put("d", 4, ttl=1)
    cache.delete("d")          # deleted before expiring: not an expiration
    clock.advance(2)
    assert cache.stats()["expirations"] == 2
    assert cache.get("a") is None
    assert "b" not in cache
    assert cache.stats() == {"hits": 0, "misses": 1, "evictions": 0, "expirations": 2}


def test_overwrite_after_expiry_counts_expiration_and_overwrite_before_does_not():
    clock = FakeClock()
    cache = LRUCache(3, clock=clock)
    cache.put("a", 1, ttl=1)
    cache.put("b", 1, ttl=5)
    clock.advance(2)
    cache.put("a", 2, ttl=5)   # "a" had expired: counts
    cache.put("b", 2, ttl=5)   # "b" still live: replaced, not expired
    assert cache.stats()["expirations"] == 1
    assert cache.get("a") == 2
    assert cache.get("b") == 2


def test_invalid_put_ttl():
    cache = LRUCache(2, clock=FakeClock())
    for bad in (0, -0.5):
        with pytest.raises(ValueError):
            cache.put("a", 1, ttl=bad)
    assert len(cache) == 0
