"""What an operator watches: the queue, grading throughput, verdicts and recent failures."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from service.db.connection import Connection, returned_row


class QueueDepth(msgspec.Struct, frozen=True, kw_only=True):
    queued: int
    running: int
    failed: int


class HourCount(msgspec.Struct, frozen=True, kw_only=True):
    hour: datetime
    runs: int


class VerdictCount(msgspec.Struct, frozen=True, kw_only=True):
    verdict: str
    runs: int


class Failure(msgspec.Struct, frozen=True, kw_only=True):
    job_id: int
    submission_id: UUID | None
    state: str
    attempts: int
    error: str
    at: datetime


async def queue_depth(conn: Connection) -> QueueDepth:
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE state = 'queued') AS queued, "
        "count(*) FILTER (WHERE state = 'running') AS running, "
        "count(*) FILTER (WHERE state = 'failed') AS failed "
        "FROM jobs WHERE state IN ('queued', 'running', 'failed')"
    )
    return msgspec.convert(dict(returned_row(row)), QueueDepth)


async def runs_per_hour(conn: Connection, *, hours: int = 24) -> list[HourCount]:
    """Graded runs in each of the last `hours` hours, oldest first, empty hours included."""
    rows = await conn.fetch(
        "SELECT h.hour, count(r.submission_id)::int AS runs FROM generate_series("
        "  date_trunc('hour', now()) - make_interval(hours => $1 - 1), "
        "  date_trunc('hour', now()), interval '1 hour') AS h(hour) "
        "LEFT JOIN results r ON date_trunc('hour', r.created_at) = h.hour "
        "GROUP BY h.hour ORDER BY h.hour",
        hours,
    )
    return [msgspec.convert(dict(r), HourCount) for r in rows]


async def verdict_mix(conn: Connection, *, since: datetime) -> list[VerdictCount]:
    """Results graded since `since`, by verdict: the same rows the submissions list shows
    for `by=graded&from=since`, so each count opens exactly its runs."""
    rows = await conn.fetch(
        "SELECT verdict, count(*)::int AS runs FROM results WHERE created_at >= $1 "
        "GROUP BY verdict ORDER BY runs DESC, verdict",
        since,
    )
    return [msgspec.convert(dict(r), VerdictCount) for r in rows]


async def recent_failures(conn: Connection, *, limit: int = 10) -> list[Failure]:
    """Jobs that hit an infrastructure error: parked for good, or waiting to be retried."""
    rows = await conn.fetch(
        "SELECT id AS job_id, submission_id, state, attempts, last_error AS error, "
        "coalesce(finished_at, run_after) AS at FROM jobs WHERE last_error IS NOT NULL "
        "ORDER BY coalesce(finished_at, run_after) DESC LIMIT $1",
        limit,
    )
    return [msgspec.convert(dict(r), Failure) for r in rows]


# The queue job by job, for the console's queue page.


class RunningJob(msgspec.Struct, frozen=True, kw_only=True):
    job_id: int
    submission_id: UUID | None
    candidate_name: str | None
    trial_id: str | None
    worker: str | None  # the lease owner: host:pid:object of the worker process
    attempts: int
    max_attempts: int
    heartbeat_age_s: int | None  # seconds since the worker last renewed the lease
    lease_left_s: int | None  # seconds until the lease runs out; negative: it has


class WaitingJob(msgspec.Struct, frozen=True, kw_only=True):
    job_id: int
    submission_id: UUID | None
    candidate_name: str | None
    trial_id: str | None
    attempts: int
    infra_failures: int
    last_error: str | None
    waited_s: int  # since the job was queued first
    due_in_s: int  # until it may be claimed; 0 or less: now


class ParkedRow(msgspec.Struct, frozen=True, kw_only=True):
    job_id: int
    submission_id: UUID | None
    candidate_name: str | None
    trial_id: str | None
    attempts: int
    max_attempts: int
    last_error: str | None
    finished_at: datetime | None


class QueueWait(msgspec.Struct, frozen=True, kw_only=True):
    queued: int
    due: int  # of those, claimable now; the others back off after an error
    oldest_wait_s: int | None


class Worker(msgspec.Struct, frozen=True, kw_only=True):
    owner: str
    jobs: int
    last_heartbeat: datetime | None
    heartbeat_age_s: int | None
    lapsed: bool  # every lease it holds ran out: the worker is probably gone


_JOB_CONTEXT = (
    "FROM jobs j LEFT JOIN submissions s ON s.id = j.submission_id "
    "LEFT JOIN trial_versions v ON v.id = s.trial_version_id "
    "LEFT JOIN actors c ON c.id = s.candidate_id "
)


async def running_jobs(conn: Connection, *, limit: int = 200) -> list[RunningJob]:
    """Jobs held by a worker, the least recently heard from first."""
    rows = await conn.fetch(
        "SELECT j.id AS job_id, j.submission_id, c.display_name AS candidate_name, v.trial_id, "  # noqa: S608 - constants
        "j.lease_owner AS worker, j.attempts, j.max_attempts, "
        "extract(epoch FROM now() - j.heartbeat_at)::int AS heartbeat_age_s, "
        "extract(epoch FROM j.lease_expires_at - now())::int AS lease_left_s "
        + _JOB_CONTEXT
        + "WHERE j.state = 'running' ORDER BY j.heartbeat_at NULLS FIRST, j.id LIMIT $1",
        limit,
    )
    return [msgspec.convert(dict(r), RunningJob) for r in rows]


async def queue_wait(conn: Connection) -> QueueWait:
    row = await conn.fetchrow(
        "SELECT count(*)::int AS queued, count(*) FILTER (WHERE run_after <= now())::int AS due, "
        "extract(epoch FROM now() - min(created_at))::int AS oldest_wait_s "
        "FROM jobs WHERE state = 'queued'"
    )
    return msgspec.convert(dict(returned_row(row)), QueueWait)


async def waiting_jobs(conn: Connection, *, limit: int = 20) -> list[WaitingJob]:
    """The queued jobs that have waited longest."""
    rows = await conn.fetch(
        "SELECT j.id AS job_id, j.submission_id, c.display_name AS candidate_name, v.trial_id, "  # noqa: S608 - constants
        "j.attempts, j.infra_failures, j.last_error, "
        "extract(epoch FROM now() - j.created_at)::int AS waited_s, "
        "extract(epoch FROM j.run_after - now())::int AS due_in_s "
        + _JOB_CONTEXT
        + "WHERE j.state = 'queued' ORDER BY j.created_at, j.id LIMIT $1",
        limit,
    )
    return [msgspec.convert(dict(r), WaitingJob) for r in rows]


async def parked_jobs(conn: Connection, *, limit: int = 200) -> list[ParkedRow]:
    """Jobs that used up their attempts and wait for an operator, newest first."""
    rows = await conn.fetch(
        "SELECT j.id AS job_id, j.submission_id, c.display_name AS candidate_name, v.trial_id, "
        "j.attempts, j.max_attempts, j.last_error, j.finished_at "
        + _JOB_CONTEXT
        + "WHERE j.state = 'failed' ORDER BY j.finished_at DESC NULLS LAST, j.id DESC LIMIT $1",
        limit,
    )
    return [msgspec.convert(dict(r), ParkedRow) for r in rows]


async def workers(conn: Connection) -> list[Worker]:
    """Workers as the jobs know them: a lease owner is kept only while it holds a job, so
    an idle worker does not show, and one that died shows until its jobs are taken over."""
    rows = await conn.fetch(
        "SELECT lease_owner AS owner, count(*)::int AS jobs, max(heartbeat_at) AS last_heartbeat, "
        "extract(epoch FROM now() - max(heartbeat_at))::int AS heartbeat_age_s, "
        "coalesce(bool_and(lease_expires_at < now()), false) AS lapsed "
        "FROM jobs WHERE lease_owner IS NOT NULL AND state = 'running' "
        "GROUP BY lease_owner ORDER BY max(heartbeat_at) DESC NULLS LAST, lease_owner"
    )
    return [msgspec.convert(dict(r), Worker) for r in rows]
