"""Concurrent eligibility questions share one read and one audit write.

Each question still gets its own stored decision, committed before its answer
goes out. What is shared is the database work: while one batch is being read,
decided and written, the questions that arrive wait, and the next batch takes
all of them. Alone, a question is a batch of one and waits for nothing; under
load, a few round trips serve dozens of callers, so the database stops being
what limits the rate.

The batcher holds one connection of the process's pool while it lives (batches
run one at a time) and keeps one generic plan per statement on it: the decision
statements have the same shape whatever the question, and re-planning them cost
more than running them. A connection that fails is handed back and replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from service.db.connection import CONNECTION_LOST
from service.eligibility.answers import Question, decide_each
from service.repo.eligibility import DecisionRow

MAX_BATCH = 256
# One batch at a time: measured against 2, 4 and 8 in flight, one gave the most answers
# per second and the lowest p99 (larger batches; the database was what queued).
MAX_IN_FLIGHT = 1


class _Pending:
    __slots__ = ("answer", "question", "requested_by")

    def __init__(self, question: Question, requested_by: UUID) -> None:
        self.question = question
        self.requested_by = requested_by
        self.answer: asyncio.Future[DecisionRow] = asyncio.get_running_loop().create_future()


class DecisionBatcher:
    """One per process, beside the pool it borrows connections from."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool  # the process's pool, owned by whoever made it
        self._conn: PoolConnectionProxy | None = None
        self._waiting: list[_Pending] = []
        # Counted by the flushers themselves: a task's done-callback runs a loop turn late,
        # and a question asked in between would find no flusher and wait forever.
        self._running = 0
        self._tasks: set[asyncio.Task[None]] = set()  # strong references while they run

    async def close(self) -> None:
        """Hand the held connection back (before the pool closes)."""
        await self._hand_back()

    async def _connection(self) -> PoolConnectionProxy:
        if self._conn is None:
            conn = await self._pool.acquire()
            try:
                await conn.execute("SET plan_cache_mode = force_generic_plan")
            except BaseException:
                await self._pool.release(conn)
                raise
            self._conn = conn
        return self._conn

    async def _hand_back(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.execute("RESET plan_cache_mode")  # the pool's other users plan per query
        except Exception:  # broken: no other user may inherit it as it is
            conn.terminate()
        with contextlib.suppress(Exception):
            await self._pool.release(conn)

    async def _answer(self, batch: list[_Pending]) -> list[DecisionRow | Exception]:
        """Each question's decision or error. A batch that fails as a whole is asked again
        question by question, so one question the database refuses fails alone."""
        try:
            conn = await self._connection()
            return list(
                await decide_each(
                    conn,
                    [p.question for p in batch],
                    requested_by=[p.requested_by for p in batch],
                )
            )
        except Exception as exc:
            await self._hand_back()
            if len(batch) == 1 or isinstance(exc, CONNECTION_LOST):
                return [exc] * len(batch)  # the database is away: asking again would not help
        answers: list[DecisionRow | Exception] = []
        for pending in batch:
            answers.extend(await self._answer([pending]))
        return answers

    async def decide(self, question: Question, *, requested_by: UUID) -> DecisionRow:
        """A stored decision for one question; an unknown candidate or tier raises its error."""
        pending = _Pending(question, requested_by)
        self._waiting.append(pending)
        if self._running < MAX_IN_FLIGHT:
            self._running += 1
            task = asyncio.create_task(self._flush())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # A caller that goes away cancels only its own future, never the shared batch.
        return await pending.answer

    async def _flush(self) -> None:
        try:
            await self._drain()
        finally:
            # No await between the last look at the queue and this: nothing can slip in.
            self._running -= 1

    async def _drain(self) -> None:
        while self._waiting:
            taken, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            batch = [p for p in taken if not p.answer.cancelled()]  # nobody waits for those
            if not batch:
                continue
            answers = await self._answer(batch)
            for pending, answer in zip(batch, answers, strict=True):
                if pending.answer.done():
                    continue
                if isinstance(answer, Exception):
                    pending.answer.set_exception(answer)
                else:
                    pending.answer.set_result(answer)
