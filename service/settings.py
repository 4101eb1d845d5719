"""One typed settings object, built from the environment once.

`trialgate infra up` writes what it resolved (where PostgreSQL and the Docker
engine answer) to `<data dir>/infra.json`; settings read that file so nobody
exports anything by hand. An environment variable always wins over the file.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

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


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path
    database_url: str = ""
    docker_host: str = ""
    host: Annotated[str, msgspec.Meta(min_length=1)] = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 8000
    log_level: LogLevel = "INFO"
    log_json: bool | None = None  # None: JSON unless stderr is a terminal
    # 0: as many as the machine has cores
    worker_concurrency: Annotated[int, msgspec.Meta(ge=0, le=256)] = 0
    embedded_worker: bool = True
    sandbox_pool_size: Annotated[int, msgspec.Meta(ge=0, le=64)] = 2
    worker_lease_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 30.0
    worker_backoff_seconds: Annotated[float, msgspec.Meta(ge=0, le=3600)] = 2.0
    # runs of one candidate at once, across every worker: one's backlog never starves others
    runs_per_candidate: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    # between the worker's janitor passes over sandbox containers of dead workers
    sandbox_sweep_seconds: Annotated[float, msgspec.Meta(gt=0, le=86400)] = 60.0
    # Rate limits on submissions over a sliding minute, answered with 429 and Retry-After.
    candidate_submissions_per_minute: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 10
    candidate_practice_runs_per_minute: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 5
    organization_submissions_per_minute: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 600
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


def read_secret(data_dir: Path) -> str:
    """The web secret kept in the data folder, or "" when none was made yet."""
    path = data_dir / WEB_SECRET_FILE
    return path.read_text().strip() if path.exists() else ""


def stored_secret(data_dir: Path) -> str:
    """The kept web secret, made on first use, readable by its owner only (`serve` calls it)."""
    found = read_secret(data_dir)
    if found:
        return found
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    tmp = data_dir / (WEB_SECRET_FILE + ".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(secret)
    tmp.replace(data_dir / WEB_SECRET_FILE)
    return secret


# Each setting's environment variable. Values are decoded by msgspec into `Settings`,
# its types and constraints, so a bad one is refused by name before anything starts.
ENVIRONMENT = {
    "database_url": "DATABASE_URL",
    "docker_host": "DOCKER_HOST",
    "host": "TRIALGATE_HOST",
    "port": "TRIALGATE_PORT",
    "log_level": "TRIALGATE_LOG_LEVEL",
    "log_json": "TRIALGATE_LOG_JSON",
    "worker_concurrency": "TRIALGATE_WORKER_CONCURRENCY",
    "embedded_worker": "TRIALGATE_EMBEDDED_WORKER",
    "sandbox_pool_size": "TRIALGATE_SANDBOX_POOL_SIZE",
    "worker_lease_seconds": "TRIALGATE_WORKER_LEASE_SECONDS",
    "worker_backoff_seconds": "TRIALGATE_WORKER_BACKOFF_SECONDS",
    "sandbox_sweep_seconds": "TRIALGATE_SANDBOX_SWEEP_SECONDS",
    "runs_per_candidate": "TRIALGATE_RUNS_PER_CANDIDATE",
    "candidate_submissions_per_minute": "TRIALGATE_CANDIDATE_SUBMISSIONS_PER_MINUTE",
    "candidate_practice_runs_per_minute": "TRIALGATE_CANDIDATE_PRACTICE_RUNS_PER_MINUTE",
    "organization_submissions_per_minute": "TRIALGATE_ORGANIZATION_SUBMISSIONS_PER_MINUTE",
    "webhook_private_targets": "TRIALGATE_WEBHOOK_PRIVATE_TARGETS",
    "web_secret": "TRIALGATE_WEB_SECRET",
    "secure_cookies": "TRIALGATE_SECURE_COOKIES",
}
FLAGS = {"1": True, "true": True, "yes": True, "on": True}
FLAGS |= {"0": False, "false": False, "no": False, "off": False}


class SettingsError(ValueError):
    """An environment variable that does not hold what its setting needs."""


def settings_from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment over what `infra up` resolved; reads, never writes."""
    env = os.environ if environ is None else environ
    data_dir = _data_dir(env.get("TRIALGATE_DATA_DIR", ""))
    state = load_state(data_dir)
    raw: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": state.database_url,
        "docker_host": state.docker_host,
        "web_secret": read_secret(data_dir),
    }
    bools = {f.name for f in msgspec.structs.fields(Settings) if f.type in (bool, bool | None)}
    for field, variable in ENVIRONMENT.items():
        given = env.get(variable)
        if given is None or (
            given == "" and field in {"database_url", "docker_host", "web_secret"}
        ):
            continue
        if field in bools:
            raw[field] = FLAGS.get(given.strip().lower(), given)  # other words fail below
        else:
            raw[field] = given.strip().upper() if field == "log_level" else given
    try:
        return msgspec.convert(raw, Settings, strict=False, dec_hook=_paths)
    except msgspec.ValidationError as exc:
        field = field_of(str(exc)) or ""
        variable = ENVIRONMENT.get(field, "TRIALGATE_DATA_DIR")
        problem = str(exc).split(" - at ")[0]
        if field in bools:
            problem = "expected one of 1/0, true/false, yes/no, on/off"
        raise SettingsError(f"{variable}={env.get(variable, '')!r}: {problem}") from None


# A source checkout: `make run` keeps its services' data in `.data` beside `service/`.
CHECKOUT_DATA = Path(__file__).resolve().parents[1] / ".data"


def _data_dir(given: str) -> Path:
    """TRIALGATE_DATA_DIR; else `.data` here; else, run from another folder, the data of
    the checkout this code is in (so `trialgate` works from anywhere after `make run`)."""
    if given:
        return Path(given).resolve()
    here = Path(".data").resolve()
    if not here.exists() and (CHECKOUT_DATA / STATE_FILE).exists():
        return CHECKOUT_DATA
    return here


def _paths(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, Path):
        return value
    raise NotImplementedError


def field_of(message: str) -> str | None:
    found = re.search(r"- at `\$\.(\w+)`", message)
    return found.group(1) if found else None
