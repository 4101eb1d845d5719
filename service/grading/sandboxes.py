"""A sandbox made on first use and remade after the engine failed.

The API must keep serving while the Docker engine is down, so nothing connects
to it at start-up; grading asks for the sandbox when it needs one.
"""

from __future__ import annotations

import logging
import threading
import uuid

import docker

from sandboxes.docker import DockerSandbox, remove_stale
from sandboxes.engine import connect
from sandboxes.interfaces import Sandbox, SandboxError

log = logging.getLogger("trialgate.sandbox")


class SandboxProvider:
    def __init__(self, docker_host: str, *, pool_size: int) -> None:
        self._docker_host = docker_host
        self._pool_size = pool_size
        self._sandbox: DockerSandbox | None = None
        self._client: docker.DockerClient | None = None
        self._lineage = uuid.uuid4().hex  # every sandbox this provider makes, in turn
        self._lock = threading.Lock()

    def get(self) -> Sandbox:
        """The sandbox; raises SandboxError when the engine does not answer."""
        with self._lock:
            if self._sandbox is None:
                client = connect(self._docker_host)
                sandbox = DockerSandbox(client, pool_size=self._pool_size, lineage=self._lineage)
                removed = remove_stale(client, current=sandbox)
                if removed:
                    log.warning(
                        "removed %s sandbox containers left by an earlier sandbox or a "
                        "process that died",
                        removed,
                    )
                self._sandbox, self._client = sandbox, client
            return self._sandbox

    def sweep(self) -> int:
        """A janitor pass: remove the containers of dead workers and of sandboxes this one
        replaced; returns how many. Connects first when there is no sandbox yet, so a pass
        also tells whether the engine is back (it raises SandboxError while it is not)."""
        sandbox = self.get()
        with self._lock:
            client = self._client
        if client is None or sandbox is not self._sandbox:
            return 0  # reset meanwhile: the next pass looks again
        removed = remove_stale(client, current=sandbox)
        if removed:
            log.warning("janitor removed %s sandbox containers of dead workers", removed)
        return removed

    def reset(self) -> None:
        """Forget the sandbox after an engine failure, so the next call reconnects."""
        with self._lock:
            sandbox, self._sandbox, self._client = self._sandbox, None, None
        if sandbox is not None:
            try:
                sandbox.close()
            except SandboxError as exc:  # the engine is already failing; say so and move on
                log.warning("closing the old sandbox failed: %s", exc)

    def close(self) -> None:
        self.reset()
