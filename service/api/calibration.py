"""Calibration on new outcomes (per organization, admins only) and base-rate recalibration."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, QueryParameter

from service.auth import allow
from service.auth_types import Principal
from service.db.connection import PooledConnection
from service.errors import PROBLEM_JSON, Problem
from service.reputation.calibration import (
    DEFAULT_DAYS,
    MAX_DAYS,
    CalibrationReport,
    ShiftDecision,
    calibration,
    recalibrate,
)

SLUG = r"^[a-z0-9][a-z0-9-]{1,62}$"
Slug = Annotated[
    str,
    msgspec.Meta(min_length=2, max_length=63, pattern=SLUG, description="an organization's slug"),
]
NO_ORGANIZATION = ResponseSpec(
    data_container=Problem,
    generate_examples=False,
    media_type=PROBLEM_JSON,
    description="No organization with that slug (`field`: organization)",
)


class RecalibrationIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    organization: Slug | None = None  # left out: every organization
    dry_run: bool = False  # judge and compute, store nothing


class CalibrationController(Controller):
    tags = ("models",)

    @get(
        "/v1/models/calibration",
        summary="How served scores fared on outcomes known in the last `days` days, per "
        "organization: reliability bands, calibration-in-the-large, drift, stored shifts",
        guards=[allow("admin")],
        responses={422: NO_ORGANIZATION},
    )
    async def read(
        self,
        conn: NamedDependency[PooledConnection],
        organization: Annotated[
            str | None,
            QueryParameter(
                min_length=2,
                max_length=63,
                pattern=SLUG,
                description="one organization's slug (left out: every organization)",
            ),
        ] = None,
        days: Annotated[
            int,
            QueryParameter(
                ge=1, le=MAX_DAYS, description="the window: outcomes known in the last N days"
            ),
        ] = DEFAULT_DAYS,
    ) -> list[CalibrationReport]:
        return await calibration(conn, organization=organization, days=days)

    @post(
        "/v1/models/calibration:recalibrate",
        summary="Store a base-rate shift for each organization (or the one named) whose "
        "serving model drifted on new outcomes; the others say why nothing was stored",
        status_code=200,
        guards=[allow("admin")],
    )
    async def recalibrate(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        data: JSONBody[RecalibrationIn | None] = None,
    ) -> list[ShiftDecision]:
        body = data or RecalibrationIn()
        return await recalibrate(
            conn,
            organization=body.organization,
            dry_run=body.dry_run,
            changed_by=principal.key_id,
        )
