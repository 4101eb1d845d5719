from decimal import Decimal

import pytest

from report_samples import HEADER, STATEMENT_EXAMPLE
from sales_report import build_report


def test_totals_are_exact_two_place_decimals():
    text = HEADER + "".join(
        f"2024-01-0{d},NA,Pen,3,0.10\n" for d in range(1, 4)
    )
    report = build_report(text)
    assert report["valid_rows"] == 3
    assert isinstance(report["total"], Decimal)
    assert str(report["total"]) == "0.90"          # 9 * 0.10 exactly, no float drift
    assert str(report["regions"]["NA"]) == "0.90"
    assert [(p, str(v)) for p, v in report["top_products"]] == [("Pen", "0.90")]


def test_statement_example_full_report():
    report = build_report(STATEMENT_EXAMPLE, top_n=2)
    assert report == {
        "valid_rows": 4,
        "rejected_rows": 2,
        "total": Decimal("215.50"),
        "regions": {"APAC": Decimal("40.00"), "EMEA": Decimal("175.50")},
        "top_products": [("Widget", Decimal("120.00")), ("Gadget", Decimal("95.50"))],
        "errors": [
            {"line": 4, "message": "invalid quantity"},
            {"line": 6, "message": "expected 5 fields, got 4"},
        ],
    }
    assert [str(v) for v in report["regions"].values()] == ["40.00", "175.50"]


def test_columns_in_any_order_with_extras_and_quoting():
    text = (
        " Unit_Price , PRODUCT,notes,quantity,Region,date\n"
        '2.50,"Cable, 2m","gift, wrapped",4,emea,2024-02-29\n'
        '10,Adapter,,1, Emea ,2024-12-31\n'
    )
    report = build_report(text)
    assert report["errors"] == []
    assert report["regions"] == {"EMEA": Decimal("20.00")}
    assert report["top_products"] == [("Adapter", Decimal("10.00")), ("Cable, 2m", Decimal("10.00"))]


def test_blank_lines_skipped_but_counted_and_crlf():
    text = HEADER.replace("\n", "\r\n") + "\r\n   \r\n2024-01-01,EU,Pen,1,abc\r\n2024-01-01,EU,Pen,1,1\r\n"
    report = build_report(text)
    assert report["errors"] == [{"line": 4, "message": "invalid unit_price"}]
    assert report["valid_rows"] == 1
    assert report["total"] == Decimal("1.00")


def check_rows(cases):
    failures = []
    for row, message in cases:
        report = build_report(HEADER + "2024-01-01,EU,Pen,2,5\n" + row + "\n")
        expected = {
            "errors": [{"line": 3, "message": message}],
            "valid_rows": 1,
            "rejected_rows": 1,
            "total": Decimal("10.00"),
        }
        got = {key: report[key] for key in expected}
        if got != expected:
            failures.append(f"row {row!r}: expected {expected}, got {got}")
    assert not failures, "\n".join(failures)


def test_malformed_field_count_and_date():
    check_rows([
        ("2024-01-01,EU,Pen,1,1,extra", "expected 5 fields, got 6"),
        ("2024-01-01,EU,Pen", "expected 5 fields, got 3"),
        ("2024-02-30,EU,Pen,1,1", "invalid date"),
        ("2024/01/01,EU,Pen,1,1", "invalid date"),
        ("20240101,EU,Pen,1,1", "invalid date"),
        ("2024-1-01,EU,Pen,1,1", "invalid date"),
    ])


def test_malformed_region_product_quantity():
    check_rows([
        ("2024-01-01, ,Pen,1,1", "missing region"),
        ("2024-01-01,EU,,1,1", "missing product"),
        ("2024-01-01,EU,Pen,0,1", "invalid quantity"),
        ("2024-01-01,EU,Pen,-2,1", "invalid quantity"),
        ("2024-01-01,EU,Pen,1.5,1", "invalid quantity"),
    ])


def test_malformed_unit_price():
    check_rows([
        ("2024-01-01,EU,Pen,1,-1", "invalid unit_price"),
        ("2024-01-01,EU,Pen,1,1e3", "invalid unit_price"),
        ("2024-01-01,EU,Pen,1,12.", "invalid unit_price"),
        ("2024-01-01,EU,Pen,1,.5", "invalid unit_price"),
        ("2024-01-01,EU,Pen,1,1.999", "invalid unit_price"),
        ("2024-01-01,EU,Pen,1,$5", "invalid unit_price"),
    ])


def test_malformed_only_first_failure_reported():
    check_rows([
        ("2024-02-30,,,0,x", "invalid date"),
        ("2024-01-01,EU,,0,x", "missing product"),
        ("2024-01-01,EU,Pen,0,x", "invalid quantity"),
        ("x,y", "expected 5 fields, got 2"),
    ])


def test_malformed_rows_many_line_numbers():
    text = (
        HEADER
        + "2024-01-01,EU,Pen,1,1\n"       # 2 ok
        + "bad\n"                          # 3
        + "\n"                             # 4 blank
        + "2024-01-01,EU,Pen,x,1\n"       # 5
        + "2024-01-01,EU,Pen,1,2.5\n"     # 6 ok
        + "2024-13-01,EU,Pen,1,1"         # 7, no trailing newline
    )
    report = build_report(text)
    assert report["errors"] == [
        {"line": 3, "message": "expected 5 fields, got 1"},
        {"line": 5, "message": "invalid quantity"},
        {"line": 7, "message": "invalid date"},
    ]
    assert report["valid_rows"] == 2
    assert report["rejected_rows"] == 3
    assert report["total"] == Decimal("3.50")


def test_ranking_ties_and_top_n():
    text = HEADER + (
        "2024-01-01,EU,beta,1,5\n"
        "2024-01-01,EU,Alpha,1,5\n"
        "2024-01-01,EU,gamma,1,7\n"
        "2024-01-01,US,delta,2,1.5\n"
    )
    assert build_report(text, top_n=10)["top_products"] == [
        ("gamma", Decimal("7.00")),
        ("Alpha", Decimal("5.00")),
        ("beta", Decimal("5.00")),
        ("delta", Decimal("3.00")),
    ]
    assert build_report(text, top_n=2)["top_products"] == [
        ("gamma", Decimal("7.00")),
        ("Alpha", Decimal("5.00")),
    ]
    assert build_report(text, top_n=0)["top_products"] == []
    assert build_report(text)["regions"] == {"EU": Decimal("17.00"), "US": Decimal("3.00")}


def test_header_only_gives_empty_report():
    report = build_report(HEADER)
    assert report == {
        "valid_rows": 0,
        "rejected_rows": 0,
        "total": Decimal("0.00"),
        "regions": {},
        "top_products": [],
        "errors": [],
    }
    assert str(report["total"]) == "0.00"


def test_bad_header_and_arguments():
    with pytest.raises(ValueError):
        build_report("")
    with pytest.raises(ValueError):
        build_report("   \n" + HEADER)
    with pytest.raises(ValueError) as info:
        build_report("date,region,product\n2024-01-01,EU,Pen\n")
    assert "quantity" in str(info.value)
    assert "unit_price" in str(info.value)
    with pytest.raises(ValueError):
        build_report(HEADER, top_n=-1)
