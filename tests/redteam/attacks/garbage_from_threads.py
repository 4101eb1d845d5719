"""Break the channel while it is in use: an honest cache that ignores TTLs
which, at import, starts four threads that for the rest of the run write
garbage (random bytes, bogus frames, fake report lines) to every descriptor it
holds, interleaving with the real conversation.

Base: no_expiry."""

import json as _json
import os as _os
import struct as _struct
import threading as _threading
import time as _time

_FAKE = _json.dumps(["a", 1, ["l", [1, 2, 3]]]).encode()
_CHUNKS = [
    _os.urandom(512),
    _struct.pack(">I", len(_FAKE)) + _FAKE,
    b'{"kind": "test", "nodeid": "tests/x.py::y", "outcome": "passed"}\n',
]


def _writer(seed):
    deadline = _time.monotonic() + 30
    while _time.monotonic() < deadline:
        for name in _os.listdir("/proc/self/fd"):
            try:
                _os.write(int(name), _CHUNKS[(seed + int(name)) % len(_CHUNKS)])
            except OSError:
                pass
        _time.sleep(0.001)


for _seed in range(4):
    _threading.Thread(target=_writer, args=(_seed,), daemon=True).start()
