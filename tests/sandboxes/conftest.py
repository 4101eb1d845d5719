"""Sandbox test fixtures: the real Docker engine (DOCKER_HOST, else the one
`trialgate infra up` recorded), the real image, one shared warm sandbox, and a
check that no sandbox container outlives these tests."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import docker
import msgspec
import pytest

from sandboxes.docker import LABEL, DockerSandbox
from sandboxes.engine import connect
from sandboxes.images import RUNTIME_IMAGES, build_image, image_status
from sandboxes.interfaces import RunLimits, RunOutcome, RunSpec, SandboxError
from service.settings import settings_from_environment

IMAGE = RUNTIME_IMAGES["python3.11"]
LIMITS = RunLimits(wall_seconds=3, output_kb=64)


def sandbox_containers(client: docker.DockerClient) -> set[str]:
    return {c["Id"] for c in client.api.containers(all=True, filters={"label": LABEL})}


def make_spec(
    files: dict[str, str],
    *,
    image: str = IMAGE,
    test_paths: tuple[str, ...] = ("tests",),
    **limits: float,
) -> RunSpec:
    """A RunSpec from source texts (dedented), with LIMITS overridden by `limits`."""
    return RunSpec(
        image=image,
        files={path: textwrap.dedent(text).encode() for path, text in files.items()},
        test_paths=test_paths,
        limits=msgspec.structs.replace(LIMITS, **limits),
    )


def as_candidate(probes: str, count: int) -> dict[str, str]:
    """Files for a run where `probes` (functions named `probe_*`) run as the
    candidate's code, each called by one test of the grader's."""
    names = re.findall(r"^def (probe_\w+)", textwrap.dedent(probes), re.MULTILINE)
    assert len(names) == count
    calls = "".join(f"\n\ndef test_{name}():\n    probe.{name}()\n" for name in names)
    return {"submission/probe.py": probes, "tests/test_probe.py": "import probe\n" + calls}


@pytest.fixture(scope="session")
def client() -> Iterator[docker.DockerClient]:
    try:
        engine = connect(settings_from_environment().docker_host)
    except SandboxError as exc:
        pytest.fail(
            f"sandbox tests need a Docker engine (DOCKER_HOST or `trialgate infra up`): {exc}"
        )
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def image(client: docker.DockerClient) -> str:
    if image_status(client) == "missing":
        build_image(client)  # about 30 s offline; once per engine
    return IMAGE


@pytest.fixture(scope="package")
def sandbox(client: docker.DockerClient, image: str) -> Iterator[DockerSandbox]:
    """The shared sandbox, closed when this package's tests are done. The engine
    may be shared (a developer's `trialgate serve`), so what must not survive is
    any sandbox container that was not there before."""
    before = sandbox_containers(client)
    box = DockerSandbox(client, pool_size=2)
    box.prewarm(image, LIMITS)
    yield box
    box.close()
    assert sandbox_containers(client) - before == set(), "a sandbox container outlived the tests"


@pytest.fixture
def run(sandbox: DockerSandbox) -> Callable[..., RunOutcome]:
    """run({path: source}, **limits) -> RunOutcome, on the shared sandbox."""

    def run_files(files: dict[str, str], **options: Any) -> RunOutcome:
        return sandbox.run(make_spec(files, **options))

    return run_files


@pytest.fixture
def spec(image: str) -> Callable[..., RunSpec]:
    """spec({path: source}, **limits) -> RunSpec, for tests with a sandbox of their own."""
    return make_spec
