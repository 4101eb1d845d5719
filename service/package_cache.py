"""Trial packages loaded from their stored archives, kept by content hash.

A version is immutable, so the hash is a perfect cache key; loading validates
and compiles every file, which is worth doing once per process, not per request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from trials.package import TrialPackage, load_package

_MAX_ENTRIES = 64
_cache: OrderedDict[str, TrialPackage] = OrderedDict()
_lock = threading.Lock()


def cached_package(content_hash: str, archive: bytes) -> TrialPackage:
    with _lock:
        found = _cache.get(content_hash)
        if found is not None:
            _cache.move_to_end(content_hash)
            return found
    package = load_package(archive)
    with _lock:
        _cache[content_hash] = package
        while len(_cache) > _MAX_ENTRIES:
            _cache.popitem(last=False)
    return package
