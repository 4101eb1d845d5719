"""The Docker engine: the configured one, the system one, or a private dockerd we start."""

from __future__ import annotations

import os
import platform
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from sandboxes.engine import DEFAULT_SOCKET, engine_answers
from service.infra import processes
from service.infra.errors import InfraError
from service.settings import Settings

START_TIMEOUT = 60.0


def private_socket(settings: Settings) -> str:
    return f"unix://{settings.socket_dir / 'docker.sock'}"


def pidfile(settings: Settings) -> Path:
    return settings.data_dir / "dockerd.pid"


def start_private(settings: Settings, log: Callable[[str], None]) -> tuple[str, int]:
    """Start a dockerd that owns all its paths, so it can run beside a system engine."""
    if not (processes.is_root() and platform.system() == "Linux"):
        raise InfraError(
            "no Docker engine answers: start one, or set DOCKER_HOST "
            "(a private engine can only be started as root on Linux)"
        )
    if not shutil.which("dockerd"):
        log("docker: dockerd missing, installing Debian's docker.io")
        processes.apt_install("docker.io")
    settings.socket_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = private_socket(settings)
    logfile = settings.data_dir / "dockerd.log"
    cmd = [
        "dockerd",
        "--iptables=false",
        "--ip-forward=false",
        "--ip-masq=false",
        "--bridge=none",
        f"--data-root={settings.data_dir / 'docker'}",
        f"--exec-root={settings.socket_dir / 'docker-exec'}",
        f"--pidfile={pidfile(settings)}",
        f"--host={url}",
    ]
    log(f"docker: starting a private dockerd on {url}")
    with logfile.open("ab") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + START_TIMEOUT
    reason: str | None = "not started"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = logfile.read_text(errors="replace")[-1500:]
            raise InfraError(f"dockerd exited with {proc.returncode}; its log ({logfile}):\n{tail}")
        reason = engine_answers(url, timeout=2)
        if reason is None:
            return url, proc.pid
        time.sleep(0.3)
    proc.terminate()
    raise InfraError(
        f"dockerd did not answer within {START_TIMEOUT:.0f} s: {reason}; see {logfile}"
    )


def resolve(
    settings: Settings, env_docker_host: str, log: Callable[[str], None]
) -> tuple[str, int]:
    """(engine url, pid of a dockerd started now or 0)."""
    if env_docker_host:
        reason = engine_answers(env_docker_host)
        if reason:
            raise InfraError(f"DOCKER_HOST={env_docker_host} does not answer: {reason}")
        return env_docker_host, 0
    private = private_socket(settings)
    if engine_answers(private, timeout=2) is None:
        return private, 0
    if engine_answers(DEFAULT_SOCKET, timeout=2) is None:
        return DEFAULT_SOCKET, 0
    return start_private(settings, log)


def stop_private(pid: int) -> None:
    if not processes.pid_alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while processes.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if processes.pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
