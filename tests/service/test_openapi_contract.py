"""The OpenAPI document is the contract: every operation, fuzzed from its schema with an
admin's, a platform's, a candidate's and another organization's platform's key, answers
no 5xx and only what it documents. Real ids (people of both organizations) are mixed
into the generated ids, so the fuzzer reaches past the "no such id" answers too.

Schemathesis generates the requests (a fixed seed, so every run asks the same); its
pytest plugin is not used, the operations are parametrized here.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import hypothesis
import hypothesis.strategies as st
import msgspec
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app
from service.repo.organizations import insert_organization
from service.settings import Settings
from tests.conftest import _migrated_database
from tests.support import Caller, new_caller, serving

EXAMPLES_PER_OPERATION = 30  # valid and invalid, each sent with three keys
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schemathesis.serializer("application/x-ndjson")
def _ndjson(context: object, value: object) -> bytes:
    """An event history body: the generated text as it is (lines or not)."""
    return value.encode() if isinstance(value, str) else json.dumps(value).encode()


# The document as the app publishes it at /schema/openapi.json; building it needs no database.
DOCUMENT = create_app(Settings(data_dir=Path(".data"))).openapi_schema.to_schema()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = [found.ok() for found in SCHEMA.get_all_operations()]


@pytest.fixture(scope="session")
async def contract_database(admin_url: str) -> AsyncIterator[str]:
    """A database of its own: the fuzzer's policies, trials and webhooks stay there."""
    async for url in _migrated_database(admin_url):
        yield url


@pytest.fixture(scope="session")
async def contract_callers(contract_database: str) -> list[Caller]:
    conn = await asyncpg.connect(contract_database)
    try:
        other = await insert_organization(conn, slug="other-platform", name="Another platform")
        return [
            await new_caller(conn, "admin", None, "operator"),
            await new_caller(conn, "platform", None, "marketplace"),
            await new_caller(conn, "candidate", "candidate", "Ada"),
            await new_caller(conn, "platform", None, "another marketplace", other.id),
            # not a caller: a person of the other organization, for its id
            await new_caller(conn, "client", "client", "Zed", other.id),
        ]
    finally:
        await conn.close()


# Fields whose values name a person: where a real id is put in place of a generated one.
ID_FIELDS = ("candidate_id", "actor_id", "candidate", "client")


def _mix_in(case: schemathesis.Case, real: str) -> None:
    """Put a real id where the generated case has a uuid or names a person."""
    for name, value in list((case.path_parameters or {}).items()):
        if isinstance(value, str) and _is_uuid(value):
            case.path_parameters[name] = real  # type: ignore[index]
    if isinstance(case.body, dict):
        for name in ID_FIELDS:
            if name in case.body:
                case.body[name] = real


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


@pytest.fixture(scope="session")
def served(app_settings: Settings, contract_database: str) -> Iterator[str]:
    settings = msgspec.structs.replace(app_settings, database_url=contract_database)
    with serving(create_app(settings, embedded_worker=False)) as base:
        yield base


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_operation_keeps_its_contract(
    operation: schemathesis.APIOperation, served: str, contract_callers: list[Caller]
):
    cases = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | operation.as_strategy(
        generation_mode=GenerationMode.NEGATIVE
    )
    callers = contract_callers[:4]
    real_ids = [str(c.actor_id) for c in contract_callers if c.actor_id is not None]

    @hypothesis.given(case=cases, real=st.none() | st.sampled_from(real_ids))
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def keeps_it(case: schemathesis.Case, real: str | None) -> None:
        if real is not None:
            _mix_in(case, real)
        for caller in callers:
            case.call_and_validate(base_url=served, headers=caller.headers, checks=CHECKS)

    keeps_it()


def _walk(node: object) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_the_document_describes_what_the_api_really_sends_and_takes():
    paths = DOCUMENT["paths"]
    for public in ("/health", "/ready"):
        assert paths[public]["get"]["security"] == []
    assert "401" not in paths["/health"]["get"]["responses"]
    starter = paths["/v1/trials/{trial_id}/starter"]["get"]["responses"]["200"]["content"]
    assert set(starter) == {"application/gzip", "application/zip"}
    assert all(c["schema"]["format"] == "binary" for c in starter.values())
    submit = paths["/v1/trials/{trial_id}/submissions"]["post"]["requestBody"]["content"]
    assert set(submit) == {"multipart/form-data", "application/json"}
    assert "application/x-ndjson" in paths["/v1/events:import"]["post"]["requestBody"]["content"]
    for path, item in paths.items():
        for method, operation in item.items():
            if path.startswith("/v1/"):
                for status in ("400", "401", "403", "503"):
                    content = operation["responses"][status]["content"]
                    assert list(content) == ["application/problem+json"], (method, path, status)
    # a number is typed once: an integer matches `number`, so both would match twice
    for node in _walk(DOCUMENT):
        kinds = [k.get("type") for k in node.get("oneOf", []) if isinstance(k, dict)]
        assert not {"number", "integer"} <= set(kinds), node


def test_the_explorer_needs_nothing_from_outside(served: str):
    """/schema and /schema/swagger load Swagger UI from the app itself, so the explorer
    works offline: every script and stylesheet the page names is served here."""
    for page_path in ("/schema", "/schema/swagger"):
        page = httpx.get(served + page_path, timeout=30)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert len(assets) == 4 and all(a.startswith("/schema/assets/") for a in assets), assets
        for asset in assets:
            fetched = httpx.get(served + asset, timeout=30)
            assert fetched.status_code == 200 and len(fetched.content) > 200, asset
