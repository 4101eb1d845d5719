from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import msgspec

from service.db.connection import Connection, returned_row


class WebhookRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class Due(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    event: str
    body: bytes
    attempts: int
    url: str
    secret: str


class DeliveryRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    event: str
    subject_id: UUID | None
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


async def insert_webhook(
    conn: Connection,
    *,
    owner_key: UUID,
    url: str,
    events: list[str],
    secret: str,
    organization_id: UUID | None,
) -> WebhookRow:
    """`organization_id` None: an admin's webhook, sent every organization's events."""
    row = await conn.fetchrow(
        "INSERT INTO webhooks (owner_key, url, events, secret, organization_id) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id, url, events, active, created_at",
        owner_key,
        url,
        events,
        secret,
        organization_id,
    )
    return msgspec.convert(dict(returned_row(row)), WebhookRow)


async def list_webhooks(conn: Connection, *, scope: UUID | None) -> list[WebhookRow]:
    """Active webhooks of the organization `scope` (None: every one, an admin's view)."""
    rows = await conn.fetch(
        "SELECT id, url, events, active, created_at FROM webhooks "
        "WHERE active AND ($1::uuid IS NULL OR organization_id = $1) ORDER BY created_at",
        scope,
    )
    return [msgspec.convert(dict(r), WebhookRow) for r in rows]


async def deactivate(conn: Connection, *, webhook_id: UUID, scope: UUID | None) -> bool:
    done = await conn.fetchval(
        "UPDATE webhooks SET active = false WHERE id = $1 AND active "
        "AND ($2::uuid IS NULL OR organization_id = $2) RETURNING true",
        webhook_id,
        scope,
    )
    return bool(done)


async def insert_deliveries(
    conn: Connection,
    *,
    event: str,
    subject_id: UUID | None,
    body: bytes,
    organization_id: UUID | None,
) -> int:
    """To the subject's organization's webhooks and admins'; none to anyone else's."""
    status = await conn.execute(
        "INSERT INTO webhook_deliveries (webhook_id, event, subject_id, body) "
        "SELECT id, $1, $2, $3 FROM webhooks WHERE active AND $1 = ANY (events) "
        "AND (organization_id IS NULL OR organization_id = $4)",
        event,
        subject_id,
        body,
        organization_id,
    )
    return int(status.rsplit(" ", 1)[-1])


async def claim_due(conn: Connection, *, limit: int, hold: timedelta) -> list[Due]:
    """Reserve due deliveries for `hold` so no other worker sends them meanwhile."""
    rows = await conn.fetch(
        "UPDATE webhook_deliveries d SET next_attempt_at = now() + $2 FROM webhooks w "
        "WHERE w.id = d.webhook_id AND d.id IN (SELECT id FROM webhook_deliveries "
        "  WHERE state = 'pending' AND next_attempt_at <= now() "
        "  ORDER BY next_attempt_at FOR UPDATE SKIP LOCKED LIMIT $1) "
        "RETURNING d.id, d.event, d.body, d.attempts, w.url, w.secret",
        limit,
        hold,
    )
    return [msgspec.convert(dict(r), Due) for r in rows]


async def record_attempt(
    conn: Connection,
    *,
    delivery_id: UUID,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
) -> None:
    await conn.execute(
        "INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms) VALUES ($1, $2, $3, $4)",
        delivery_id,
        status_code,
        error,
        duration_ms,
    )


async def mark_delivered(conn: Connection, *, delivery_id: UUID, status_code: int | None) -> None:
    await conn.execute(
        "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, "
        "last_status = $2, last_error = NULL, delivered_at = now() WHERE id = $1",
        delivery_id,
        status_code,
    )


async def mark_failed(
    conn: Connection, *, delivery_id: UUID, status_code: int | None, error: str
) -> None:
    await conn.execute(
        "UPDATE webhook_deliveries SET state = 'failed', attempts = attempts + 1, "
        "last_status = $2, last_error = $3 WHERE id = $1",
        delivery_id,
        status_code,
        error,
    )


async def reschedule(
    conn: Connection,
    *,
    delivery_id: UUID,
    delay: timedelta,
    status_code: int | None,
    error: str,
) -> None:
    await conn.execute(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $2, last_error = $3, "
        "next_attempt_at = now() + $4 WHERE id = $1",
        delivery_id,
        status_code,
        error,
        delay,
    )


async def list_deliveries(conn: Connection, *, webhook_id: UUID, limit: int) -> list[DeliveryRow]:
    rows = await conn.fetch(
        "SELECT id, event, subject_id, state, attempts, last_status, last_error, created_at, delivered_at "
        "FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC LIMIT $2",
        webhook_id,
        limit,
    )
    return [msgspec.convert(dict(r), DeliveryRow) for r in rows]
