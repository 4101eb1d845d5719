"""Sales CSV -> summary report. See statement.md.

This is the client's first attempt. It works on their "happy path" sample but
does not follow the specification: it assumes a fixed column order, uses
floats for money, crashes on malformed rows and cannot format the report yet.
Fix and complete it.
"""

from __future__ import annotations

import csv
import io


def build_report(csv_text: str, top_n: int = 3) -> dict:
    reader = csv.reader(io.StringIO(csv_text))
    next(reader)  # header
    regions: dict = {}
    products: dict = {}
    valid = 0
    for date, region, product, quantity, unit_price in reader:
        revenue = int(quantity) * float(unit_price)
        regions[region] = regions.get(region, 0) + revenue
        products[product] = products.get(product, 0) + revenue
        valid += 1
    top = sorted(products.items(), key=lambda item: item[1], reverse=True)[:top_n]
    return {
        "valid_rows": valid,
        "rejected_rows": 0,
        "total": sum(regions.values()),
        "regions": regions,
        "top_products": top,
        "errors": [],
    }


def format_report(report: dict) -> str:
    raise NotImplementedError
