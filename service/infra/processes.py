"""Small helpers for running system tools as the right user."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from service.infra.errors import InfraError


def is_root() -> bool:
    return os.geteuid() == 0


def run(cmd: list[str], *, user: str | None = None, timeout: float = 300) -> str:
    """Run a command (as `user` when given and we are root); raise InfraError with its output on failure."""
    if user and is_root():
        cmd = ["runuser", "-u", user, "--", *cmd]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise InfraError(f"{cmd[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise InfraError(f"{' '.join(cmd)} did not finish within {timeout:.0f} s") from exc
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip()
        raise InfraError(f"{' '.join(cmd)} failed ({done.returncode}): {output}")
    return done.stdout


def apt_install(*packages: str) -> None:
    if not (is_root() and shutil.which("apt-get")):
        raise InfraError(
            f"install the Debian packages {' '.join(packages)} (needs root and apt-get)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        done = subprocess.run(
            cmd, capture_output=True, text=True, env=env, check=False, timeout=900
        )
        if done.returncode != 0:
            raise InfraError(f"{' '.join(cmd)} failed: {done.stderr.strip()[-2000:]}")


def user_can_traverse(user: str, path: Path) -> bool:
    """Whether `user` can reach `path` (every parent folder searchable)."""
    if not is_root():
        return True
    done = subprocess.run(
        ["runuser", "-u", user, "--", "test", "-x", str(path)], capture_output=True, check=False
    )
    return done.returncode == 0


def chown(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
