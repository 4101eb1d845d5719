"""The real engine, the lru-cache trial, and every attack graded once.

Grading is done up front for the whole package, a few runs at a time, so the
suite's length is set by the slowest runs rather than their sum; each test then
judges one stored result. Runs do not share anything (a fresh container each),
so their order and overlap do not matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker
import pytest

from sandboxes.docker import LABEL, DockerSandbox
from sandboxes.engine import connect
from sandboxes.images import build_image, image_status
from sandboxes.interfaces import SandboxError
from scoring.grading.verdicts import Grade
from service.grading.grader import TrialCheck, check_trial, grade_submission
from service.settings import settings_from_environment
from tests.redteam.catalogue import BASES, attack_names, base_source, load_attack, submission
from tests.redteam.leaks import HiddenText
from tests.redteam.rules import Raised
from trials.package import TrialPackage, load_package

TRIAL = Path(__file__).resolve().parents[2] / "trials" / "examples" / "lru-cache"
PARALLEL_RUNS = 3


def sandbox_containers(client: docker.DockerClient) -> set[str]:
    return {c["Id"] for c in client.api.containers(all=True, filters={"label": LABEL})}


@pytest.fixture(scope="package")
def client() -> Iterator[docker.DockerClient]:
    try:
        engine = connect(settings_from_environment().docker_host)
    except SandboxError as exc:
        pytest.fail(f"the red-team suite needs a Docker engine (`trialgate infra up`): {exc}")
    yield engine
    engine.close()


@pytest.fixture(scope="package")
def sandbox(client: docker.DockerClient) -> Iterator[DockerSandbox]:
    """One sandbox for the package; no container it made may outlive it."""
    if image_status(client) == "missing":
        build_image(client)
    before = sandbox_containers(client)
    box = DockerSandbox(client, pool_size=2)
    yield box
    box.close()
    assert sandbox_containers(client) - before == set(), "a sandbox container outlived the tests"


@pytest.fixture(scope="package")
def package() -> TrialPackage:
    return load_package(TRIAL)


@pytest.fixture(scope="package")
def hidden(package: TrialPackage) -> HiddenText:
    public = [*package.public_tests.values(), *package.starter.values(), package.statement.encode()]
    return HiddenText.of(package.tests, public)


@pytest.fixture(scope="package")
def trial_check(sandbox: DockerSandbox, package: TrialPackage) -> TrialCheck:
    """The trial graded as an import grades it: its expected tests, and the
    solution's and starter's grades."""
    return check_trial(sandbox, package)


@pytest.fixture(scope="package")
def graded(
    sandbox: DockerSandbox, package: TrialPackage, trial_check: TrialCheck
) -> dict[str, Grade | Raised]:
    """Every attack and every plain base, by name, graded on the real engine."""
    runs = {
        f"plain_{base}": {"lru_cache.py": base_source(package, base).encode()} for base in BASES
    }
    runs.update({name: submission(package, load_attack(name)) for name in attack_names()})

    def grade(files: dict[str, bytes]) -> Grade | Raised:
        try:
            return grade_submission(
                sandbox, package, files, expected_tests=trial_check.expected_tests
            )
        except Exception as exc:  # any exception is a finding, kept for its test
            return Raised(exception=type(exc).__name__, message=str(exc))

    with ThreadPoolExecutor(PARALLEL_RUNS) as pool:
        return dict(zip(runs, pool.map(grade, runs.values()), strict=True))
