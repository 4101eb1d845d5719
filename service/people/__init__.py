"""The people domain: what the API, the pages and the CLI share."""
