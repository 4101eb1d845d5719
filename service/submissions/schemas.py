"""What the API and the pages say about a submission and its result."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec


class SubmissionJSON(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    files: dict[str, Any]  # values checked one by one, so an error can name the file
    candidate_id: UUID | None = None


class TestOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    outcome: str
    visible: bool
    weight: float
    message: str = ""


class HiddenCount(msgspec.Struct, frozen=True, kw_only=True):
    passed: int
    total: int


class ResultOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    verdict: str
    score: float
    summary: str
    tests: list[TestOut]
    duration_ms: int  # wall time, by the sandbox's own clock
    cpu_ms: int  # CPU time, by the sandbox's own account
    peak_memory_mb: float
    hidden: HiddenCount | None = None  # how many hidden tests passed, when there are any
    flags: list[str] | None = None  # operators only
    output: str | None = None  # operators only: raw output can leak hidden tests


class SubmissionOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    id: UUID
    trial_id: str
    trial_version: str
    candidate_id: UUID
    status: str
    attempt_id: UUID | None = None
    practice: bool = False
    archive_sha256: str
    file_count: int
    created_at: datetime
    graded_at: datetime | None = None
    result: ResultOut | None = None
    error: str | None = None
