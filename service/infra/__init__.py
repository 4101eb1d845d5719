"""Bringing up the embedded defaults: a private PostgreSQL cluster and Docker engine."""
