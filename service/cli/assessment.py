"""Commands for operators on assessment: candidates' attempts, and similarity flags."""

from __future__ import annotations

import argparse
import asyncio

from service.attempts.service import attempt_out
from service.cli.output import fail, say
from service.db.pool import open_connection
from service.errors import ServiceError
from service.repo import attempts as attempts_repo
from service.repo import similarity as similarity_repo
from service.repo.similarity import FlagRow
from service.settings import Settings
from service.similarity.service import decide

MAX_NOTE = 2000


def list_attempts_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    if not 1 <= args.limit <= 1000:
        return fail("--limit must be between 1 and 1000", 2)

    async def listing() -> list[attempts_repo.AttemptRow]:
        conn = await open_connection(settings.database_url)
        try:
            return await attempts_repo.list_for_candidate(
                conn, candidate_id=args.candidate, trial_id=args.trial, limit=args.limit
            )
        finally:
            await conn.close()

    for row in asyncio.run(listing()):
        shown = attempt_out(row)
        result = (
            f"{shown.result.verdict} {shown.result.score:.3f} in {shown.result.time_taken_seconds} s"
            if shown.result
            else "-"
        )
        print(
            f"{shown.id}\t{shown.trial_id}\t{shown.started_at:%Y-%m-%d %H:%M}\t{shown.status}\t"
            f"{shown.submissions_used}/{shown.submission_limit}\t{result}"
        )
    return 0


def _flag_line(flag: FlagRow) -> str:
    other = (
        "the trial's solution"
        if flag.other_kind == "solution"
        else f"{flag.other_candidate_name or flag.other_candidate_id} ({flag.other_submission_id})"
    )
    return (
        f"{flag.id}\t{flag.trial_id}\t{flag.similarity:.2f}\t{flag.status}\t"
        f"{flag.candidate_name or flag.candidate_id} ({flag.submission_id}) vs {other}"
    )


def list_flags_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    if not 1 <= args.limit <= 10_000:
        return fail("--limit must be between 1 and 10000", 2)

    async def listing() -> list[FlagRow]:
        conn = await open_connection(settings.database_url)
        try:
            return await similarity_repo.list_flags(
                conn,
                status=None if args.status == "all" else args.status,
                trial_id=args.trial,
                after=None,
                limit=args.limit,
            )
        finally:
            await conn.close()

    found = asyncio.run(listing())
    for flag in found:
        print(_flag_line(flag))
    say(f"{len(found)} flag(s)")
    return 0


def decide_flag_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    if len(args.note) > MAX_NOTE or "\x00" in args.note:
        return fail(f"--note: at most {MAX_NOTE} characters, and no NUL", 2)

    async def deciding() -> FlagRow:
        conn = await open_connection(settings.database_url)
        try:
            async with conn.transaction():
                return await decide(conn, None, args.flag, args.decision, args.note)
        finally:
            await conn.close()

    try:
        flag = asyncio.run(deciding())
    except ServiceError as exc:
        return fail(exc.detail, 1)
    print(_flag_line(flag))
    return 0
