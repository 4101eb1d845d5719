"""Grading, wired: a trial package and candidate files run in a sandbox and come back as a Grade.

Shared by the submission worker, the trial import (which grades a package's own solution) and
`trialgate grade`.
"""
