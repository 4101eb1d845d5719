"""Trial packages loaded from their stored archives, kept by content hash.

A version is immutable, so the hash is a perfect cache key; loading validates
and compiles every file, which is worth doing once per process, not per request.
"""

from __future__ import annotations

import threading

from cachetools import LRUCache

from trials.package import TrialPackage, load_package

_cache: LRUCache[str, TrialPackage] = LRUCache(maxsize=64)
_lock = threading.Lock()  # workers load packages from several threads


def cached_package(content_hash: str, archive: bytes) -> TrialPackage:
    with _lock:
        found = _cache.get(content_hash)
    if found is not None:
        return found
    package = load_package(archive)
    with _lock:
        _cache[content_hash] = package
    return package
