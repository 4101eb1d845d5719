"""Connecting to a Docker engine: the one place that turns an address into a client."""

from __future__ import annotations

import docker
import docker.errors
import requests.exceptions

from sandboxes.interfaces import SandboxError

DEFAULT_SOCKET = "unix:///var/run/docker.sock"


def connect(base_url: str = "", *, timeout: float = 60.0) -> docker.DockerClient:
    """A client for the engine at `base_url` (or the default socket); raises if it does not answer."""
    try:
        client = docker.DockerClient(base_url=base_url or DEFAULT_SOCKET, timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise SandboxError(f"Docker engine at {base_url or DEFAULT_SOCKET} does not answer: {exc}") from exc
    return client


def engine_answers(base_url: str, *, timeout: float = 3.0) -> str | None:
    """None when the engine answers a ping, else the reason it does not."""
    try:
        client = docker.DockerClient(base_url=base_url or DEFAULT_SOCKET, timeout=timeout)
    except docker.errors.DockerException as exc:
        return str(exc)
    try:
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        return str(exc) or type(exc).__name__
    finally:
        client.close()
    return None


def engine_version(base_url: str) -> str:
    client = connect(base_url, timeout=5)
    try:
        return str(client.version().get("Version", "unknown"))
    finally:
        client.close()
