"""The embedded infrastructure: idempotent start-up and a locked-down engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from service.settings import Settings

TRIALGATE = str(Path(sys.executable).with_name("trialgate"))


def _trialgate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRIALGATE, *args], capture_output=True, text=True, timeout=300, env=os.environ.copy()
    )


def test_infra_up_twice_in_a_row_succeeds_and_keeps_the_same_services(settings: Settings):
    first = _trialgate("infra", "up")
    second = _trialgate("infra", "up")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    status = _trialgate("infra", "status")
    assert status.returncode == 0, status.stdout
    assert "postgres  up" in status.stdout and "docker    up" in status.stdout


def test_infra_up_with_an_unreachable_database_url_fails_clearly(tmp_path: Path):
    env = {
        **os.environ,
        "TRIALGATE_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql://x@/x?host=/nonexistent",
    }
    done = subprocess.run(
        [TRIALGATE, "infra", "up"], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode != 0
    assert "DATABASE_URL does not answer" in done.stderr


def test_migrate_without_configuration_names_what_to_do(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DOCKER_HOST"}}
    env["TRIALGATE_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [TRIALGATE, "migrate"], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 1
    assert "trialgate infra up" in done.stderr


@pytest.mark.docker
def test_a_base_image_container_without_network_cannot_open_a_socket(
    docker_client: docker.DockerClient,
):
    script = (
        "import socket\n"
        "s = socket.socket()\n"
        "s.settimeout(2)\n"
        "try:\n"
        "    s.connect(('10.0.0.1', 80))\n"
        "    print('CONNECTED')\n"
        "except OSError as e:\n"
        "    print('REFUSED', e.errno)\n"
        "print(sorted(n for n in __import__('os').listdir('/sys/class/net')))\n"
    )
    output = docker_client.containers.run(
        "trialgate/python:3.11",
        ["python3", "-c", script],
        network_mode="none",
        read_only=True,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        remove=True,
    ).decode()
    assert "REFUSED" in output and "CONNECTED" not in output
    assert "['lo']" in output
