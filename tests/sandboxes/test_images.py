"""Image recipes and the present/stale/missing logic. A real rebuild takes ~30 s
(mmdebstrap), so these pin the decisions around it with tiny imported images."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable, Iterator

import docker
import msgspec
import pytest

from sandboxes.images import RECIPE_LABEL, build_image, image_status, recipe
from sandboxes.interfaces import SandboxError

TEST_REPOSITORY = "trialgate/recipe-test"


def test_recipe_digest_is_stable_and_covers_both_routes() -> None:
    current = recipe("python3.11")
    assert current.digest == recipe("python3.11").digest
    assert current.base_image == "python:3.11-slim"
    assert "--variant=minbase" in current.mmdebstrap_args
    for change in (
        {"dockerfile": current.dockerfile + "\n# changed"},
        {"mmdebstrap_args": (*current.mmdebstrap_args, "--include=git")},
        {"changes": (*current.changes, "ENV X=1")},
        {"suite": "trixie"},
    ):
        assert msgspec.structs.replace(current, **change).digest != current.digest


def test_unknown_runtime_is_refused() -> None:
    with pytest.raises(SandboxError):
        recipe("cobol85")


@pytest.fixture
def tiny_image(client: docker.DockerClient) -> Iterator[Callable[[str, str], str]]:
    """tiny_image(tag, label) imports a one-file image labelled with `label`."""
    made: list[str] = []

    def make(tag: str, label: str) -> str:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            member = tarfile.TarInfo("hello")
            member.size = 2
            tar.addfile(member, io.BytesIO(b"hi"))
        name = f"{TEST_REPOSITORY}:{tag}"
        client.api.import_image_from_data(
            buffer.getvalue(),
            repository=TEST_REPOSITORY,
            tag=tag,
            changes=[f"LABEL {RECIPE_LABEL}={label}"],
        )
        made.append(name)
        return name

    yield make
    for name in made:
        client.api.remove_image(name, force=True)


@pytest.mark.docker
def test_image_status_tells_missing_stale_and_present(
    client: docker.DockerClient, tiny_image: Callable[[str, str], str]
) -> None:
    assert image_status(client, image=f"{TEST_REPOSITORY}:absent") == "missing"
    stale = tiny_image("stale", "0" * 64)
    assert image_status(client, image=stale) == "stale"
    present = tiny_image("present", recipe("python3.11").digest)
    assert image_status(client, image=present) == "present"


@pytest.mark.docker
def test_build_is_skipped_when_the_recipe_matches(
    client: docker.DockerClient, tiny_image: Callable[[str, str], str]
) -> None:
    present = tiny_image("present", recipe("python3.11").digest)
    lines: list[str] = []
    assert build_image(client, image=present, progress=lines.append) == present
    assert lines == [f"{present} is up to date (recipe {recipe('python3.11').digest[:12]})"]
