"""A small HTTP/1.1 keep-alive load generator, run in its own process.

Closed loop (`max_rate`): C connections send back to back for D seconds.
Open loop (`fixed_rate`): requests are scheduled at a fixed rate and latency is
measured from the scheduled time, so a slow server cannot hide its queueing
(no coordinated omission).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Callable


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


def _raw(
    host: str, port: int, path: str, headers: dict[str, str], body: bytes | None = None
) -> bytes:
    """One request's bytes; with a `body` it is a JSON POST."""
    method = "GET" if body is None else "POST"
    extra = (
        {}
        if body is None
        else {"Content-Type": "application/json", "Content-Length": str(len(body))}
    )
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}:{port}",
        *[f"{k}: {v}" for k, v in (headers | extra).items()],
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def _closed(host: str, port: int, raw: bytes, connections: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def one() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                if await _request(reader, writer, raw) != 200:
                    errors += 1
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {
        "count": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "latencies": sorted(latencies),
    }


async def _open(
    host: str, port: int, raw: bytes, rate: float, seconds: float, connections: int
) -> dict:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[float] = asyncio.Queue()

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                scheduled = await queue.get()
                if scheduled < 0:
                    return
                if await _request(reader, writer, raw) != 200:
                    errors += 1
                latencies.append(time.perf_counter() - scheduled)
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    start = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        at = start + i / rate
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(at)
    for _ in workers:
        queue.put_nowait(-1.0)
    await asyncio.gather(*workers)
    return {
        "count": len(latencies),
        "errors": errors,
        "rps": total / seconds,
        "latencies": sorted(latencies),
    }


def _in_process(target: Callable[..., dict], *args: object) -> dict:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(target, args)


def _run_closed(*args: object) -> dict:
    return asyncio.run(_closed(*args))  # type: ignore[arg-type]


def _run_open(*args: object) -> dict:
    return asyncio.run(_open(*args))  # type: ignore[arg-type]


def max_rate(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    connections: int = 16,
    seconds: float = 5.0,
    body: bytes | None = None,
) -> dict:
    return _in_process(
        _run_closed, host, port, _raw(host, port, path, headers, body), connections, seconds
    )


def fixed_rate(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    rate: float,
    seconds: float = 5.0,
    connections: int = 32,
    body: bytes | None = None,
) -> dict:
    return _in_process(
        _run_open, host, port, _raw(host, port, path, headers, body), rate, seconds, connections
    )


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]
