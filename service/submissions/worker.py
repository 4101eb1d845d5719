"""The grading worker: claims jobs from PostgreSQL and grades them in the sandbox.

A claim holds a lease renewed while the run goes on; a worker that dies loses
its lease and the job runs again elsewhere. Completion is guarded by the lease,
and results are keyed by submission, so a submission is graded exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from datetime import timedelta
from uuid import UUID

import asyncpg
import msgspec

from sandboxes.interfaces import SandboxError
from scoring.grading.verdicts import Grade
from service.db.connection import CONNECTION_LOST, DATABASE_UNAVAILABLE, Connection
from service.grading.grader import grade_submission
from service.grading.sandboxes import SandboxProvider
from service.repo import attempts as attempts_repo
from service.repo import jobs as jobs_repo
from service.repo import milestones as reputation_events
from service.repo import submissions as submissions_repo
from service.repo import trials as trials_repo
from service.settings import Settings
from service.similarity import service as similarity
from service.trials.packages import cached_package
from service.webhooks import delivery as webhooks
from trials.package import TrialPackage
from trials.submissions import read_submission

log = logging.getLogger("trialgate.worker")

GRADE = "grade"
MAX_BACKOFF_SECONDS = 60.0
MAX_CLAIM_WAIT_SECONDS = 2.0  # between claims while the database is away
ENGINE_CHECK_SECONDS = 2.0  # between passes while the engine is away
HAND_OFF_WAIT_SECONDS = 2.0  # between tries to store a computed grade
SETTLE_SECONDS = 5.0  # between passes settling attempts whose deadline passed
# SQLSTATE classes 22 and 23: the data itself is wrong, not the database's state.
REFUSED_DATA = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)


class WorkerConfig(msgspec.Struct, frozen=True, kw_only=True):
    concurrency: int = 0  # 0: one per core
    lease_seconds: float = 30.0
    poll_seconds: float = 0.2
    backoff_base_seconds: float = 2.0
    sweep_seconds: float = 60.0  # between janitor passes
    runs_per_candidate: int = 1  # at once, across every worker

    @classmethod
    def from_settings(cls, settings: Settings, concurrency: int | None = None) -> WorkerConfig:
        return cls(
            concurrency=settings.worker_concurrency if concurrency is None else concurrency,
            lease_seconds=settings.worker_lease_seconds,
            backoff_base_seconds=settings.worker_backoff_seconds,
            sweep_seconds=settings.sandbox_sweep_seconds,
            runs_per_candidate=settings.runs_per_candidate,
        )

    @property
    def slots(self) -> int:
        return self.concurrency or os.cpu_count() or 1


def backoff(attempt: int, base: float) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempt - 1)))


class Worker:
    def __init__(
        self, pool: asyncpg.Pool, provider: SandboxProvider, config: WorkerConfig | None = None
    ) -> None:
        self.pool = pool
        self.provider = provider
        self.config = config or WorkerConfig()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._lease = timedelta(seconds=self.config.lease_seconds)
        self.problem: str | None = None  # why the worker cannot claim now; None when it can
        self.engine_problem: str | None = (
            None  # why the last run could not start; None after one did
        )
        self._reported: str = "ok"
        self._degraded_since = 0.0

    def state(self) -> str:
        """`ok`, or `degraded: <why>` while the database keeps it from claiming work or the
        engine from running what it claimed."""
        problems = [p for p in (self.problem, self.engine_problem) if p is not None]
        return "ok" if not problems else "degraded: " + "; ".join(problems)

    def _report_state(self) -> None:
        """Say so once when the worker becomes degraded or recovers: a worker without an
        HTTP port (`trialgate worker`) reports through its log."""
        state = self.state()
        if state == self._reported:
            return
        if self._reported == "ok":
            self._degraded_since = time.monotonic()
            log.warning("worker %s", state)
        elif state == "ok":
            took = time.monotonic() - self._degraded_since
            log.info("worker recovered after %.1f s", took, extra={"degraded_seconds": took})
        else:
            log.warning("worker still %s", state)
        self._reported = state

    async def _sweep(self, stop: asyncio.Event) -> None:
        """The janitor: now and then remove the sandbox containers of workers that died
        and of sandboxes an engine failure replaced (a worker's own start-up does it too)."""
        while not stop.is_set():
            # while the engine is away, a pass every few seconds tells when it is back
            wait = ENGINE_CHECK_SECONDS if self.engine_problem else self.config.sweep_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
            if stop.is_set():
                return
            try:
                await asyncio.to_thread(self.provider.sweep)
            except SandboxError as exc:
                self.engine_problem = f"sandbox unavailable: {exc}"
            except Exception as exc:  # a bug here must not end the worker
                log.warning("janitor pass failed: %r", exc)
            else:
                if self.engine_problem is not None:
                    await self._engine_is_back()
            self._report_state()

    async def _settle_due(self, stop: asyncio.Event) -> None:
        """Attempts whose deadline passed settle into their result within a few seconds;
        those ended by their last submission settle as it is graded (see `_record`)."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=SETTLE_SECONDS)
            if stop.is_set():
                return
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    settled = await attempts_repo.settle(conn)
                if settled:
                    log.info("attempts settled", extra={"attempts": len(settled)})
            except Exception as exc:  # the database may be away: the next pass tries again
                log.warning("settling attempts failed: %r", exc)

    async def _engine_is_back(self) -> None:
        """Jobs backing off from the outage run now, not when their backoff ends."""
        try:
            async with self.pool.acquire() as conn:
                released = await jobs_repo.release_waiting_for_infrastructure(conn)
        except Exception as exc:  # the database may be away too: the backoff still ends
            log.warning("releasing jobs that waited for the engine failed: %r", exc)
            return
        self.engine_problem = None
        log.info("the engine answers again; %s waiting jobs released", released)

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and grade until `stop` is set; then let running jobs finish (drain)."""
        running: set[asyncio.Task[None]] = set()
        log.info("worker started", extra={"owner": self.owner, "slots": self.config.slots})
        failures = 0  # claims failed in a row: spaces the next try and the log lines
        janitor = asyncio.create_task(self._sweep(stop))
        settler = asyncio.create_task(self._settle_due(stop))
        while not stop.is_set():
            self._report_state()
            claimed = None
            if len(running) < self.config.slots:
                try:
                    async with self.pool.acquire() as conn:
                        claimed = await jobs_repo.claim(
                            conn,
                            owner=self.owner,
                            lease=self._lease,
                            runs_per_candidate=self.config.runs_per_candidate,
                        )
                    if failures:
                        log.info("claiming works again after %s failures", failures)
                    failures = 0
                    self.problem = None
                except Exception as exc:  # a dependency or a bug: never the end of the worker
                    failures += 1
                    self.problem = f"claiming jobs failed: {str(exc) or type(exc).__name__}"
                    if failures == 1 or failures % 30 == 0:
                        log.warning("claiming failed (%s in a row): %r", failures, exc)
            if claimed is not None:
                task = asyncio.create_task(self._process(claimed))
                running.add(task)
                task.add_done_callback(running.discard)
                continue
            wait = self.config.poll_seconds
            if failures:
                wait = min(MAX_CLAIM_WAIT_SECONDS, self.config.poll_seconds * 2**failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
        if running:
            log.info("draining", extra={"running": len(running)})
            await asyncio.gather(*running, return_exceptions=True)
        await janitor
        await settler
        log.info("worker stopped", extra={"owner": self.owner})

    async def _process(self, job: jobs_repo.Job) -> None:
        heartbeat = asyncio.create_task(self._keep_lease(job))
        try:
            if job.kind == GRADE and job.submission_id is not None:
                await self._grade(job, job.submission_id)
            else:
                await self._park(job, f"unknown job kind {job.kind!r}")
        except _LeaseLostError:
            pass  # another worker owns the job now; its result is the one that counts
        except REFUSED_DATA as exc:
            # The database refused what the job tried to store: the same data would be
            # refused on every run, so waiting for the lease to expire would loop for ever.
            log.exception("job %s: the database refused its data", job.id)
            with contextlib.suppress(*DATABASE_UNAVAILABLE):
                await self._park(job, f"the database refused the result ({exc.sqlstate})")
        except DATABASE_UNAVAILABLE as exc:
            # the database went away mid-job: the lease will expire and the job runs again
            log.warning("job %s interrupted by the database: %s", job.id, exc)
        except Exception:
            log.exception("job %s failed unexpectedly", job.id)
            with contextlib.suppress(*DATABASE_UNAVAILABLE):  # else the lease expires: runs again
                await self._retry_or_park(job, "internal error in the worker")
        finally:
            heartbeat.cancel()

    async def _renew(self, conn: Connection, job: jobs_repo.Job) -> bool:
        """Extend this claim's lease; False when the job is no longer this claim's."""
        return await jobs_repo.renew(
            conn,
            job_id=job.id,
            owner=self.owner,
            generation=job.lease_generation,
            lease=self._lease,
        )

    async def _keep_lease(self, job: jobs_repo.Job) -> None:
        while True:
            await asyncio.sleep(self.config.lease_seconds / 3)
            try:
                async with self.pool.acquire() as conn:
                    if not await self._renew(conn, job):
                        log.warning("lease on job %s lost", job.id)
                        return
            except DATABASE_UNAVAILABLE as exc:
                log.warning("renewing the lease on job %s failed: %s", job.id, exc)

    async def _grade(self, job: jobs_repo.Job, submission_id: UUID) -> None:
        async with self.pool.acquire() as conn:
            submission = await submissions_repo.get_submission(conn, submission_id=submission_id)
            archive = await submissions_repo.get_archive(conn, submission_id=submission_id)
            if submission is None or archive is None:
                await self._park(job, "submission not found")
                return
            version = await trials_repo.get_version(conn, version_id=submission.trial_version_id)
            if not await self._renew(conn, job):
                raise _LeaseLostError  # taken over before this worker began
            await submissions_repo.set_status(conn, submission_id=submission_id, status="running")
        assert version is not None  # a foreign key
        package = cached_package(version.content_hash, version.package)
        files = read_submission(archive, unwrap=False)
        try:
            grade = await asyncio.to_thread(
                self._grade_blocking,
                package,
                files,
                tuple(version.expected_tests),
                submission.practice,
            )
        except SandboxError as exc:
            self.engine_problem = f"sandbox unavailable: {exc}"
            self.provider.reset()
            log.warning(
                "sandbox failed on job %s (infrastructure fault %s): %s",
                job.id,
                job.infra_failures + 1,
                exc,
            )
            await self._wait_for_infrastructure(job, f"sandbox unavailable: {exc}")
            return
        self.engine_problem = None
        finding = None if submission.practice else await self._examine(submission, package, files)
        await self._hand_off(job, submission, grade, finding)
        log.info(
            "graded",
            extra={
                "submission": str(submission_id),
                "verdict": grade.verdict,
                "score": grade.score,
            },
        )

    async def _examine(
        self,
        submission: submissions_repo.SubmissionRow,
        package: TrialPackage,
        files: dict[str, bytes],
    ) -> similarity.Finding | None:
        """The submission's fingerprint (compared with others' work when the grade is
        stored). A failure here is logged and never holds the grade back: the submission
        is then graded without one, and an operator sees why in the log."""
        try:
            return await asyncio.to_thread(similarity.examine, package, files)
        except Exception:
            log.exception("similarity check of submission %s failed", submission.id)
            return None

    async def _hand_off(
        self,
        job: jobs_repo.Job,
        submission: submissions_repo.SubmissionRow,
        grade: Grade,
        finding: similarity.Finding | None = None,
    ) -> None:
        """Store the grade, its webhook and its trial result in one transaction. A grade is
        worth keeping: when the database drops the connection the commit is tried again
        for as long as the lease would have lasted, not recomputed; the lease generation
        makes sure only this claim can finish the job."""
        submission_id = submission.id
        deadline = time.monotonic() + self.config.lease_seconds
        tries = 0
        while True:
            tries += 1
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    if not await jobs_repo.complete(
                        conn, job_id=job.id, owner=self.owner, generation=job.lease_generation
                    ):
                        log.warning("job %s was taken over; dropping this result", job.id)
                        raise _LeaseLostError
                    if await submissions_repo.insert_result(
                        conn, submission_id=submission_id, grade=grade
                    ):
                        await submissions_repo.set_status(
                            conn, submission_id=submission_id, status="graded"
                        )
                        if finding is not None:
                            await similarity.record(conn, submission, finding)
                        await self._record(conn, submission, grade)
                return
            except CONNECTION_LOST as exc:
                if time.monotonic() >= deadline:
                    raise
                log.warning("storing the grade of job %s failed (try %s): %s", job.id, tries, exc)
                await asyncio.sleep(min(HAND_OFF_WAIT_SECONDS, 0.25 * 2**tries))

    async def _record(
        self, conn: Connection, submission: submissions_repo.SubmissionRow, grade: Grade
    ) -> None:
        """What a stored grade sets off, in the grade's own transaction. A practice run:
        nothing, it counts nowhere. A submission: its webhook, and its attempt settles
        if this was the last thing it waited for (the attempt's result, not each try, is
        the trial result). A submission from before attempts: a trial result itself."""
        if submission.practice:
            return
        await webhooks.enqueue_event(
            conn,
            event="submission.graded",
            subject_id=submission.id,
            payload=webhooks.submission_graded_payload(submission, grade),
            organization_id=submission.organization_id,
        )
        if submission.attempt_id is not None:
            await attempts_repo.settle(conn, attempt_ids=[submission.attempt_id])
        else:
            await reputation_events.record_graded_trial(
                conn, submission_id=submission.id, verdict=grade.verdict, score=grade.score
            )

    def _grade_blocking(
        self,
        package: TrialPackage,
        files: dict[str, bytes],
        expected: tuple[str, ...],
        practice: bool,
    ) -> Grade:
        return grade_submission(
            self.provider.get(), package, files, expected_tests=expected, public_only=practice
        )

    async def _wait_for_infrastructure(self, job: jobs_repo.Job, reason: str) -> None:
        """The engine or sandbox failed, not the submission: the job waits for it with a
        capped backoff, however long that takes, and the attempt is not counted."""
        delay = backoff(job.infra_failures + 1, self.config.backoff_base_seconds)
        async with self.pool.acquire() as conn:
            await self._requeue(conn, job, delay, reason, infrastructure=True)

    async def _retry_or_park(self, job: jobs_repo.Job, reason: str) -> None:
        async with self.pool.acquire() as conn:
            if job.attempts >= job.max_attempts:
                await self._park(job, reason, conn=conn)
                return
            delay = backoff(job.attempts, self.config.backoff_base_seconds)
            await self._requeue(conn, job, delay, reason, infrastructure=False)

    async def _requeue(
        self,
        conn: Connection,
        job: jobs_repo.Job,
        delay: timedelta,
        reason: str,
        *,
        infrastructure: bool,
    ) -> None:
        async with conn.transaction():
            # Only the lease holder moves the job; a worker that lost it writes nothing.
            requeued = await jobs_repo.retry_later(
                conn,
                job_id=job.id,
                owner=self.owner,
                generation=job.lease_generation,
                delay=delay,
                error=reason,
                infrastructure=infrastructure,
            )
            if requeued and job.submission_id:
                await submissions_repo.set_status(
                    conn, submission_id=job.submission_id, status="queued"
                )

    async def _park(
        self, job: jobs_repo.Job, reason: str, *, conn: Connection | None = None
    ) -> None:
        if conn is None:
            async with self.pool.acquire() as own:
                await self._park(job, reason, conn=own)
            return
        async with conn.transaction():
            if (
                await jobs_repo.park(
                    conn,
                    job_id=job.id,
                    owner=self.owner,
                    generation=job.lease_generation,
                    error=reason,
                )
                and job.submission_id
            ):
                await submissions_repo.set_status(
                    conn, submission_id=job.submission_id, status="failed"
                )
        log.error("job %s parked: %s", job.id, reason)


class _LeaseLostError(Exception):
    """Raised inside the completing transaction to roll it back."""
