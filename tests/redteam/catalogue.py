"""The hostile submissions kept in attacks/, and the honest bases they extend.

Each attack file is plain Python whose docstring says what it tries and ends
with a `Base: <name>.` line naming the honest module it is appended to:

- `starter`: the trial's starter, which implements nothing. The attack must
  earn no more than the plain starter.
- `no_expiry`: bases/no_expiry.py, which passes some tests and fails others.
  The attack must earn no more than the plain base.
- `solution`: the reference solution. Only leaks and voided runs are at stake.

The submitted `lru_cache.py` is the base followed by the attack, so a later
`class LRUCache` in the attack replaces the base's. A `Uses: <name>, ....` line
puts candidate-side helpers from kit/ that several attacks share in between. An attack that tries to
carry something out of the hidden tests as a value of its own choosing names
that value in a `Hidden marker: <word>.` line: it must never be shown to the
candidate.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Literal

import msgspec

from trials.package import TrialPackage

HERE = Path(__file__).parent
ATTACKS = HERE / "attacks"
MODULE = "lru_cache.py"
Base = Literal["starter", "no_expiry", "solution"]
BASES: tuple[Base, ...] = ("starter", "no_expiry", "solution")
_BASE_LINE = re.compile(r"^Base: (\w+)\.$", re.MULTILINE)
_MARKER_LINE = re.compile(r"^Hidden marker: (\S+)\.$", re.MULTILINE)
_USES_LINE = re.compile(r"^Uses: ([\w, ]+)\.$", re.MULTILINE)
KIT = ATTACKS / "kit"  # candidate-side helpers: hostile code too, linted as such


class Attack(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    base: str  # one of BASES when the file is well formed; checked by a test
    purpose: str  # the file's docstring, less the lines above
    source: str
    markers: tuple[str, ...] = ()  # values chosen while the hidden tests ran
    uses: tuple[str, ...] = ()  # helpers from kit/, put before the attack


def attack_names() -> list[str]:
    return sorted(path.stem for path in ATTACKS.glob("*.py"))


def load_attack(name: str) -> Attack:
    source = (ATTACKS / f"{name}.py").read_text()
    docstring = ast.get_docstring(ast.parse(source)) or ""
    base = _BASE_LINE.search(docstring)
    uses = _USES_LINE.search(docstring)
    purpose = docstring
    for line in (_BASE_LINE, _MARKER_LINE, _USES_LINE):
        purpose = line.sub("", purpose)
    return Attack(
        name=name,
        base=base.group(1) if base else "",
        purpose=purpose.strip(),
        source=source,
        markers=tuple(_MARKER_LINE.findall(docstring)),
        uses=tuple(u.strip() for u in uses.group(1).split(",")) if uses else (),
    )


def base_source(package: TrialPackage, base: Base) -> str:
    if base == "starter":
        return package.starter[MODULE].decode()
    if base == "solution":
        return package.solution[MODULE].decode()
    return (HERE / "bases" / f"{base}.py").read_text()


def submission(package: TrialPackage, attack: Attack) -> dict[str, bytes]:
    """The files the candidate submits: the base with the attack appended."""
    base = base_source(package, attack.base)  # type: ignore[arg-type]
    kit = "".join(f"\n\n# ---- kit: {u} ----\n{(KIT / f'{u}.py').read_text()}" for u in attack.uses)
    return {MODULE: f"{base}{kit}\n\n# ---- attack: {attack.name} ----\n{attack.source}".encode()}
