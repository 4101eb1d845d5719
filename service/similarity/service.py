"""Similarity: each graded submission compared with other candidates' work on the same
trial and with the trial's own solution; pairs that look copied are flagged for an
operator, and the later work's attempt waits under review instead of counting.

The engine is `trials.similarity` (winnowing over normalised tokens). Code handed to
every candidate (the starter) is taken out of every fingerprint, so it never counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec
from cachetools import LRUCache

from service.db.connection import Connection
from service.errors import ConflictError, NotFoundError
from service.repo import attempts as attempts_repo
from service.repo import similarity as repo
from service.repo import submissions as submissions_repo
from service.repo import trials as trials_repo
from service.repo.similarity import FlagRow, StoredFingerprint
from service.repo.submissions import SubmissionRow
from service.trials.packages import cached_package
from trials.package import TrialPackage
from trials.similarity import (
    MIN_SHARED,
    SIMILARITY_THRESHOLD,
    VERSION,
    Fingerprint,
    Match,
    Region,
    compare,
    fingerprint,
    is_suspicious,
)
from trials.submissions import read_submission

SHOWN_FILE_BYTES = 64 * 1024
# One submission resembling many others is one case for an operator, not a flood of flags:
# the closest ones are kept. Regions shown per flag are bounded likewise.
MAX_FLAGS_PER_SUBMISSION = 10
MAX_REGIONS = 100  # a file shown side by side; larger ones are cut


class Suspect(msgspec.Struct, frozen=True, kw_only=True):
    other_submission_id: UUID | None  # None: the trial's own solution
    other_attempt_id: UUID | None
    match: Match


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    fingerprint: Fingerprint
    suspects: tuple[Suspect, ...]  # so far: the trial's own solution, when it is one


# A trial version's fingerprints of what every candidate is handed (the starter and the
# public tests, which a candidate may copy into tests of their own) and of its solution
# without that, by content hash: a version never changes.
_trial_prints: LRUCache[str, tuple[Fingerprint, Fingerprint]] = LRUCache(maxsize=64)


def _trial_fingerprints(package: TrialPackage) -> tuple[Fingerprint, Fingerprint]:
    found = _trial_prints.get(package.content_hash)
    if found is None:
        handed = fingerprint(
            {
                **package.starter,
                **{f"public_tests/{path}": data for path, data in package.public_tests.items()},
            }
        )
        found = handed, fingerprint(package.solution, ignore=[handed])
        _trial_prints[package.content_hash] = found
    return found


def examine(package: TrialPackage, files: dict[str, bytes]) -> Finding:
    """Pure and CPU-bound (callers run it in a thread): the submission's fingerprint, and
    whether it resembles the trial's own solution past the threshold."""
    handed, solution = _trial_fingerprints(package)
    own = fingerprint(files, ignore=[handed])
    match = compare(own, solution)
    suspects = (
        (Suspect(other_submission_id=None, other_attempt_id=None, match=match),)
        if is_suspicious(match)
        else ()
    )
    return Finding(fingerprint=own, suspects=suspects)


def _suspects(own: Fingerprint, others: list[StoredFingerprint]) -> list[Suspect]:
    found = []
    for other in others:
        if other.fingerprint.get("version") != VERSION:
            continue  # made by another version of the engine: not comparable
        match = compare(own, msgspec.convert(other.fingerprint, Fingerprint))
        if is_suspicious(match):
            found.append(
                Suspect(
                    other_submission_id=other.submission_id,
                    other_attempt_id=other.attempt_id,
                    match=match,
                )
            )
    return found


async def record(conn: Connection, submission: SubmissionRow, finding: Finding) -> int:
    """Compare the submission with other candidates' work on the trial, store its
    fingerprint and the flags, and put its attempt under review when it is flagged. In
    the grade's own transaction, before its attempt settles, so a flagged attempt is never
    counted first; under a lock per trial, so two submissions graded at once meet.
    Returns the flags raised."""
    await repo.lock_trial(conn, trial_id=submission.trial_id)
    hashes = sorted({mark.hash for mark in finding.fingerprint.marks})
    capped = finding.fingerprint.threshold is not None
    near = await repo.sharing_hashes(
        conn,
        trial_id=submission.trial_id,
        candidate_id=submission.candidate_id,
        hashes=hashes,
        capped=capped,
        at_least=MIN_SHARED,
        share=SIMILARITY_THRESHOLD,
    )
    if not await repo.store_fingerprint(
        conn,
        submission_id=submission.id,
        trial_id=submission.trial_id,
        candidate_id=submission.candidate_id,
        fingerprint=msgspec.to_builtins(finding.fingerprint),
        hashes=hashes,
        capped=capped,
    ):
        return 0  # recorded by an earlier hand-off of the same grade
    suspects = sorted(
        [*finding.suspects, *_suspects(finding.fingerprint, near)],
        key=lambda suspect: -suspect.match.similarity,
    )
    raised = 0
    for suspect in suspects[:MAX_FLAGS_PER_SUBMISSION]:
        flag = await repo.insert_flag(
            conn,
            trial_id=submission.trial_id,
            submission_id=submission.id,
            other_submission_id=suspect.other_submission_id,
            similarity=suspect.match.similarity,
            shared=suspect.match.shared,
            regions=msgspec.to_builtins(suspect.match.regions[:MAX_REGIONS]),
        )
        raised += flag is not None
    if raised and submission.attempt_id is not None:
        # Only the later work waits: the earlier side was there first and keeps counting
        # unless an operator finds otherwise, so no one can put another's result on hold
        # by copying it.
        await attempts_repo.lock_attempts(conn, attempt_ids=[submission.attempt_id])
        await attempts_repo.set_review(conn, attempt_ids=[submission.attempt_id], review="pending")
    return raised


Decision = Literal["cleared", "confirmed"]


async def decide(
    conn: Connection, decided_by: UUID | None, flag_id: UUID, decision: Decision, note: str
) -> FlagRow:
    """An operator's call on the flagged (later) submission's attempt (`decided_by`: their
    key; None from the command line). Cleared: not copied; the attempt counts once no
    other flag on its work is open. Confirmed: copied; the attempt is rejected and never
    counts. The earlier side was never held, and a decision here does not touch it."""
    flag = await repo.get_flag(conn, flag_id=flag_id, lock=True)
    if flag is None:
        raise NotFoundError(f"No similarity flag {flag_id}.", field="flag_id")
    if flag.attempt_id is not None:
        await attempts_repo.lock_attempts(conn, attempt_ids=[flag.attempt_id])
    if flag.status != "open":
        raise ConflictError(
            f"Flag {flag_id} was already decided ({flag.status}).", field="decision"
        )
    await repo.decide_flag(conn, flag_id=flag_id, status=decision, decided_by=decided_by, note=note)
    if flag.attempt_id is not None:
        if decision == "confirmed":
            await attempts_repo.set_review(conn, attempt_ids=[flag.attempt_id], review="rejected")
        elif not await repo.attempts_with_open_flags(conn, attempt_ids=[flag.attempt_id]):
            await attempts_repo.set_review(conn, attempt_ids=[flag.attempt_id], review="cleared")
    found = await repo.get_flag(conn, flag_id=flag_id)
    assert found is not None
    return found


class SideBySide(msgspec.Struct, frozen=True, kw_only=True):
    files_a: dict[str, str]  # the flagged submission's files named in a region
    files_b: dict[str, str]  # the other side's: a submission's, or the solution's


async def side_by_side(conn: Connection, flag: FlagRow) -> SideBySide:
    """The files the matching regions name, on both sides, as text an operator reads."""
    names_a = {r["file_a"] for r in flag.regions}
    names_b = {r["file_b"] for r in flag.regions}
    files_a = await _submission_files(conn, flag.submission_id)
    if flag.other_submission_id is not None:
        files_b = await _submission_files(conn, flag.other_submission_id)
    else:
        submission = await submissions_repo.get_submission(conn, submission_id=flag.submission_id)
        assert submission is not None  # a foreign key
        version = await trials_repo.get_version(conn, version_id=submission.trial_version_id)
        assert version is not None
        files_b = cached_package(version.content_hash, version.package).solution
    return SideBySide(
        files_a={p: _text(d) for p, d in sorted(files_a.items()) if p in names_a},
        files_b={p: _text(d) for p, d in sorted(files_b.items()) if p in names_b},
    )


async def _submission_files(conn: Connection, submission_id: UUID) -> dict[str, bytes]:
    archive = await submissions_repo.get_archive(conn, submission_id=submission_id)
    return read_submission(archive, unwrap=False) if archive else {}


def _text(data: bytes) -> str:
    return data[:SHOWN_FILE_BYTES].decode("utf-8", "replace")


class FlagOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    id: UUID
    trial_id: str
    status: Literal["open", "cleared", "confirmed"]
    similarity: float  # shared fingerprints over the smaller side's
    shared: int
    submission_id: UUID
    candidate_id: UUID
    candidate_name: str
    attempt_id: UUID | None = None
    other_kind: Literal["submission", "solution"]
    other_submission_id: UUID | None = None
    other_candidate_id: UUID | None = None
    other_candidate_name: str | None = None
    other_attempt_id: UUID | None = None
    regions: list[Region]  # the matching lines, on each side
    note: str = ""
    created_at: datetime
    decided_at: datetime | None = None
    side_by_side: SideBySide | None = None  # one flag read on its own


def flag_out(flag: FlagRow, shown: SideBySide | None = None) -> FlagOut:
    return FlagOut(
        id=flag.id,
        trial_id=flag.trial_id,
        status=flag.status,
        similarity=flag.similarity,
        shared=flag.shared,
        submission_id=flag.submission_id,
        candidate_id=flag.candidate_id,
        candidate_name=flag.candidate_name,
        attempt_id=flag.attempt_id,
        other_kind=flag.other_kind,
        other_submission_id=flag.other_submission_id,
        other_candidate_id=flag.other_candidate_id,
        other_candidate_name=flag.other_candidate_name,
        other_attempt_id=flag.other_attempt_id,
        regions=[msgspec.convert(r, Region) for r in flag.regions],
        note=flag.note,
        created_at=flag.created_at,
        decided_at=flag.decided_at,
        side_by_side=shown,
    )
