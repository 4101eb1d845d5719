"""Forward-only SQL migrations: `migrations/NNNN_name.sql`, applied in order, once each."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import asyncpg
import msgspec


def _migrations_dir() -> Path:
    """Where the SQL files are: inside the package when installed from a wheel (the build
    copies `migrations/` to `service/db/sql/`), else the checkout's `migrations/`."""
    shipped = Path(__file__).with_name("sql")
    return shipped if shipped.is_dir() else Path(__file__).resolve().parents[2] / "migrations"


MIGRATIONS_DIR = _migrations_dir()
FILENAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Any constant works; it only has to be the same for every process migrating this database.
ADVISORY_LOCK_ID = 7_214_530_211


class MigrationError(Exception):
    def __init__(self, file: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file


class Migration(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    name: str
    path: Path
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = FILENAME.match(path.name)
        if not match:
            raise MigrationError(path.name, "name must look like NNNN_description.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(path.name, f"version {version:04d} is used twice")
        found[version] = Migration(
            version=version, name=match.group(2), path=path, sql=path.read_text()
        )
    return [found[v] for v in sorted(found)]


_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


async def apply_pending(
    conn: asyncpg.Connection, directory: Path = MIGRATIONS_DIR
) -> list[Migration]:
    """Apply every pending migration, each in its own transaction; returns those applied."""
    migrations = discover(directory)
    await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_ID)
    try:
        await conn.execute(_BOOKKEEPING)
        applied = {
            row["version"]: row["checksum"]
            for row in await conn.fetch("SELECT version, checksum FROM schema_migrations")
        }
        done: list[Migration] = []
        for migration in migrations:
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    raise MigrationError(
                        migration.path.name,
                        "changed after it was applied; migrations are forward-only, add a new file",
                    )
                continue
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        migration.version,
                        migration.name,
                        migration.checksum,
                    )
            except asyncpg.PostgresError as exc:
                raise MigrationError(migration.path.name, f"{type(exc).__name__}: {exc}") from exc
            done.append(migration)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_ID)
