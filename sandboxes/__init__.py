"""Isolated execution of untrusted code: images, limits, a warm pool, run and collect.

Knows nothing of HTTP or SQL; speaks msgspec Structs.
"""
