"""Repositories: plain async functions, connection first, one SQL string each.

They never commit (callers own transactions) and turn driver errors into the
service's errors on the spot.
"""
