"""Sales CSV -> summary report (reference solution)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal

REQUIRED = ("date", "region", "product", "quantity", "unit_price")
CENT = Decimal("0.01")

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_QTY = re.compile(r"[0-9]+")
_PRICE = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _parse_line(line: str) -> list[str]:
    return [field.strip() for field in next(csv.reader([line]))]


def _row_error(fields: list[str], index: dict[str, int], width: int) -> str | None:
    if len(fields) != width:
        return f"expected {width} fields, got {len(fields)}"
    date = fields[index["date"]]
    if not _DATE.fullmatch(date):
        return "invalid date"
    try:
        dt.date(int(date[:4]), int(date[5:7]), int(date[8:]))
    except ValueError:
        return "invalid date"
    if not fields[index["region"]]:
        return "missing region"
    if not fields[index["product"]]:
        return "missing product"
    qty = fields[index["quantity"]]
    if not _QTY.fullmatch(qty) or int(qty) < 1:
        return "invalid quantity"
    if not _PRICE.fullmatch(fields[index["unit_price"]]):
        return "invalid unit_price"
    return None


def build_report(csv_text: str, top_n: int = 3) -> dict:
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 0:
        raise ValueError(f"top_n must be an int >= 0, got {top_n!r}")
    lines = [line.rstrip("\r") for line in csv_text.split("\n")]
    if not lines[0].strip():
        raise ValueError("missing header line")
    header = [name.lower() for name in _parse_line(lines[0])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValueError("missing columns: " + ", ".join(missing))
    index = {name: header.index(name) for name in REQUIRED}
    width = len(header)

    regions: dict[str, Decimal] = {}
    products: dict[str, Decimal] = {}
    errors: list[dict] = []
    valid = 0
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = _parse_line(line)
        message = _row_error(fields, index, width)
        if message is not None:
            errors.append({"line": lineno, "message": message})
            continue
        valid += 1
        revenue = int(fields[index["quantity"]]) * Decimal(fields[index["unit_price"]])
        region = fields[index["region"]].upper()
        product = fields[index["product"]]
        regions[region] = regions.get(region, Decimal(0)) + revenue
        products[product] = products.get(product, Decimal(0)) + revenue

    ranked = sorted(products.items(), key=lambda item: (-item[1], item[0]))
    return {
        "valid_rows": valid,
        "rejected_rows": len(errors),
        "total": _money(sum(regions.values(), Decimal(0))),
        "regions": {name: _money(regions[name]) for name in sorted(regions)},
        "top_products": [(name, _money(amount)) for name, amount in ranked[:top_n]],
        "errors": errors,
    }


def format_report(report: dict) -> str:
    out = [
        f"Valid rows: {report['valid_rows']}",
        f"Rejected rows: {report['rejected_rows']}",
        f"Total: {_money(report['total'])}",
        "Regions:",
    ]
    out += [f"  {name}: {_money(amount)}" for name, amount in report["regions"].items()]
    out.append("Top products:")
    out += [
        f"  {rank}. {name}: {_money(amount)}"
        for rank, (name, amount) in enumerate(report["top_products"], start=1)
    ]
    if report["errors"]:
        out.append("Errors:")
        out += [f"  line {e['line']}: {e['message']}" for e in report["errors"]]
    return "\n".join(out) + "\n"
