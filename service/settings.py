"""One typed settings object, built from the environment once.

`trialgate infra up` writes what it resolved (where PostgreSQL and the Docker
engine answer) to `<data dir>/infra.json`; settings read that file so nobody
exports anything by hand. An environment variable always wins over the file.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import msgspec

STATE_FILE = "infra.json"
WEB_SECRET_FILE = "web-secret"  # noqa: S105 - a file name, not a secret


class InfraState(msgspec.Struct, kw_only=True):
    """What `infra up` resolved and what it started (so `down` stops only that)."""

    database_url: str = ""
    docker_host: str = ""
    started_postgres: bool = False
    started_dockerd: bool = False
    postgres_data: str = ""
    dockerd_pid: int = 0


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path
    database_url: str = ""
    docker_host: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True
    worker_concurrency: int = 0  # 0: as many as the machine has cores
    embedded_worker: bool = True
    sandbox_pool_size: int = 2
    worker_lease_seconds: float = 30.0
    worker_backoff_seconds: float = 2.0
    # Webhooks to loopback or private addresses would let a platform key probe the
    # service's own network; allowed only when a deployment says so.
    webhook_private_targets: bool = False
    # Signs the web pages' CSRF tokens; every API node of a deployment needs the same one.
    web_secret: str = ""
    # Session cookies only over HTTPS; on when the pages are served behind TLS.
    secure_cookies: bool = False

    @property
    def socket_dir(self) -> Path:
        """A short per-checkout folder for unix sockets (paths are capped at ~107 bytes)."""
        digest = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        return Path("/tmp") / f"trialgate-{digest}"  # noqa: S108 - socket paths must stay short

    @property
    def state_path(self) -> Path:
        return self.data_dir / STATE_FILE


def load_state(data_dir: Path) -> InfraState:
    path = data_dir / STATE_FILE
    if not path.exists():
        return InfraState()
    return msgspec.json.decode(path.read_bytes(), type=InfraState)


def save_state(data_dir: Path, state: InfraState) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / (STATE_FILE + ".tmp")
    tmp.write_bytes(msgspec.json.format(msgspec.json.encode(state)))
    tmp.replace(data_dir / STATE_FILE)


def stored_secret(data_dir: Path) -> str:
    """A random secret made on first use and kept in the data folder, readable by its owner only."""
    path = data_dir / WEB_SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    tmp = data_dir / (WEB_SECRET_FILE + ".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(secret)
    tmp.replace(path)
    return secret


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings_from_environment(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    data_dir = Path(env.get("TRIALGATE_DATA_DIR", ".data")).resolve()
    state = load_state(data_dir)
    return Settings(
        data_dir=data_dir,
        database_url=env.get("DATABASE_URL") or state.database_url,
        docker_host=env.get("DOCKER_HOST") or state.docker_host,
        host=env.get("TRIALGATE_HOST", "127.0.0.1"),
        port=int(env.get("TRIALGATE_PORT", "8000")),
        log_level=env.get("TRIALGATE_LOG_LEVEL", "INFO").upper(),
        log_json=_flag(env.get("TRIALGATE_LOG_JSON", "1")),
        worker_concurrency=int(env.get("TRIALGATE_WORKER_CONCURRENCY", "0")),
        embedded_worker=_flag(env.get("TRIALGATE_EMBEDDED_WORKER", "1")),
        sandbox_pool_size=int(env.get("TRIALGATE_SANDBOX_POOL_SIZE", "2")),
        worker_lease_seconds=float(env.get("TRIALGATE_WORKER_LEASE_SECONDS", "30")),
        worker_backoff_seconds=float(env.get("TRIALGATE_WORKER_BACKOFF_SECONDS", "2")),
        webhook_private_targets=_flag(env.get("TRIALGATE_WEBHOOK_PRIVATE_TARGETS", "0")),
        web_secret=env.get("TRIALGATE_WEB_SECRET") or stored_secret(data_dir),
        secure_cookies=_flag(env.get("TRIALGATE_SECURE_COOKIES", "0")),
    )
