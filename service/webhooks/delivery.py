"""Signed webhooks: every event is a stored delivery, retried with backoff until it lands.

Signature: `Trialgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
The receiver recomputes it and rejects old timestamps, which stops replays.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import msgspec

from scoring.grading.verdicts import Grade
from service.db.connection import DATABASE_UNAVAILABLE, Connection
from service.repo import webhooks as repo
from service.repo.submissions import SubmissionRow
from service.webhooks.targets import private_target, url_problem

log = logging.getLogger("trialgate.webhooks")

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: float = 300) -> bool:
    """What a receiver does; used by the tests and handy for integrators."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600.0, 2.0**attempts))


def submission_graded_payload(submission: SubmissionRow, grade: Grade) -> dict[str, Any]:
    return {
        "submission_id": str(submission.id),
        "candidate_id": str(submission.candidate_id),
        "trial_id": submission.trial_id,
        "trial_version": submission.trial_version,
        "verdict": grade.verdict,
        "score": grade.score,
    }


async def enqueue_event(
    conn: Connection,
    *,
    event: str,
    subject_id: UUID | None,
    payload: dict[str, Any],
    organization_id: UUID | None,
) -> int:
    """A delivery per subscribed webhook of the subject's organization (and per admin's
    webhook, which receives every organization's events), in the caller's transaction."""
    body = msgspec.json.encode(
        {
            "id": str(uuid4()),
            "event": event,
            "created_at": datetime.now(UTC).isoformat(),
            "data": payload,
        }
    )
    return await repo.insert_deliveries(
        conn, event=event, subject_id=subject_id, body=body, organization_id=organization_id
    )


async def deliver_due(
    pool: asyncpg.Pool, client: httpx.AsyncClient, *, batch: int = 20, allow_private: bool = False
) -> int:
    """Send the deliveries that are due; returns how many were attempted."""
    async with pool.acquire() as conn:
        due = await repo.claim_due(conn, limit=batch, hold=timedelta(seconds=TIMEOUT_SECONDS * 3))
    await asyncio.gather(*(_attempt(pool, client, d, allow_private=allow_private) for d in due))
    return len(due)


async def _attempt(
    pool: asyncpg.Pool, client: httpx.AsyncClient, delivery: repo.Due, *, allow_private: bool
) -> None:
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "Trialgate-Event": delivery.event,
        "Trialgate-Delivery": str(delivery.id),
        "Trialgate-Signature": sign(delivery.secret, timestamp, delivery.body),
    }
    started = time.monotonic()
    status: int | None = None
    error: str | None = None
    refused = url_problem(delivery.url)
    if refused is None and not allow_private:
        refused = await private_target(delivery.url)
    if refused:
        error = f"not delivered: {refused}"
    else:
        try:
            response = await client.post(
                delivery.url, content=delivery.body, headers=headers, timeout=TIMEOUT_SECONDS
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.monotonic() - started) * 1000)
    attempts = delivery.attempts + 1
    async with pool.acquire() as conn, conn.transaction():
        await repo.record_attempt(
            conn, delivery_id=delivery.id, status_code=status, error=error, duration_ms=duration_ms
        )
        if error is None:
            await repo.mark_delivered(conn, delivery_id=delivery.id, status_code=status)
        elif attempts >= MAX_ATTEMPTS:
            await repo.mark_failed(conn, delivery_id=delivery.id, status_code=status, error=error)
        else:
            await repo.reschedule(
                conn,
                delivery_id=delivery.id,
                delay=retry_delay(attempts),
                status_code=status,
                error=error,
            )
    if error:
        log.info("webhook delivery %s failed (attempt %s): %s", delivery.id, attempts, error)


async def run_deliveries(
    pool: asyncpg.Pool,
    stop: asyncio.Event,
    *,
    poll_seconds: float = 0.5,
    allow_private: bool = False,
) -> None:
    async with httpx.AsyncClient() as client:
        while not stop.is_set():
            try:
                sent = await deliver_due(pool, client, allow_private=allow_private)
            except DATABASE_UNAVAILABLE as exc:
                log.warning("webhook deliveries paused, database unavailable: %s", exc)
                sent = 0
            except Exception:  # a bug must not stop deliveries for good: logged, retried
                log.exception("webhook deliveries failed")
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
