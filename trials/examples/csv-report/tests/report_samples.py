"""Shared CSV fixtures for the hidden tests."""

STATEMENT_EXAMPLE = (
    "date,region,product,quantity,unit_price\n"
    "2024-03-01,emea,Widget,2,30.00\n"
    "2024-03-01,APAC,Gadget,1,40\n"
    "2024-03-02,EMEA,Widget,three,30.00\n"
    "2024-03-02,EMEA,Gadget,3,18.50\n"
    "2024-03-03,EMEA,Widget,2\n"
    "2024-03-03,EMEA,Widget,2,30\n"
)

HEADER = "date,region,product,quantity,unit_price\n"
