"""Break the channel to the grader: at import and when the cache is built, write to
every inherited descriptor random bytes, a length prefix of 4 GiB, half a frame,
and well-framed messages that answer questions never asked, refer to objects
never handed over, or ask for frames and globals; then behave like the
starter.

Base: starter."""

import json as _json
import os as _os
import struct as _struct


def _frame(message):
    raw = _json.dumps(message).encode()
    return _struct.pack(">I", len(raw)) + raw


_GARBAGE = [
    _os.urandom(4096),
    b"\xff\xff\xff\xff" + b"x" * 100,
    _struct.pack(">I", 1000) + b'["a"',
    _frame(["a", 999_999, ["Y", 1]]),
    _frame(["a", 1, ["R", 1]]),
    _frame(["e", 1, ["E", ["C", "builtins", "SystemExit"], [0], 1, None, None, None]]),
    _frame(["q", 1, "getattr", [["Y", 1], "__globals__"]]),
    _frame(["q", 2, "import", ["os"]]),
    _frame(["a", 1, ["l", [["l", [["l", []]]]] * 10]]),
    b'{"kind": "session_finished", "exitstatus": 0}\n',
    b"\n" * 1000,
]


def _spray():
    for name in _os.listdir("/proc/self/fd"):
        fd = int(name)
        for chunk in _GARBAGE:
            try:
                _os.write(fd, chunk)
            except OSError:
                pass


_spray()


class LRUCache:
    def __init__(self, *args, **kwargs):
        _spray()
        raise NotImplementedError
