"""Webhook subscriptions for platforms, and the record of every delivery."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from service.api.replay import IdempotencyHeader, answer, replayed
from service.auth import allow
from service.auth_types import Principal
from service.db.connection import PooledConnection
from service.errors import NotFoundError, UnprocessableError
from service.pagination import LimitQuery
from service.repo import webhooks as repo
from service.repo.webhooks import DeliveryRow, WebhookRow
from service.webhooks.targets import private_target, url_problem

EventName = Literal["submission.graded", "eligibility.changed"]
Url = Annotated[str, msgspec.Meta(pattern=r"\Ahttps?://[^\x00-\x20\x7f]+\Z", max_length=2000)]


class WebhookIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    url: Url
    events: Annotated[list[EventName], msgspec.Meta(min_length=1)]


class WebhookOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    id: UUID
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    secret: str | None = None  # shown once, at creation


class DeliveryOut(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    event: str
    subject_id: UUID | None
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def _out(row: WebhookRow, secret: str | None = None) -> WebhookOut:
    return WebhookOut(
        id=row.id,
        url=row.url,
        events=row.events,
        active=row.active,
        created_at=row.created_at,
        secret=secret,
    )


def _delivery(row: DeliveryRow) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        event=row.event,
        subject_id=row.subject_id,
        state=row.state,
        attempts=row.attempts,
        last_status=row.last_status,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


class WebhookController(Controller):
    path = "/v1/webhooks"
    tags = ("webhooks",)

    @post(
        "/",
        summary="Subscribe a URL to events; the signing secret is shown once",
        guards=[allow("admin", "platform")],
    )
    async def create(
        self,
        *,
        state: State,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        data: JSONBody[WebhookIn],
        idempotency_key: IdempotencyHeader = None,
    ) -> Response[WebhookOut]:
        if replay := await replayed(conn, principal, request, idempotency_key, data):
            return replay.response()
        problem = url_problem(data.url)
        if problem is not None:
            raise UnprocessableError(f"The webhook URL cannot be used: {problem}.", field="url")
        if not state.settings.webhook_private_targets:
            refused = await private_target(data.url)
            if refused:
                raise UnprocessableError(
                    f"Webhooks go to public addresses only: {refused}.", field="url"
                )
        secret = "whsec_" + secrets.token_urlsafe(32)
        row = await repo.insert_webhook(
            conn,
            owner_key=principal.key_id,
            url=data.url,
            events=list(dict.fromkeys(data.events)),
            secret=secret,
            organization_id=principal.scope,
        )
        return await answer(conn, principal, idempotency_key, _out(row, secret), status_code=201)

    @get("/", summary="Active webhooks", guards=[allow("admin", "platform")])
    async def index(
        self, conn: NamedDependency[PooledConnection], principal: NamedDependency[Principal]
    ) -> list[WebhookOut]:
        return [_out(r) for r in await repo.list_webhooks(conn, scope=principal.scope)]

    @delete("/{webhook_id:uuid}", summary="Unsubscribe", guards=[allow("admin", "platform")])
    async def remove(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[UUID],
    ) -> None:
        if not await repo.deactivate(conn, webhook_id=webhook_id, scope=principal.scope):
            raise NotFoundError(f"No webhook {webhook_id}.", field="webhook_id")

    @get(
        "/{webhook_id:uuid}/deliveries",
        summary="Deliveries of a webhook, newest first",
        guards=[allow("admin", "platform")],
    )
    async def deliveries(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[UUID],
        limit: LimitQuery = 50,
    ) -> list[DeliveryOut]:
        owned = {w.id for w in await repo.list_webhooks(conn, scope=principal.scope)}
        if webhook_id not in owned:
            raise NotFoundError(f"No webhook {webhook_id}.", field="webhook_id")
        return [
            _delivery(r)
            for r in await repo.list_deliveries(conn, webhook_id=webhook_id, limit=limit)
        ]
