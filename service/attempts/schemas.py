"""What the API and the pages say about an attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

# open: taking submissions; grading: ended, a submission of it still being graded;
# counted: settled into a trial result; no_result: settled with no graded submission;
# under_review: its work resembles another's and waits for an operator; rejected: an
# operator found it copied, so it never counts.
AttemptStatus = Literal["open", "grading", "counted", "no_result", "under_review", "rejected"]


class AttemptStart(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    candidate_id: UUID | None = None  # platforms and admins name the candidate


class AttemptResultOut(msgspec.Struct, frozen=True, kw_only=True):
    submission_id: UUID
    verdict: str
    score: float
    time_taken_seconds: int  # from the attempt's start to the counted submission


class AttemptOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    id: UUID
    trial_id: str
    trial_title: str
    candidate_id: UUID
    status: AttemptStatus
    started_at: datetime
    deadline: datetime
    seconds_left: int  # 0 once the attempt takes no more submissions
    ended_at: datetime | None = None
    closed_at: datetime | None = None
    submission_limit: int
    submissions_used: int
    practice_runs: int | None = None  # not for clients
    next_attempt_at: datetime  # when the cool-down after this attempt ends, at the earliest
    result: AttemptResultOut | None = None
