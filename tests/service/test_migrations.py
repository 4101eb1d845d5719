from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from service.db.migrations import MIGRATIONS_DIR, MigrationError, apply_pending, discover


@pytest.fixture
async def empty_database(admin_url: str) -> AsyncIterator[asyncpg.Connection]:
    name = f"trialgate_mig_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    base, _, query = admin_url.partition("?")
    conn = await asyncpg.connect(f"{base.rsplit('/', 1)[0]}/{name}?{query}")
    try:
        yield conn
    finally:
        await conn.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _tables(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r["tablename"] for r in rows}


async def test_migrations_create_the_schema_and_record_each_file(empty_database):
    applied = await apply_pending(empty_database)
    assert [m.path.name for m in applied] == [m.path.name for m in discover()]
    tables = await _tables(empty_database)
    assert {
        "actors",
        "api_keys",
        "trials",
        "trial_versions",
        "submissions",
        "jobs",
        "results",
    } <= tables
    recorded = await empty_database.fetchval("SELECT count(*) FROM schema_migrations")
    assert recorded == len(applied)


async def test_reapplying_migrations_is_a_no_op(empty_database):
    await apply_pending(empty_database)
    before = await empty_database.fetch(
        "SELECT version, applied_at FROM schema_migrations ORDER BY 1"
    )
    assert await apply_pending(empty_database) == []
    after = await empty_database.fetch(
        "SELECT version, applied_at FROM schema_migrations ORDER BY 1"
    )
    assert before == after


async def test_a_failing_migration_rolls_back_and_names_its_file(empty_database, tmp_path: Path):
    for path in MIGRATIONS_DIR.glob("*.sql"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "9998_fine.sql").write_text("CREATE TABLE fine_one (id int);")
    (tmp_path / "9999_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nINSERT INTO no_such_table VALUES (1);"
    )
    with pytest.raises(MigrationError) as caught:
        await apply_pending(empty_database, tmp_path)
    assert caught.value.file == "9999_broken.sql"
    assert "no_such_table" in str(caught.value)
    tables = await _tables(empty_database)
    assert "fine_one" in tables  # earlier files stay applied: each runs in its own transaction
    assert "half_done" not in tables
    versions = {
        r["version"] for r in await empty_database.fetch("SELECT version FROM schema_migrations")
    }
    assert 9998 in versions and 9999 not in versions


async def test_an_applied_migration_that_changed_is_refused(empty_database, tmp_path: Path):
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE first_one (id int);")
    await apply_pending(empty_database, tmp_path)
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE first_one (id bigint);")
    with pytest.raises(MigrationError, match="forward-only"):
        await apply_pending(empty_database, tmp_path)


def test_badly_named_migration_files_are_refused(tmp_path: Path):
    (tmp_path / "1_first.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_description"):
        discover(tmp_path)


def test_a_built_wheel_carries_the_migrations_where_the_code_finds_them(tmp_path: Path) -> None:
    # Only an editable install could find `migrations/` beside the checkout; a wheel ships
    # them as service/db/sql/, which MIGRATIONS_DIR prefers when it exists.
    root = MIGRATIONS_DIR.parent
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("trialgate-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {
            Path(name).name: archive.read(name)
            for name in archive.namelist()
            if name.startswith("service/db/sql/")
        }
    assert shipped == {path.name: path.read_bytes() for path in MIGRATIONS_DIR.glob("*.sql")}
