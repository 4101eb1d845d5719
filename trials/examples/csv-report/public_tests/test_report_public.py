from decimal import Decimal

from sales_report import build_report, format_report

SAMPLE = (
    "date,region,product,quantity,unit_price\n"
    "2024-03-01,emea,Widget,2,30.00\n"
    "2024-03-01,APAC,Gadget,1,40\n"
    "2024-03-02,EMEA,Widget,three,30.00\n"
)


def test_regions_and_products():
    report = build_report(SAMPLE)
    assert report["regions"] == {"APAC": Decimal("40.00"), "EMEA": Decimal("60.00")}
    assert report["top_products"] == [("Widget", Decimal("60.00")), ("Gadget", Decimal("40.00"))]


def test_malformed_row_reported_with_line_number():
    report = build_report(SAMPLE)
    assert report["errors"] == [{"line": 4, "message": "invalid quantity"}]


def test_format_starts_with_counts():
    assert format_report(build_report(SAMPLE)).startswith("Valid rows: 2\nRejected rows: 1\nTotal: 100.00\n")
