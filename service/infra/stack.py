"""`trialgate infra up | status | down`: the embedded defaults, brought up idempotently."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from sandboxes.engine import engine_answers
from service.infra import docker_engine, postgres, processes
from service.settings import InfraState, Settings, load_state, save_state


def up(settings: Settings, env: dict[str, str], log: Callable[[str], None]) -> InfraState:
    """Bring up what is not configured; record what was resolved and what was started."""
    previous = load_state(settings.data_dir)
    state = InfraState()

    if env.get("DATABASE_URL"):
        state.database_url = env["DATABASE_URL"]
        reason = asyncio.run(postgres.answers(state.database_url))
        if reason:
            from service.infra.errors import InfraError  # noqa: PLC0415 - error path only

            raise InfraError(f"DATABASE_URL does not answer: {reason}")
    else:
        url, pgdata, started = postgres.start(settings, log)
        state.database_url = url
        state.postgres_data = str(pgdata)
        state.started_postgres = started or previous.started_postgres
    log(f"postgres: ready at {state.database_url}")

    docker_host, pid = docker_engine.resolve(settings, env.get("DOCKER_HOST", ""), log)
    state.docker_host = docker_host
    if pid:
        state.started_dockerd, state.dockerd_pid = True, pid
    elif docker_host == previous.docker_host and previous.started_dockerd:
        state.started_dockerd, state.dockerd_pid = True, previous.dockerd_pid
    log(f"docker: ready at {docker_host}")

    save_state(settings.data_dir, state)
    return state


def status(settings: Settings) -> dict[str, dict[str, str]]:
    state = load_state(settings.data_dir)
    database_url = settings.database_url or state.database_url
    docker_host = settings.docker_host or state.docker_host
    pg_reason = asyncio.run(postgres.answers(database_url)) if database_url else "not configured"
    docker_reason = engine_answers(docker_host) if docker_host else "not configured"
    return {
        "postgres": {
            "url": database_url or "-",
            "state": "up" if pg_reason is None else f"down: {pg_reason}",
            "managed": "started by infra up" if state.started_postgres else "external",
        },
        "docker": {
            "url": docker_host or "-",
            "state": "up" if docker_reason is None else f"down: {docker_reason}",
            "managed": "started by infra up" if state.started_dockerd else "external",
        },
    }


def down(settings: Settings, log: Callable[[str], None]) -> None:
    """Stop only what `up` started."""
    state = load_state(settings.data_dir)
    if state.started_dockerd:
        log(f"docker: stopping the private dockerd (pid {state.dockerd_pid})")
        docker_engine.stop_private(state.dockerd_pid)
        if processes.pid_alive(state.dockerd_pid):
            log("docker: still running")
    if state.started_postgres and state.postgres_data:
        log(f"postgres: stopping the cluster in {state.postgres_data}")
        postgres.stop(Path(state.postgres_data))
    save_state(settings.data_dir, InfraState())
