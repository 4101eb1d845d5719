"""The leak checker finds hidden-test text however it was encoded, and only that."""

from __future__ import annotations

import base64
import gzip
import zlib
from pathlib import Path

import pytest

from tests.redteam.leaks import HiddenText, find_leaks
from trials.package import load_package

TRIAL = Path(__file__).resolve().parents[2] / "trials" / "examples" / "lru-cache"
HIDDEN_FILE = "test_lru_expiry.py"
SECRET_LINE = "def test_entry_expires_exactly_at_ttl():"


@pytest.fixture(scope="module")
def trial_text() -> tuple[HiddenText, bytes, str]:
    package = load_package(TRIAL)
    public = [*package.public_tests.values(), *package.starter.values(), package.statement.encode()]
    public_text = b"\n".join(package.public_tests.values()).decode()
    return HiddenText.of(package.tests, public), package.tests[HIDDEN_FILE], public_text


def test_the_fragments_are_the_long_hidden_lines_and_the_test_names(trial_text) -> None:
    hidden, source, _ = trial_text
    assert SECRET_LINE in hidden.fragments
    assert "test_put_get_and_default" in hidden.fragments
    assert "import pytest" not in hidden.fragments  # short: too common to mean anything
    assert "cache = LRUCache(2, clock=clock)" not in hidden.fragments  # also in the public tests
    assert b"def test_entry_expires_exactly_at_ttl" in source


def test_a_planted_zlib_base64_leak_is_found(trial_text) -> None:
    hidden, source, _ = trial_text
    planted = base64.b64encode(zlib.compress(source)).decode()
    message = f"AssertionError: assert <Value {planted[:900]}> == 1"
    assert any(SECRET_LINE in leak for leak in find_leaks(message, hidden))


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda s: s.decode(), id="plain"),
        pytest.param(lambda s: repr(s.decode()), id="repr-escaped"),
        pytest.param(lambda s: "x" + base64.b64encode(s).decode(), id="base64-misaligned"),
        pytest.param(
            lambda s: base64.urlsafe_b64encode(gzip.compress(s)).decode(), id="gzip-urlsafe"
        ),
        pytest.param(lambda s: "ab" + base64.b64encode(zlib.compress(s)).decode(), id="zlib-glued"),
        pytest.param(lambda s: base64.b32encode(s).decode(), id="base32"),
        pytest.param(lambda s: s.hex(), id="hex"),
        pytest.param(lambda s: base64.b64encode(s.hex().encode()).decode(), id="hex-in-base64"),
        pytest.param(
            lambda s: base64.b64encode(zlib.compress(s))[:400].decode(), id="truncated-zlib"
        ),
    ],
)
def test_an_encoded_leak_is_found(trial_text, encode) -> None:
    hidden, source, _ = trial_text
    assert find_leaks(f"RuntimeError: {encode(source)} (at lru_cache.py:3)", hidden)


def test_a_bare_test_name_is_a_leak(trial_text) -> None:
    hidden, _, _ = trial_text
    assert find_leaks("tests/test_lru_core.py::test_stored_none_is_a_hit", hidden)


def test_public_text_and_random_encodings_are_not_leaks(trial_text) -> None:
    hidden, _, public_text = trial_text
    noise = base64.b64encode(bytes(range(256)) * 4).decode() + " " + bytes(range(200)).hex()
    assert find_leaks(public_text, hidden) == []
    assert find_leaks(noise, hidden) == []
    assert find_leaks("public_tests/test_lru_public.py::test_basic_get_put", hidden) == []
