"""submission.graded reaches a receiving server signed, and again after the receiver failed once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from litestar.testing import TestClient

from service.webhooks.delivery import sign, verify
from tests.service.conftest import Callers
from tests.service.test_api_roles import SOLUTION, wait_graded


class Receiver:
    """A fake platform endpoint on loopback that fails the first attempt of every delivery."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.received: list[tuple[int, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                delivery = self.headers["Trialgate-Delivery"]
                status = 204 if delivery in receiver.seen else 500
                receiver.seen.add(delivery)
                receiver.received.append((status, dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/trialgate"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.thread.start()
    try:
        yield found
    finally:
        found.server.shutdown()
        found.server.server_close()


def test_signatures_verify_and_reject_tampering_and_replays():
    body = b'{"event":"submission.graded"}'
    header = sign("whsec_x", 1_700_000_000, body)
    assert verify("whsec_x", header, body, now=1_700_000_010)
    assert not verify("whsec_x", header, body + b" ", now=1_700_000_010)
    assert not verify("whsec_other", header, body, now=1_700_000_010)
    assert not verify("whsec_x", header, body, now=1_700_100_000)
    assert not verify("whsec_x", "garbage", body, now=1_700_000_010)


def test_graded_submission_is_delivered_signed_and_redelivered_after_a_failure(
    api: TestClient, callers: Callers, lru_trial: str, receiver: Receiver
):
    hook = api.post(
        "/v1/webhooks",
        json={"url": receiver.url, "events": ["submission.graded"]},
        headers=callers.platform.headers,
    ).json()
    try:
        created = api.post(
            f"/v1/trials/{lru_trial}/submissions",
            json={"files": SOLUTION},
            headers=callers.candidate.headers,
        ).json()
        wait_graded(api, created["id"], callers.candidate.headers)
        deadline = time.monotonic() + 30
        ours: list[tuple[int, dict[str, str], bytes]] = []
        while len(ours) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            ours = [r for r in receiver.received if created["id"].encode() in r[2]]
        assert len(ours) >= 2, receiver.received

        first, second = ours[:2]
        assert (first[0], second[0]) == (500, 204)
        assert first[2] == second[2]  # the same event, redelivered
        _, headers, body = second
        assert headers["Trialgate-Event"] == "submission.graded"
        assert verify(hook["secret"], headers["Trialgate-Signature"], body, now=time.time())
        assert created["id"].encode() in body
        assert b"accepted" in body

        deliveries = api.get(
            f"/v1/webhooks/{hook['id']}/deliveries", headers=callers.platform.headers
        ).json()
        delivered = [d for d in deliveries if d["subject_id"] == created["id"]]
        assert delivered and delivered[0]["state"] == "delivered" and delivered[0]["attempts"] == 2
    finally:
        api.delete(f"/v1/webhooks/{hook['id']}", headers=callers.platform.headers)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "https://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:9/hook",
        "http://no-such-host.invalid/x",
    ],
)
def test_webhooks_to_non_public_addresses_are_refused_by_default(
    settings, database_url: str, callers: Callers, url: str
):
    from service.app import create_app  # noqa: PLC0415
    from service.settings import Settings  # noqa: PLC0415

    strict = Settings(
        data_dir=settings.data_dir, database_url=database_url, docker_host=settings.docker_host
    )
    with TestClient(create_app(strict, embedded_worker=False)) as client:
        response = client.post(
            "/v1/webhooks",
            json={"url": url, "events": ["submission.graded"]},
            headers=callers.platform.headers,
        )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "url"
