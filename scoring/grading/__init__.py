"""Grading: from what a sandbox observed to a verdict, a weighted score and per-test results."""
