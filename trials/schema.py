"""Checking plain data (parsed TOML) against a msgspec Struct, reporting every problem.

`msgspec.convert` stops at the first error. Authors fix a manifest faster when
they see all its mistakes at once, so `check` walks the Struct's fields itself,
converts each leaf separately, and words msgspec's errors for a human, naming
the field's dotted path (`limits.memory_mb`, `skills[1]`,
`scoring.weights."tests/x.py"`).

A constraint reads best when its `msgspec.Meta` carries a `description`
phrased to follow "must be", e.g. `Meta(ge=32, le=4096, description="between
32 and 4096")`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, get_args, get_origin

import msgspec

Path = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TYPE_ERROR = re.compile(r"Expected `([^`]+)`, got `([^`]+)`")
_AT = re.compile(r" - at `[^`]*`$")
_AT_PATH = re.compile(r" - at `(?:key` in `)?\$\.?([^`]*)`$")
_TYPE_WORDS = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "bool": "a boolean",
    "array": "an array",
    "object": "a table",
    "null": "nothing",
    "datetime": "a date-time",
    "date": "a date",
    "time": "a time",
}


def render(path: Path) -> str:
    """Render a field path the way a TOML author would write it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        key = part if _BARE_KEY.fullmatch(part) else msgspec.json.encode(part).decode()
        out = f"{out}.{key}" if out else key
    return out


def check(value: object, tp: Any, path: Path = ()) -> list[tuple[Path, str]]:
    """Every problem found in `value` as a `tp`, as (field path, message) pairs."""
    problems: list[tuple[Path, str]] = []
    _check(value, tp, path, problems)
    return problems


def from_error(exc: msgspec.ValidationError) -> tuple[str | None, str]:
    """(field path, message) from msgspec's own error, e.g. "... - at `$.limits.pids`".

    The fallback for a failure `check` did not foresee.
    """
    text = str(exc)
    match = _AT_PATH.search(text)
    if match is None:
        return None, _explain(text, None)
    return match.group(1) or None, _explain(text[: match.start()], None)


def _check(value: object, tp: Any, path: Path, problems: list[tuple[Path, str]]) -> None:
    base, metas = _unwrap(tp)
    if isinstance(base, type) and issubclass(base, msgspec.Struct):
        _check_struct(value, base, path, problems)
        return
    origin = get_origin(base)
    if origin is dict and isinstance(value, dict):
        key_type, value_type = get_args(base)
        if _leaf(value, Annotated[dict[Any, Any], *metas] if metas else dict, path, problems):
            for key, item in value.items():
                if _leaf(key, key_type, (*path, str(key)), problems):
                    _check(item, value_type, (*path, str(key)), problems)
        return
    if origin is list and isinstance(value, list):
        (item_type,) = get_args(base)
        if _leaf(value, Annotated[list[Any], *metas] if metas else list, path, problems):
            for index, item in enumerate(value):
                _check(item, item_type, (*path, index), problems)
        return
    _leaf(value, tp, path, problems)


def _check_struct(
    value: object, struct: type[msgspec.Struct], path: Path, problems: list[tuple[Path, str]]
) -> None:
    if not isinstance(value, dict):
        problems.append((path, f"expected a table, got {_describe(value)}"))
        return
    fields = {f.encode_name: f for f in msgspec.structs.fields(struct)}
    for key in value:
        if key not in fields:
            known = ", ".join(fields)
            problems.append(((*path, str(key)), f"unknown key (known keys here: {known})"))
    for name, field in fields.items():
        if name in value:
            _check(value[name], field.type, (*path, name), problems)
        elif field.required:
            problems.append(((*path, name), "is required"))


def _leaf(value: object, tp: Any, path: Path, problems: list[tuple[Path, str]]) -> bool:
    try:
        msgspec.convert(value, tp)
    except msgspec.ValidationError as exc:
        problems.append((path, _explain(str(exc), tp)))
        return False
    return True


def _explain(message: str, tp: Any) -> str:
    message = _AT.sub("", message)
    wrong_type = _TYPE_ERROR.match(message)
    if wrong_type:
        expected, got = wrong_type.groups()
        return f"expected {_TYPE_WORDS.get(expected, expected)}, got {_TYPE_WORDS.get(got, got)}"
    descriptions = [m.description for m in _unwrap(tp)[1] if m.description]
    if descriptions:
        return f"must be {descriptions[0]}"
    return message[:1].lower() + message[1:]


def _describe(value: object) -> str:
    words = {bool: "bool", int: "int", float: "float", str: "str", list: "array", dict: "object"}
    name = words.get(type(value), type(value).__name__)
    return _TYPE_WORDS.get(name, name)


def _unwrap(tp: Any) -> tuple[Any, tuple[msgspec.Meta, ...]]:
    if get_origin(tp) is Annotated:
        base, *extras = get_args(tp)
        return base, tuple(m for m in extras if isinstance(m, msgspec.Meta))
    return tp, ()
