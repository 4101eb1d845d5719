"""The OpenAPI document is the contract: every operation, fuzzed from its schema with an
admin's, a platform's and a candidate's key, answers no 5xx and only what it documents.

Schemathesis generates the requests (a fixed seed, so every run asks the same); its
pytest plugin is not used, the operations are parametrized here.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import hypothesis
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
        return [
            await new_caller(conn, "admin", None, "operator"),
            await new_caller(conn, "platform", None, "marketplace"),
            await new_caller(conn, "candidate", "candidate", "Ada"),
        ]
    finally:
        await conn.close()


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

    @hypothesis.given(case=cases)
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def keeps_it(case: schemathesis.Case) -> None:
        for caller in contract_callers:
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
