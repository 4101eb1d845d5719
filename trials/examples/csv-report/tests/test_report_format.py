from report_samples import HEADER, STATEMENT_EXAMPLE
from sales_report import build_report, format_report


def test_format_statement_example():
    text = format_report(build_report(STATEMENT_EXAMPLE, top_n=2))
    assert text == (
        "Valid rows: 4\n"
        "Rejected rows: 2\n"
        "Total: 215.50\n"
        "Regions:\n"
        "  APAC: 40.00\n"
        "  EMEA: 175.50\n"
        "Top products:\n"
        "  1. Widget: 120.00\n"
        "  2. Gadget: 95.50\n"
        "Errors:\n"
        "  line 4: invalid quantity\n"
        "  line 6: expected 5 fields, got 4\n"
    )


def test_format_without_errors_or_rows():
    assert format_report(build_report(HEADER)) == (
        "Valid rows: 0\n"
        "Rejected rows: 0\n"
        "Total: 0.00\n"
        "Regions:\n"
        "Top products:\n"
    )


def test_format_large_amounts_have_no_separators():
    text = format_report(build_report(HEADER + "2024-05-05,us,Server,1200,9999.99\n", top_n=1))
    assert "Total: 11999988.00\n" in text
    assert "  US: 11999988.00\n" in text
    assert "  1. Server: 11999988.00\n" in text
    assert "Errors:" not in text
