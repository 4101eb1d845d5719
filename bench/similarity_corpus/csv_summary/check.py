"""The csv_summary spec as asserts (see ../README.md)."""

from __future__ import annotations

from types import ModuleType

TEXT = """name, qty ,price,note,blank
apple, 3, 1.5, fresh,
pear, 1, 2,,
apple,, 0.25, fresh, ,
plum, 2
"""


def check(m: ModuleType) -> None:
    s = m.summarise(TEXT)
    assert list(s) == ["name", "qty", "price", "note", "blank"], list(s)
    assert s["name"] == {"type": "text", "count": 4, "distinct": 3, "top": "apple"}, s["name"]
    assert s["qty"] == {"type": "number", "count": 3, "min": 1.0, "max": 3.0, "mean": 2.0}, s["qty"]
    assert s["price"] == {"type": "number", "count": 3, "min": 0.25, "max": 2.0, "mean": 1.25}
    assert s["note"] == {"type": "text", "count": 2, "distinct": 1, "top": "fresh"}
    assert s["blank"] == {"type": "empty", "count": 0}
    assert m.summarise("a,b\nx,1\ny,2\nz,2\n")["b"]["mean"] == 1.67
    assert m.summarise("a\nq\np\np\nq\n")["a"]["top"] == "p"
    assert m.summarise("a,b\n1,x\n2.5e1,\n")["a"] == {
        "type": "number",
        "count": 2,
        "min": 1.0,
        "max": 25.0,
        "mean": 13.0,
    }
    assert m.format_summary(s) == (
        "name: text count=4 distinct=3 top=apple"
        "\nqty: number count=3 min=1 max=3 mean=2"
        "\nprice: number count=3 min=0.25 max=2 mean=1.25"
        "\nnote: text count=2 distinct=1 top=fresh"
        "\nblank: empty"
    )
    assert m.format_summary({}) == ""
    try:
        m.summarise("")
    except ValueError:
        pass
    else:
        raise AssertionError("no header must raise ValueError")
