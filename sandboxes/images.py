"""Sandbox images: how each runtime's image is made, and whether the engine has it.

Each runtime has a recipe under images/<dir>/: a Dockerfile (FROM an official
slim image) and rootfs.toml, its offline twin for engines that cannot pull: a
Debian rootfs made with mmdebstrap and `docker import`ed. Either way the image
carries the recipe's digest as a label, so an image built from an older recipe
is known to be stale and one from the current recipe is never rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import shlex
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import docker
import msgspec
from docker.utils import parse_repository_tag

from sandboxes.docker import engine_errors
from sandboxes.interfaces import ImageMissingError, SandboxError

RUNTIME_IMAGES = {"python3.11": "trialgate/python:3.11"}
RECIPE_LABEL = "trialgate.recipe"
_RECIPE_DIRS = {"python3.11": Path(__file__).parent / "images" / "python"}

ImageStatus = Literal["present", "stale", "missing"]
BuildMethod = Literal["auto", "dockerfile", "rootfs"]
Progress = Callable[[str], None]

log = logging.getLogger(__name__)


class Recipe(msgspec.Struct, frozen=True, kw_only=True):
    runtime: str
    directory: Path
    dockerfile: str
    base_image: str  # the Dockerfile's FROM
    suite: str
    mmdebstrap_args: tuple[str, ...]
    changes: tuple[str, ...]  # `docker import --change` lines, less the label

    @property
    def digest(self) -> str:
        """sha256 of everything that decides the image's content."""
        canonical = msgspec.json.encode(
            [self.dockerfile, self.suite, self.mmdebstrap_args, self.changes]
        )
        return hashlib.sha256(canonical).hexdigest()


def recipe(runtime: str) -> Recipe:
    directory = _RECIPE_DIRS.get(runtime)
    if directory is None:
        raise SandboxError(f"no sandbox image recipe for runtime {runtime!r}")
    dockerfile = (directory / "Dockerfile").read_text()
    rootfs = tomllib.loads((directory / "rootfs.toml").read_text())
    base = next(line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM "))
    return Recipe(
        runtime=runtime,
        directory=directory,
        dockerfile=dockerfile,
        base_image=base,
        suite=rootfs["suite"],
        mmdebstrap_args=tuple(rootfs["mmdebstrap"]),
        changes=tuple(rootfs["changes"]),
    )


def image_status(
    client: docker.DockerClient, runtime: str = "python3.11", *, image: str | None = None
) -> ImageStatus:
    """Whether the engine has the runtime's image (or `image`), built from the
    current recipe."""
    name = image or RUNTIME_IMAGES[runtime]
    attrs = _inspect(client, name)
    if attrs is None:
        return "missing"
    labels = (attrs.get("Config") or {}).get("Labels") or {}
    return "present" if labels.get(RECIPE_LABEL) == recipe(runtime).digest else "stale"


def build_image(
    client: docker.DockerClient,
    runtime: str = "python3.11",
    *,
    progress: Progress = log.info,
    image: str | None = None,
    method: BuildMethod = "auto",
    force: bool = False,
) -> str:
    """Build the runtime's image (tagged `image`, by default RUNTIME_IMAGES[runtime])
    unless one from the current recipe exists; returns its name.

    "auto" builds from the Dockerfile when its base image is already in the
    engine, else offline with mmdebstrap when that is installed, else from the
    Dockerfile, pulling. It never probes a registry: on an offline machine a
    probe costs a DNS timeout and tells nothing mmdebstrap's presence does not.
    """
    name = image or RUNTIME_IMAGES[runtime]
    spec = recipe(runtime)
    if not force and image_status(client, runtime, image=name) == "present":
        progress(f"{name} is up to date (recipe {spec.digest[:12]})")
        return name
    if method == "auto":
        method = "dockerfile" if _inspect(client, spec.base_image) else "rootfs"
        if method == "rootfs" and shutil.which("mmdebstrap") is None:
            method = "dockerfile"
    progress(f"building {name} from its {method} recipe {spec.digest[:12]}")
    if method == "dockerfile":
        _build_dockerfile(client, spec, name, progress)
    else:
        _build_rootfs(client, spec, name, progress)
    progress(f"built {name}")
    return name


def _inspect(client: docker.DockerClient, name: str) -> dict[str, Any] | None:
    try:
        with engine_errors(f"inspecting image {name}"):
            found: dict[str, Any] = client.api.inspect_image(name)
            return found
    except ImageMissingError:
        return None


def _build_dockerfile(
    client: docker.DockerClient, spec: Recipe, name: str, progress: Progress
) -> None:
    with engine_errors(f"building {name}"):
        for chunk in client.api.build(
            path=str(spec.directory),
            tag=name,
            labels={RECIPE_LABEL: spec.digest},
            rm=True,
            forcerm=True,
            decode=True,
        ):
            if "error" in chunk:
                raise SandboxError(f"building {name}: {chunk['error']}")
            text = chunk.get("stream") or chunk.get("status")
            if text and text.strip():
                progress(text.rstrip())


def _build_rootfs(client: docker.DockerClient, spec: Recipe, name: str, progress: Progress) -> None:
    with tempfile.TemporaryDirectory(prefix="trialgate-image-") as workdir:
        rootfs = Path(workdir) / "rootfs.tar"
        command = ["mmdebstrap", *spec.mmdebstrap_args, spec.suite, str(rootfs)]
        progress(f"$ {shlex.join(command)}")
        # stdin closed: mmdebstrap would read a sources.list from a non-tty stdin.
        with subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                progress(line.rstrip())
        if process.returncode != 0:
            raise SandboxError(f"mmdebstrap failed with exit code {process.returncode}")
        repository, tag = parse_repository_tag(name)
        progress(f"importing {rootfs.stat().st_size // 2**20} MiB into {name}")
        with engine_errors(f"importing {name}"):
            result = client.api.import_image(
                src=str(rootfs),
                repository=repository,
                tag=tag or "latest",
                changes=[*spec.changes, f"LABEL {RECIPE_LABEL}={spec.digest}"],
            )
        if '"error"' in str(result):
            raise SandboxError(f"importing {name}: {result}")
