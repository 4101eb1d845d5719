"""The job queue: a table claimed with FOR UPDATE SKIP LOCKED under a renewable lease."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import msgspec

from service.db.connection import Connection


class Job(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    submission_id: UUID | None
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    infra_failures: int = 0  # faults of the engine or sandbox: they space retries, never park
    lease_generation: int = 0  # this claim's: every later write on the job must name it


async def enqueue(
    conn: Connection,
    *,
    kind: str,
    submission_id: UUID | None,
    payload: dict[str, Any] | None = None,
) -> int:
    job_id: int = await conn.fetchval(
        "INSERT INTO jobs (kind, submission_id, payload) VALUES ($1, $2, $3) RETURNING id",
        kind,
        submission_id,
        payload or {},
    )
    return job_id


async def claim(
    conn: Connection, *, owner: str, lease: timedelta, runs_per_candidate: int = 1
) -> Job | None:
    """Take the next due job, or one whose lease expired (its worker died), fairly: from
    the candidate served least recently, and never one whose candidate already has
    `runs_per_candidate` runs going. One candidate's backlog thus delays another's next
    submission by one run at most. The claim locks the candidate's turn, so two workers
    never pass the limit together."""
    row = await conn.fetchrow(
        "WITH picked AS ("
        "  SELECT j.id, t.candidate_id FROM jobs j "
        "  JOIN submissions s ON s.id = j.submission_id "
        "  JOIN candidate_turns t ON t.candidate_id = s.candidate_id "
        "  WHERE ((j.state = 'queued' AND j.run_after <= now()) "
        "    OR (j.state = 'running' AND j.lease_expires_at < now())) "
        "  AND (SELECT count(*) FROM jobs r JOIN submissions rs ON rs.id = r.submission_id "
        "    WHERE rs.candidate_id = t.candidate_id AND r.state = 'running' "
        "    AND r.lease_expires_at >= now()) < $3 "
        "  ORDER BY t.last_claimed_at NULLS FIRST, j.run_after, j.id "
        "  FOR UPDATE OF j, t SKIP LOCKED LIMIT 1"
        "), turn AS ("
        "  UPDATE candidate_turns SET last_claimed_at = clock_timestamp() FROM picked "
        "  WHERE candidate_turns.candidate_id = picked.candidate_id"
        ") "
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, "
        "lease_generation = lease_generation + 1, "
        "lease_expires_at = now() + $2, heartbeat_at = now() "
        "FROM picked WHERE jobs.id = picked.id "
        "RETURNING jobs.id, jobs.kind, jobs.submission_id, jobs.payload, jobs.attempts, "
        "jobs.max_attempts, jobs.infra_failures, jobs.lease_generation",
        owner,
        lease,
        runs_per_candidate,
    )
    return msgspec.convert(dict(row), Job) if row else None


# Every write below must hold the lease: this worker (owner) and the claim it made
# (generation), not an earlier one.


async def renew(
    conn: Connection, *, job_id: int, owner: str, generation: int, lease: timedelta
) -> bool:
    """False when the lease was lost (another worker took the job over)."""
    renewed = await conn.fetchval(
        "UPDATE jobs SET lease_expires_at = now() + $4, heartbeat_at = now() "
        "WHERE id = $1 AND lease_owner = $2 AND lease_generation = $3 AND state = 'running' "
        "RETURNING true",
        job_id,
        owner,
        generation,
        lease,
    )
    return bool(renewed)


async def complete(conn: Connection, *, job_id: int, owner: str, generation: int) -> bool:
    done = await conn.fetchval(
        "UPDATE jobs SET state = 'done', finished_at = now(), lease_owner = NULL, "
        "lease_expires_at = NULL "
        "WHERE id = $1 AND lease_owner = $2 AND lease_generation = $3 AND state = 'running' "
        "RETURNING true",
        job_id,
        owner,
        generation,
    )
    return bool(done)


async def retry_later(
    conn: Connection,
    *,
    job_id: int,
    owner: str,
    generation: int,
    delay: timedelta,
    error: str,
    infrastructure: bool = False,
) -> bool:
    """Back in the queue after `delay`, if `owner` still holds the job. An infrastructure
    fault gives its attempt back and is counted apart: it spaces retries, never parks."""
    done = await conn.fetchval(
        "UPDATE jobs SET state = 'queued', run_after = now() + $4, last_error = $5, "
        "attempts = CASE WHEN $6 THEN greatest(attempts - 1, 0) ELSE attempts END, "
        "infra_failures = infra_failures + CASE WHEN $6 THEN 1 ELSE 0 END, "
        "lease_owner = NULL, lease_expires_at = NULL "
        "WHERE id = $1 AND lease_owner = $2 AND lease_generation = $3 AND state = 'running' "
        "RETURNING true",
        job_id,
        owner,
        generation,
        delay,
        error,
        infrastructure,
    )
    return bool(done)


async def park(conn: Connection, *, job_id: int, owner: str, generation: int, error: str) -> bool:
    done = await conn.fetchval(
        "UPDATE jobs SET state = 'failed', finished_at = now(), last_error = $4, "
        "lease_owner = NULL, lease_expires_at = NULL "
        "WHERE id = $1 AND lease_owner = $2 AND lease_generation = $3 AND state = 'running' "
        "RETURNING true",
        job_id,
        owner,
        generation,
        error,
    )
    return bool(done)


class ParkedJob(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    submission_id: UUID | None
    attempts: int
    infra_failures: int
    last_error: str | None
    finished_at: str


async def parked(conn: Connection, *, limit: int = 100) -> list[ParkedJob]:
    """Jobs that failed on healthy infrastructure and wait for an operator, newest first."""
    rows = await conn.fetch(
        "SELECT id, submission_id, attempts, infra_failures, last_error, "
        "to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS finished_at "
        "FROM jobs WHERE state = 'failed' ORDER BY finished_at DESC, id DESC LIMIT $1",
        limit,
    )
    return [msgspec.convert(dict(row), ParkedJob) for row in rows]


async def retry_parked(conn: Connection, *, submission_ids: list[UUID] | None) -> list[UUID]:
    """Queue parked jobs again with a fresh set of attempts (all of them when
    `submission_ids` is None); their submissions go back to `queued`. Returns the
    submissions queued. Only parked jobs move: a job running or done is left alone."""
    rows = await conn.fetch(
        "UPDATE jobs SET state = 'queued', attempts = 0, infra_failures = 0, run_after = now(), "
        "finished_at = NULL, lease_owner = NULL, lease_expires_at = NULL, "
        "last_error = 'retried by an operator after: ' || coalesce(last_error, '') "
        "WHERE state = 'failed' AND ($1::uuid[] IS NULL OR submission_id = ANY($1)) "
        "RETURNING submission_id",
        submission_ids,
    )
    queued = [row["submission_id"] for row in rows if row["submission_id"] is not None]
    await conn.execute(
        "UPDATE submissions SET status = 'queued' WHERE id = ANY($1) AND status = 'failed'",
        queued,
    )
    return queued


async def cancel_parked(conn: Connection, *, submission_id: UUID) -> bool:
    """End a parked job for good: the job is done and its submission stays `failed`
    ("could not be graded"), which uses none of an attempt's submissions. Only a parked
    job moves: one queued, running or done is left alone (False)."""
    cancelled = await conn.fetchval(
        "WITH job AS ("
        "  UPDATE jobs SET state = 'done', finished_at = now(), lease_owner = NULL, "
        "  lease_expires_at = NULL, "
        "  last_error = 'cancelled by an operator after: ' || coalesce(last_error, '') "
        "  WHERE state = 'failed' AND submission_id = $1 RETURNING submission_id"
        "), marked AS ("
        "  UPDATE submissions SET status = 'failed' "
        "  WHERE id IN (SELECT submission_id FROM job) AND status <> 'graded'"
        ") SELECT count(*) > 0 FROM job",
        submission_id,
    )
    return bool(cancelled)


async def release_waiting_for_infrastructure(conn: Connection) -> int:
    """Make every job that is backing off from an infrastructure fault due now: the engine
    is back, so nothing should sit out the rest of a backoff that may be a minute long."""
    released = await conn.execute(
        "UPDATE jobs SET run_after = now() "
        "WHERE state = 'queued' AND infra_failures > 0 AND run_after > now()"
    )
    return int(released.split()[-1])
