"""The lru_cache spec as asserts (see ../README.md)."""

from __future__ import annotations

from types import ModuleType


def _raises(call: object, error: type[Exception]) -> bool:
    try:
        call()  # type: ignore[operator]
    except error:
        return True
    return False


def check(m: ModuleType) -> None:
    for bad in (0, -1, 1.5, True, "2"):
        assert _raises(lambda bad=bad: m.LRUCache(bad), ValueError), bad
    c = m.LRUCache(2)
    assert len(c) == 0 and c.keys() == [] and c.get("x") is None and c.get("x", 7) == 7
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1 and c.keys() == ["b", "a"]
    c.put("c", 3)
    assert c.keys() == ["a", "c"] and c.get("b") is None and len(c) == 2
    c.put("a", 10)
    assert c.keys() == ["c", "a"] and c.get("a") == 10
    c.put("d", 4)
    assert c.keys() == ["a", "d"]
    assert c.stats() == {"hits": 2, "misses": 3, "evictions": 2}
    assert c.delete("a") is True and c.delete("a") is False and c.keys() == ["d"]
    c.put("e", None)
    assert c.get("e", 5) is None and len(c) == 2
    one = m.LRUCache(1)
    for i in range(5):
        one.put(i, i * i)
    assert one.keys() == [4] and one.get(4) == 16 and one.stats()["evictions"] == 4
    big = m.LRUCache(100)
    for i in range(300):
        big.put(i % 150, i)
        big.get((i * 7) % 150)
    assert len(big) == 100 and len(set(big.keys())) == 100
