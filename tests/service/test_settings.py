"""Settings are decoded from the environment by their types; a bad value is refused by name."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from service.settings import SettingsError, settings_from_environment, stored_secret


def test_values_are_decoded_by_type_and_words_for_flags_are_understood(tmp_path: Path):
    settings = settings_from_environment(
        {
            "TRIALGATE_DATA_DIR": str(tmp_path),
            "TRIALGATE_PORT": "8123",
            "TRIALGATE_LOG_LEVEL": "debug",
            "TRIALGATE_EMBEDDED_WORKER": "off",
            "TRIALGATE_SECURE_COOKIES": "Yes",
            "TRIALGATE_WORKER_LEASE_SECONDS": "12.5",
            "DATABASE_URL": "postgresql://example/db",
        }
    )
    assert (settings.port, settings.log_level, settings.worker_lease_seconds) == (
        8123,
        "DEBUG",
        12.5,
    )
    assert settings.embedded_worker is False and settings.secure_cookies is True
    assert settings.database_url == "postgresql://example/db"
    assert settings.data_dir == tmp_path.resolve()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TRIALGATE_PORT", "eighty"),
        ("TRIALGATE_PORT", "70000"),
        ("TRIALGATE_LOG_LEVEL", "loud"),
        ("TRIALGATE_LOG_JSON", "maybe"),
        ("TRIALGATE_WORKER_CONCURRENCY", "-1"),
        ("TRIALGATE_WORKER_LEASE_SECONDS", "0"),
        ("TRIALGATE_SANDBOX_POOL_SIZE", "1e3"),
    ],
)
def test_a_bad_value_names_its_variable(tmp_path: Path, variable: str, value: str):
    with pytest.raises(SettingsError) as refused:
        settings_from_environment({"TRIALGATE_DATA_DIR": str(tmp_path), variable: value})
    assert str(refused.value).startswith(f"{variable}={value!r}: ")


def test_reading_settings_writes_nothing(tmp_path: Path):
    data_dir = tmp_path / "data"
    assert settings_from_environment({"TRIALGATE_DATA_DIR": str(data_dir)}).web_secret == ""
    assert not data_dir.exists()
    secret = stored_secret(data_dir)  # what `serve` does before it starts
    assert stat.S_IMODE((data_dir / "web-secret").stat().st_mode) == 0o600
    assert settings_from_environment({"TRIALGATE_DATA_DIR": str(data_dir)}).web_secret == secret


def test_the_command_line_refuses_a_bad_setting_in_one_line(tmp_path: Path):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, service.cli; sys.exit(service.cli.main())",
            "infra",
            "status",
        ],
        env={"TRIALGATE_DATA_DIR": str(tmp_path), "TRIALGATE_PORT": "x", "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == "trialgate: TRIALGATE_PORT='x': Expected `int`, got `str`\n"


def test_commands_find_the_checkouts_services_from_any_folder(tmp_path: Path):
    """After `make run`, a command run from another folder still finds PostgreSQL and the
    engine that `infra up` recorded in the checkout, instead of a connection refused."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TRIALGATE_DATA_DIR", "DATABASE_URL", "DOCKER_HOST")
    }
    trialgate = str(Path(sys.executable).with_name("trialgate"))
    done = subprocess.run(
        [trialgate, "infra", "status"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "postgres  up" in done.stdout and "docker    up" in done.stdout, done.stdout
