"""The trust boundary between a trial's tests and a candidate's code.

The tests run in one process (the *tester*, under a grader's uid, the only one
that can read them); the candidate's code runs in another (the *submission*
process, under the sandbox user). They talk over one socket. The tests import
the candidate's modules as proxies: plain data (None, bool, int, float, complex,
str, bytes, Decimal, Fraction, dates and times, and lists, tuples, dicts and
sets of them; exact types only, so a subclass with its own `__eq__` is not plain)
crosses by value, everything else by reference. Exception classes and named
tuples cross as real local classes ("mirrors"), so `pytest.raises(TheirError)`,
`except TheirError` and tuple equality work on both sides.

Attacks this module stops, and how:
- Forging results: the submission process never sees the tester's memory,
  files or pipes; all it can do is answer the calls the tests make.
- Values that lie: `==`, ordering and arithmetic between a submission object and
  a value of the tests is never decided by the candidate (it is `False` /
  unsupported); only two submission objects are compared by the candidate's code.
- Reaching the tests through what they pass: the tester serves the submission
  only calls, public attributes (no `_` names), iteration, `len`, `bool`,
  `repr`, `in` and indexing on objects the tests handed over, never on frames,
  code, modules or generators' internals, and never on anything named by value.
- Breaking the tester: every message is decoded against caps (frame size, item
  count, nesting) and a malformed one is a *violation*, which the tester reports
  and the judge counts against the candidate.

Stdlib only: this file runs inside the sandbox image, which has no msgspec; it
ships there as one source, which is why it is longer than the house's ~300 lines.
"""

from __future__ import annotations

import base64
import collections
import datetime
import decimal
import fractions
import importlib
import json
import math
import operator
import socket
import struct
import sys
import threading
import traceback
import types
from typing import Any, NoReturn, TypeVar

FRAME = struct.Struct(">I")
FRAME_CAP = 8 * 1024 * 1024  # bytes in one message
ITEMS_CAP = 500_000  # values decoded from one message
DEPTH_CAP = 100  # nesting of one value; deeper containers cross by reference
CALL_DEPTH_CAP = 64  # calls in flight across the boundary, both directions
NAME_CAP = 200
NOTE_CAP = 1500
BIG_INT = 2**62
CHAIN_CAP = 8  # __cause__ / __context__ links carried with an exception

_SCALARS = (type(None), bool, int, float, str)
Local = TypeVar("Local")
# Objects that open a view onto the tests' code and data: never handed to the
# submission, and never a target the tester serves.
_OPAQUE = (
    types.FrameType,
    types.TracebackType,
    types.CodeType,
    types.ModuleType,
    types.CellType,
)
_GENERATOR_LIKE = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)


class ProtocolViolationError(Exception):
    """The other side broke the protocol; for the tester, the candidate did."""


class SubmissionGoneError(Exception):
    """The other side's process ended, or its end of the socket closed."""


def escape(text: str, limit: int) -> str:
    """`text` with control and format characters (ANSI escapes, tabs, bidi
    overrides) shown as escapes, newlines kept, at most `limit` characters long
    once escaped (an ellipsis marks a cut)."""
    out: list[str] = []
    size = 0
    for char in text:
        shown = char if char.isprintable() or char == "\n" else repr(char)[1:-1]
        if size + len(shown) > limit - 1:
            out.append("…")
            break
        out.append(shown)
        size += len(shown)
    return "".join(out)


def _fields_of(cls: type) -> tuple[str, ...] | None:
    """A named tuple class's field names; None for any other class."""
    fields = getattr(cls, "_fields", None) if issubclass(cls, tuple) else None
    if type(fields) is not tuple or len(fields) > 64 or not all(type(f) is str for f in fields):
        return None
    return fields


def _stdlib_class(module: str) -> bool:
    top = module.partition(".")[0]
    return module == "builtins" or (top in sys.stdlib_module_names and not top.startswith("_"))


class Endpoint:
    """One side of the socket. `trusted` is True in the tester: it then serves the
    other side only the narrow set of operations described above."""

    def __init__(self, sock: socket.socket, *, trusted: bool) -> None:
        self.sock = sock
        self.trusted = trusted
        self.exports: dict[int, Any] = {}  # export id -> our object
        self._export_ids: dict[int, int] = {}  # id(our object) -> export id
        self.proxies: dict[int, Any] = {}  # their id -> proxy (or mirror class)
        self.stand_ins: dict[int, tuple[int, Any]] = {}  # id(local stand-in) -> (their id, it)
        self.seq = 0
        self.depth = 0
        self.violation: str | None = None
        self.gone = False
        self._lock = threading.RLock()
        self._owner = threading.get_ident()
        self._budget = 0

    # -- the wire ------------------------------------------------------------------
    def _send(self, message: list[Any]) -> None:
        data = json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        raw = data.encode("utf-8", "surrogatepass")
        if len(raw) > FRAME_CAP:
            raise ValueError(f"a value of {len(raw)} bytes is too large to cross the boundary")
        try:
            self.sock.sendall(FRAME.pack(len(raw)) + raw)
        except OSError as exc:
            self.gone = True
            raise SubmissionGoneError("the other side's process has ended") from exc

    def _read_exact(self, size: int) -> bytes:
        chunks, got = [], 0
        while got < size:
            try:
                chunk = self.sock.recv(min(size - got, 1 << 20))
            except OSError:
                chunk = b""
            if not chunk:
                self.gone = True
                raise SubmissionGoneError("the other side's process has ended")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _recv(self) -> list[Any]:
        (size,) = FRAME.unpack(self._read_exact(FRAME.size))
        if size > FRAME_CAP:
            self._violate(f"a message of {size} bytes, over the {FRAME_CAP}-byte cap")
        raw = self._read_exact(size)
        try:
            message = json.loads(raw.decode("utf-8", "surrogatepass"))
        except (ValueError, RecursionError, MemoryError):
            self._violate("a malformed message")
        if not (
            type(message) is list
            and len(message) == (4 if message[:1] == ["q"] else 3)
            and message[0] in ("q", "a", "e")
            and type(message[1]) is int
        ):
            self._violate("a message of the wrong shape")
        checked: list[Any] = message
        return checked

    def _violate(self, reason: str) -> NoReturn:
        raise self._violation(reason)

    def _violation(self, reason: str) -> ProtocolViolationError:
        """Record that the other side broke the protocol; the conversation is over."""
        if self.violation is None:
            self.violation = reason
        self.gone = True
        return ProtocolViolationError(f"the submission broke the test protocol: {reason}")

    # -- calls ---------------------------------------------------------------------
    def request(self, op: str, *args: Any) -> Any:
        """Ask the other side to perform `op`; serves its requests meanwhile."""
        __tracebackhide__ = True
        if not self.trusted and threading.get_ident() != self._owner:
            raise RuntimeError("objects from the tests can be used only on the thread they called")
        with self._lock:
            if self.violation is not None:
                raise ProtocolViolationError(
                    f"the submission broke the test protocol: {self.violation}"
                )
            if self.gone:
                raise SubmissionGoneError("the other side's process has ended")
            if self.depth >= CALL_DEPTH_CAP:
                raise RecursionError("too many calls in flight across the sandbox boundary")
            self.seq += 1
            seq = self.seq
            self._send(["q", seq, op, [self.encode(a) for a in args]])
            self.depth += 1
            try:
                while True:
                    message = self._recv()
                    if message[0] == "q":
                        self._serve(message)
                        continue
                    if message[1] != seq:
                        self._violate("an answer to a question that was not asked")
                    value = self._decode_message(message[2])
                    if message[0] == "a":
                        return value
                    if not isinstance(value, BaseException):
                        self._violate("an error that is not an exception")
                    raise value
            finally:
                self.depth -= 1

    def _decode_message(self, data: Any) -> Any:
        self._budget = ITEMS_CAP
        return self.decode(data, 0)

    def serve_forever(self) -> None:
        """The submission side's loop: answer the tester until it hangs up."""
        while True:
            try:
                message = self._recv()
            except SubmissionGoneError:
                return
            if message[0] != "q":
                return
            self._serve(message)

    def _serve(self, message: list[Any]) -> None:
        _, seq, op, args = message
        try:
            if type(op) is not str or type(args) is not list or len(args) > 4:
                self._violate("a malformed request")
            if self.trusted and not (args and type(args[0]) is list and args[0][:1] == ["Y"]):
                raise PermissionError("only objects the tests handed over can be used")
            self._budget = ITEMS_CAP
            values = [self.decode(a, 0) for a in args]
            handler = (_TESTER_OPS if self.trusted else _SUBMISSION_OPS).get(op)
            if handler is None:
                raise PermissionError(f"{op!r} is not available across the sandbox boundary")
            self.depth += 1
            try:
                result = handler(*values)
            finally:
                self.depth -= 1
            reply = ["a", seq, self.encode(result)]
        except (ProtocolViolationError, SubmissionGoneError):
            raise
        except BaseException as exc:
            try:
                reply = ["e", seq, self._encode_exception(exc, 0)]
            except Exception:
                failure = RuntimeError(f"{type(exc).__name__} that could not cross the boundary")
                reply = ["e", seq, self._encode_exception(failure, 0)]
        try:
            self._send(reply)
        except ValueError as exc:
            self._send(["e", seq, self._encode_exception(exc, 0)])

    # -- encoding ------------------------------------------------------------------
    def export(self, value: Any) -> int:
        key = id(value)
        found = self._export_ids.get(key)
        if found is not None and self.exports.get(found) is value:
            return found
        number = len(self.exports) + 1
        self.exports[number] = value
        self._export_ids[key] = number
        return number

    def encode(self, value: Any, depth: int = 0) -> Any:
        kind = type(value)
        if kind in _SCALARS:
            if kind is int and not -BIG_INT <= value <= BIG_INT:
                return ["I", format(value, "x")]
            if kind is float and not math.isfinite(value):
                return ["f", repr(value)]
            return value
        if isinstance(value, Proxy) and object.__getattribute__(value, "_tg_endpoint") is self:
            return ["Y", object.__getattribute__(value, "_tg_id")]
        stand_in = self.stand_ins.get(id(value))
        if stand_in is not None and stand_in[1] is value:
            return ["Y", stand_in[0]]
        if depth > DEPTH_CAP:
            return ["R", self.export(value)]
        inner = depth + 1
        if kind is list:
            return ["l", [self.encode(v, inner) for v in value]]
        if kind is tuple:
            return ["t", [self.encode(v, inner) for v in value]]
        if kind is dict:
            return ["d", [[self.encode(k, inner), self.encode(v, inner)] for k, v in value.items()]]
        if kind is set or kind is frozenset:
            return ["s" if kind is set else "S", [self.encode(v, inner) for v in value]]
        if kind is bytes or kind is bytearray:
            return ["b" if kind is bytes else "B", base64.b64encode(value).decode()]
        if kind is complex:
            return ["c", self.encode(value.real), self.encode(value.imag)]
        if kind is decimal.Decimal:
            return ["D", str(value)]
        if kind is fractions.Fraction:
            return ["Q", self.encode(value.numerator), self.encode(value.denominator)]
        if kind in _TIME_TYPES and _plain_tz(value):
            offset = value.utcoffset() if kind in (datetime.datetime, datetime.time) else None
            text = (
                value.replace(tzinfo=None).isoformat() if offset is not None else value.isoformat()
            )
            seconds = None if offset is None else offset // datetime.timedelta(microseconds=1)
            return ["T", _TIME_TYPES[kind], text, seconds]
        if kind is datetime.timedelta:
            return ["td", value.days, value.seconds, value.microseconds]
        if isinstance(value, BaseException):
            return self._encode_exception(value, depth)
        if isinstance(value, type):
            return self.encode_class(value)
        if _fields_of(kind) is not None:
            return ["N", self.encode_class(kind), [self.encode(v, inner) for v in value]]
        if self.trusted and isinstance(value, types.TracebackType):
            return None
        if self.trusted and isinstance(value, _OPAQUE):
            raise TypeError(f"a {kind.__name__} cannot be handed to the submission")
        return ["R", self.export(value)]

    def encode_class(self, cls: type) -> Any:
        stand_in = self.stand_ins.get(id(cls))
        if stand_in is not None and stand_in[1] is cls:
            return ["Y", stand_in[0]]
        module = getattr(cls, "__module__", None)
        qualname = getattr(cls, "__qualname__", None)
        if (
            issubclass(cls, BaseException)
            and type(module) is str
            and type(qualname) is str
            and _stdlib_class(module)
            and _lookup_class(module, qualname) is cls
        ):
            return ["C", module, qualname]
        name = cls.__name__ if type(cls.__name__) is str else "Object"
        if issubclass(cls, BaseException):
            bases = [self.encode_class(b) for b in cls.__bases__ if issubclass(b, BaseException)]
            return ["X", self.export(cls), name[:NAME_CAP], bases]
        fields = _fields_of(cls)
        if fields is not None:
            return ["NT", self.export(cls), name[:NAME_CAP], list(fields)]
        return ["R", self.export(cls)]

    def _encode_exception(self, exc: BaseException, depth: int) -> Any:
        stand_in = self.stand_ins.get(id(exc))
        if stand_in is not None and stand_in[1] is exc:
            return ["Y", stand_in[0]]
        try:
            args = [self.encode(a, depth + 1) for a in tuple(exc.args)[:16]]
        except Exception:
            args = []
        note = None
        if not self.trusted:  # the tests' tracebacks would show their source: never sent
            note = _submission_traceback(exc)
        chain = [None, None]
        if depth < CHAIN_CAP:
            for i, link in enumerate((exc.__cause__, exc.__context__)):
                if isinstance(link, BaseException) and link is not exc:
                    chain[i] = self._encode_exception(link, depth + 1)
        return ["E", self.encode_class(type(exc)), args, self.export(exc), note, *chain]

    # -- decoding ------------------------------------------------------------------
    def decode(self, data: Any, depth: int) -> Any:
        self._budget -= 1
        if self._budget < 0:
            self._violate(f"a message of over {ITEMS_CAP} values")
        kind = type(data)
        if kind in _SCALARS:
            return data
        if kind is not list or not data or type(data[0]) is not str or depth > DEPTH_CAP + 2:
            self._violate("a malformed value")
        tag, rest, inner = data[0], data[1:], depth + 1
        try:
            if tag in ("l", "t", "s", "S") and len(rest) == 1 and type(rest[0]) is list:
                items = [self.decode(v, inner) for v in rest[0]]
                return {"l": list, "t": tuple, "s": set, "S": frozenset}[tag](items)
            if tag == "d" and len(rest) == 1 and type(rest[0]) is list:
                pairs = rest[0]
                if not all(type(p) is list and len(p) == 2 for p in pairs):
                    self._violate("a malformed dict")
                return {self.decode(k, inner): self.decode(v, inner) for k, v in pairs}
            if tag in ("b", "B") and len(rest) == 1 and type(rest[0]) is str:
                raw = base64.b64decode(rest[0], validate=True)
                return raw if tag == "b" else bytearray(raw)
            if tag == "I" and len(rest) == 1 and type(rest[0]) is str and len(rest[0]) <= 1 << 20:
                return int(rest[0], 16)
            if tag == "f" and rest in (["nan"], ["inf"], ["-inf"]):
                return float(rest[0])
            if tag == "c" and len(rest) == 2:
                return complex(self._number(rest[0]), self._number(rest[1]))
            if tag == "D" and len(rest) == 1 and type(rest[0]) is str and len(rest[0]) <= 10_000:
                return decimal.Decimal(rest[0])
            if tag == "Q" and len(rest) == 2:
                return fractions.Fraction(self._integer(rest[0]), self._integer(rest[1]))
            if tag == "T" and len(rest) == 3 and rest[0] in _TIME_NAMES and type(rest[1]) is str:
                return _decode_time(rest[0], rest[1][:64], rest[2])
            if tag == "td" and len(rest) == 3 and all(type(v) is int for v in rest):
                return datetime.timedelta(days=rest[0], seconds=rest[1], microseconds=rest[2])
            if tag == "Y" and len(rest) == 1 and type(rest[0]) is int:
                if rest[0] not in self.exports:
                    self._violate("a reference to an object that was never handed over")
                return self.exports[rest[0]]
            if tag == "R" and len(rest) == 1 and type(rest[0]) is int:
                return self._proxy(rest[0])
            if tag in ("C", "X", "NT"):
                return self._decode_class(data)
            if tag == "N" and len(rest) == 2 and type(rest[1]) is list:
                cls = self._decode_class(rest[0])
                items = [self.decode(v, inner) for v in rest[1]]
                fields = _fields_of(cls)
                if fields is None or len(items) != len(fields):
                    self._violate("a malformed named tuple")
                return tuple.__new__(cls, items)
            if tag == "E" and len(rest) == 6 and type(rest[1]) is list and type(rest[2]) is int:
                return self._decode_exception(rest, inner)
        except (ProtocolViolationError, SubmissionGoneError):
            raise
        except (ValueError, TypeError, OverflowError, ArithmeticError, RecursionError):
            self._violate(f"a malformed value tagged {tag[:10]!r}")
        raise self._violation(f"an unknown value tagged {tag[:10]!r}")

    def _number(self, data: Any) -> int | float:
        value: int | float = self.decode(data, DEPTH_CAP)
        if type(value) not in (int, float):
            self._violate("a malformed number")
        return value

    def _integer(self, data: Any) -> int:
        value: int = self.decode(data, DEPTH_CAP)
        if type(value) is not int:
            self._violate("a malformed integer")
        return value

    def _proxy(self, their_id: int) -> Any:
        found = self.proxies.get(their_id)
        if found is None:
            kind = Proxy if self.trusted else TestObject
            found = kind.__new__(kind)
            object.__setattr__(found, "_tg_endpoint", self)
            object.__setattr__(found, "_tg_id", their_id)
            self.proxies[their_id] = found
        return found

    def _remember(self, their_id: int, local: Local) -> Local:
        self.stand_ins[id(local)] = (their_id, local)
        return local

    def _decode_class(self, data: Any) -> type:
        if type(data) is not list or not data:
            self._violate("a malformed class")
        tag, rest = data[0], data[1:]
        if tag == "Y" and len(rest) == 1:
            cls = self.decode(data, 0)
            if not isinstance(cls, type):
                self._violate("a class that is not a class")
            return cls
        if tag == "C" and len(rest) == 2 and all(type(v) is str for v in rest):
            cls = (
                _lookup_class(rest[0][:NAME_CAP], rest[1][:NAME_CAP])
                if _stdlib_class(rest[0])
                else None
            )
            if cls is None or not issubclass(cls, BaseException):
                self._violate("a class that is not a standard exception")
            return SubmissionInterruptError if cls is KeyboardInterrupt else cls
        if tag in ("X", "NT") and len(rest) == 3 and type(rest[0]) is int and type(rest[1]) is str:
            found = self.proxies.get(rest[0])
            if isinstance(found, type):
                return found
            name = rest[1][:NAME_CAP] if rest[1].isidentifier() else "SubmissionClass"
            if tag == "X":
                cls = self._mirror_exception(name, rest[2])
            else:
                cls = self._mirror_namedtuple(name, rest[2])
            self.proxies[rest[0]] = cls
            return self._remember(rest[0], cls)
        raise self._violation("a malformed class")

    def _mirror_exception(self, name: str, bases_data: Any) -> type:
        if type(bases_data) is not list or len(bases_data) > 8:
            self._violate("a malformed exception class")
        bases = tuple(dict.fromkeys(self._decode_class(b) for b in bases_data)) or (Exception,)
        namespace = {
            "__module__": "submission",
            "__getattr__": _mirror_getattr,
            "_tg_endpoint": self,
        }
        try:
            return type(name, bases, namespace)
        except TypeError:  # an impossible layout of bases: keep the name, drop the rest
            return type(name, (Exception,), namespace)

    def _mirror_namedtuple(self, name: str, fields: Any) -> type:
        if type(fields) is not list or len(fields) > 64 or not all(type(f) is str for f in fields):
            self._violate("a malformed named tuple class")
        # A mirror's name is known only at run time, which mypy's namedtuple check cannot see.
        base = collections.namedtuple(name, [f[:NAME_CAP] for f in fields], rename=True)  # type: ignore[misc]
        namespace = {
            "__module__": "submission",
            "__getattr__": _mirror_getattr,
            "_tg_endpoint": self,
        }
        return type(name, (base,), {"__slots__": (), **namespace})

    def _decode_exception(self, rest: list[Any], depth: int) -> BaseException:
        class_data, args_data, their_id, note, cause, context = rest
        existing = self.proxies.get(-their_id)
        if isinstance(existing, BaseException):
            return existing
        cls = self._decode_class(class_data)
        if not issubclass(cls, BaseException):
            self._violate("an exception of a class that is not an exception")
        args = tuple(self.decode(a, depth) for a in args_data[:16])
        try:
            exc = cls(*args)
        except Exception:
            exc = BaseException.__new__(cls)
        exc.args = args
        if type(note) is str and self.trusted:
            exc.add_note("in the submission:\n" + escape(note[-NOTE_CAP:], NOTE_CAP))
        for attribute, link in (("__cause__", cause), ("__context__", context)):
            if link is not None:
                linked = self.decode(link, depth)
                if isinstance(linked, BaseException) and linked is not exc:
                    setattr(exc, attribute, linked)
        self.proxies[-their_id] = exc
        return self._remember(their_id, exc)


def _submission_traceback(exc: BaseException) -> str:
    """The exception's traceback through the candidate's own code, without the
    frames of this module and the harness."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith("<trialgate_") and frame.filename != _THIS_FILE
    ][-8:]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    return ("Traceback (most recent call last):\n" if frames else "") + "".join(lines)[-NOTE_CAP:]


class SubmissionInterruptError(Exception):
    """What a KeyboardInterrupt from the other side becomes: an ordinary error,
    so the submission cannot stop the test session with one."""


def _mirror_getattr(self: Any, name: str) -> Any:
    """Attributes a mirror does not have locally are read from the original."""
    endpoint = type(self).__dict__.get("_tg_endpoint") or next(
        c.__dict__["_tg_endpoint"] for c in type(self).__mro__ if "_tg_endpoint" in c.__dict__
    )
    stand_in = endpoint.stand_ins.get(id(self))
    if name.startswith("_tg_") or stand_in is None or stand_in[1] is not self:
        raise AttributeError(name)
    return getattr(endpoint._proxy(stand_in[0]), name)


_THIS_FILE = globals().get("__file__", "<trialgate_boundary>")
_TIME_TYPES: dict[type, str] = {
    datetime.datetime: "datetime",
    datetime.date: "date",
    datetime.time: "time",
}
_TIME_NAMES: dict[str, type[datetime.date] | type[datetime.time]] = {
    "datetime": datetime.datetime,
    "date": datetime.date,
    "time": datetime.time,
}


def _plain_tz(value: Any) -> bool:
    tz = getattr(value, "tzinfo", None)
    return tz is None or type(tz) is datetime.timezone


def _decode_time(kind: str, text: str, offset: Any) -> Any:
    value = _TIME_NAMES[kind].fromisoformat(text)
    if offset is None:
        return value
    if type(offset) is not int or not isinstance(value, datetime.datetime | datetime.time):
        raise TypeError("offset")
    return value.replace(tzinfo=datetime.timezone(datetime.timedelta(microseconds=offset)))


def _lookup_class(module: str, qualname: str) -> type | None:
    """A class that `module` (already imported) defines under `qualname`; never imports."""
    found: Any = sys.modules.get(module)
    if found is None or "<" in qualname:
        return None
    for part in qualname.split("."):
        if part.startswith("_") and module != "builtins":
            return None
        found = getattr(found, part, None)
    return found if isinstance(found, type) else None


def _public_attribute(target: Any, name: str) -> Any:
    if type(name) is not str or name.startswith("_"):
        raise AttributeError("only public attributes of the tests' objects can be read")
    if isinstance(target, _OPAQUE + _GENERATOR_LIKE):
        raise AttributeError(f"attributes of a {type(target).__name__} cannot be read")
    return getattr(target, name)


def _call(target: Any, args: Any, kwargs: Any) -> Any:
    if type(args) is not list or type(kwargs) is not dict:
        raise TypeError("malformed call")
    return target(*args, **kwargs)


def _bounded_text(function: Any) -> Any:
    return lambda target: escape(function(target), 10_000)


# What the tester does for the submission: only on objects the tests handed over.
_TESTER_OPS = {
    "call": _call,
    "getattr": _public_attribute,
    "iter": iter,
    "next": next,
    "len": len,
    "bool": bool,
    "contains": operator.contains,
    "getitem": operator.getitem,
    "repr": _bounded_text(repr),
    "str": _bounded_text(str),
    "float": float,
    "int": int,
    "index": operator.index,
}

# What the submission does for the tests: anything, on its own objects.
_SUBMISSION_OPS = {
    **_TESTER_OPS,
    "getattr": getattr,
    "setattr": setattr,
    "delattr": delattr,
    "repr": repr,
    "str": str,
    "format": format,
    "dir": dir,
    "hash": hash,
    "setitem": operator.setitem,
    "delitem": operator.delitem,
    "instancecheck": isinstance,
    "subclasscheck": issubclass,
    "enter": lambda target: type(target).__enter__(target),
    "exit": lambda target, *info: type(target).__exit__(target, *info),
    "reversed": reversed,
    "import": importlib.import_module,
    "complex": complex,
    "round": round,
    **{
        name: getattr(operator, name)
        for name in (
            "eq", "ne", "lt", "le", "gt", "ge", "add", "sub", "mul", "truediv", "floordiv",
            "mod", "pow", "matmul", "and_", "or_", "xor", "lshift", "rshift",
            "neg", "pos", "abs", "invert",
        )
    },
}  # fmt: skip


def _forward(op: str) -> Any:
    def method(self: Any, *args: Any) -> Any:
        __tracebackhide__ = True
        return object.__getattribute__(self, "_tg_endpoint").request(op, self, *args)

    return method


def _between_proxies(op: str) -> Any:
    """A binary operator the candidate may decide only when both sides are its
    objects: with a test's value on the other side, Python's fallback applies
    (`==` is identity, ordering and arithmetic are unsupported)."""

    def method(self: Any, other: Any) -> Any:
        __tracebackhide__ = True
        endpoint = object.__getattribute__(self, "_tg_endpoint")
        if not (
            isinstance(other, Proxy) and object.__getattribute__(other, "_tg_endpoint") is endpoint
        ):
            return NotImplemented
        return endpoint.request(op, self, other)

    return method


class Proxy:
    """An object on the other side of the boundary."""

    __slots__ = ("__weakref__", "_tg_endpoint", "_tg_id")

    def __getattr__(self, name: str) -> Any:
        __tracebackhide__ = True
        if name.startswith("_tg_"):
            raise AttributeError(name)
        return object.__getattribute__(self, "_tg_endpoint").request("getattr", self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        __tracebackhide__ = True
        object.__getattribute__(self, "_tg_endpoint").request("setattr", self, name, value)

    def __delattr__(self, name: str) -> None:
        __tracebackhide__ = True
        object.__getattribute__(self, "_tg_endpoint").request("delattr", self, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        return object.__getattribute__(self, "_tg_endpoint").request(
            "call", self, list(args), kwargs
        )

    def __repr__(self) -> str:
        try:
            text = object.__getattribute__(self, "_tg_endpoint").request("repr", self)
        except Exception:
            return "<submission object>"
        return text if type(text) is str else "<submission object>"

    def __str__(self) -> str:
        __tracebackhide__ = True
        text = object.__getattribute__(self, "_tg_endpoint").request("str", self)
        if type(text) is not str:
            raise TypeError("__str__ returned non-string")
        return text

    def __hash__(self) -> int:
        # Local: decoding a set or dict of proxies must not call across the boundary.
        return hash((Proxy, object.__getattribute__(self, "_tg_id")))

    def __format__(self, spec: str) -> str:
        __tracebackhide__ = True
        text = object.__getattribute__(self, "_tg_endpoint").request("format", self, spec)
        if type(text) is not str:
            raise TypeError("__format__ returned non-string")
        return text

    def __instancecheck__(self, instance: Any) -> bool:
        __tracebackhide__ = True
        return (
            object.__getattribute__(self, "_tg_endpoint").request("instancecheck", instance, self)
            is True
        )

    def __subclasscheck__(self, cls: Any) -> bool:
        __tracebackhide__ = True
        return (
            object.__getattribute__(self, "_tg_endpoint").request("subclasscheck", cls, self)
            is True
        )

    def __exit__(self, *info: Any) -> Any:
        __tracebackhide__ = True
        return object.__getattribute__(self, "_tg_endpoint").request("exit", self, *info)

    __bool__ = _forward("bool")
    __len__ = _forward("len")
    __iter__ = _forward("iter")
    __next__ = _forward("next")
    __reversed__ = _forward("reversed")
    __contains__ = _forward("contains")
    __getitem__ = _forward("getitem")
    __setitem__ = _forward("setitem")
    __delitem__ = _forward("delitem")
    __int__ = _forward("int")
    __float__ = _forward("float")
    __complex__ = _forward("complex")
    __index__ = _forward("index")
    __round__ = _forward("round")
    __dir__ = _forward("dir")
    __enter__ = _forward("enter")
    __neg__ = _forward("neg")
    __pos__ = _forward("pos")
    __abs__ = _forward("abs")
    __invert__ = _forward("invert")
    __eq__ = _between_proxies("eq")
    __ne__ = _between_proxies("ne")
    __lt__ = _between_proxies("lt")
    __le__ = _between_proxies("le")
    __gt__ = _between_proxies("gt")
    __ge__ = _between_proxies("ge")
    __add__ = _between_proxies("add")
    __sub__ = _between_proxies("sub")
    __mul__ = _between_proxies("mul")
    __truediv__ = _between_proxies("truediv")
    __floordiv__ = _between_proxies("floordiv")
    __mod__ = _between_proxies("mod")
    __pow__ = _between_proxies("pow")
    __matmul__ = _between_proxies("matmul")
    __and__ = _between_proxies("and_")
    __or__ = _between_proxies("or_")
    __xor__ = _between_proxies("xor")
    __lshift__ = _between_proxies("lshift")
    __rshift__ = _between_proxies("rshift")


Proxy.__name__ = Proxy.__qualname__ = "SubmissionObject"


class TestObject(Proxy):
    """An object of the tests, as the candidate's code sees it."""

    __slots__ = ()
