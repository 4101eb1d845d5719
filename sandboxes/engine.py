"""Connecting to a Docker engine: the one place that turns an address into a client."""

from __future__ import annotations

import socket

import docker
import docker.constants
import docker.errors
import requests.exceptions

from sandboxes.interfaces import SandboxError

DEFAULT_SOCKET = "unix:///var/run/docker.sock"


def connect(base_url: str = "", *, timeout: float = 60.0) -> docker.DockerClient:
    """A client for the engine at `base_url` (or the default socket); raises if it does not answer."""
    url = base_url or DEFAULT_SOCKET
    reason = engine_answers(url, timeout=min(timeout, 5.0))
    if reason is not None:
        raise SandboxError(f"Docker engine at {url} does not answer: {reason}")
    try:
        client = docker.DockerClient(base_url=url, timeout=timeout)
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise SandboxError(f"Docker engine at {url} does not answer: {exc}") from exc
    return client


def _unix_socket_refuses(path: str, timeout: float) -> str | None:
    # docker-py leaks its socket when a unix connect fails, so try the socket ourselves first.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(timeout)
        try:
            probe.connect(path)
        except OSError as exc:
            return f"{path}: {exc.strerror or exc}"
    return None


def engine_answers(base_url: str, *, timeout: float = 3.0) -> str | None:
    """None when the engine answers a ping, else the reason it does not."""
    url = base_url or DEFAULT_SOCKET
    if url.startswith("unix://"):
        refused = _unix_socket_refuses(url.removeprefix("unix://"), timeout)
        if refused:
            return refused
    try:
        # A fixed minimal API version: /_ping is unversioned, and auto-detection would open
        # (and, when the engine is down, leak) a connection before we ever ping.
        client = docker.APIClient(
            base_url=base_url or DEFAULT_SOCKET,
            version=docker.constants.MINIMUM_DOCKER_API_VERSION,
            timeout=timeout,
        )
    except docker.errors.DockerException as exc:
        return str(exc)
    try:
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        return str(exc) or type(exc).__name__
    finally:
        client.close()
    return None
