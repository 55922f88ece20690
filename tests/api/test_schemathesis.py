"""Schemathesis against the live WSGI application: for every operation of
/api/v1/openapi.json, generated requests (valid and invalid) never get a server error, and
every response conforms to the schema the API publishes (media type and body).

The reference data are loaded and a few published submissions, events, organizations and
experts planted (tests/api/conftest.py); each detail operation is also called with ids
that exist, so its 200 answer is checked too. Examples per operation are few, to keep the
default suite fast; raise FUZZ_EXAMPLES for a longer run."""

import os
import time
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from config.wsgi import application

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# Reproducible in the default suite; FUZZ_RANDOM=1 explores new examples each run.
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") != "1"
# No 5xx; a documented status has the documented media type (JSON) and body schema.
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


@pytest.fixture
def in_test_transaction():
    """The application runs in this thread on the test's connection: keep Django from
    closing that connection at the end of each request (as its test client does), or the
    planted data would vanish mid-test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def known_ids(world) -> dict[str, str]:
    """Path parameters that name something public, by parameter name."""
    return {
        "code": "NGA",
        "number": "5",
        "numeral": "I",
        "phase": "1",
        "event_id": str(world.events[0].pk),
        "slug": world.organizations["shielded"].slug,
        "expert_id": str(world.experts[0].public_id),
        "reference": world.public[1].reference,
        "snapshot_id": str(world.reports[0].pk),
    }


def existing(operation, known_ids: dict[str, str]) -> dict[str, str] | None:
    names = [p.name for p in operation.path_parameters]
    if not names:
        return None
    path_parameters = {name: known_ids[name] for name in names}
    if operation.path.startswith("/api/v1/instruments/{code}"):
        path_parameters["code"] = "untoc"
    if operation.path == "/api/v1/regional-groups/{code}":
        path_parameters["code"] = "african"
    return path_parameters


def test_no_server_error_and_no_schema_violation(world, known_ids, in_test_transaction):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 23
    failures: dict[str, str] = {}
    statuses: dict[str, Counter] = {op.label: Counter() for op in operations}
    started = time.monotonic()
    for operation in operations:
        strategies = [
            operation.as_strategy(generation_mode=mode)
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
        ]
        path_parameters = existing(operation, known_ids)
        if path_parameters:
            strategies.append(operation.as_strategy(path_parameters=path_parameters))

        @given(case=st.one_of(strategies))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=DERANDOMIZE,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call()
            statuses[case.operation.label][response.status_code] += 1
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as error:  # every operation is tried; all failures reported
            failures[operation.label] = str(error)[:3000]
    elapsed = time.monotonic() - started
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    # Each operation answered 200 at least once, so its success schema was checked too.
    assert all(counts[200] for counts in statuses.values()), statuses
    print(
        f"\nschemathesis: {len(operations)} operations, {EXAMPLES} examples each, {elapsed:.1f} s"
    )
    for label, counts in statuses.items():
        print(f"  {label}: {dict(sorted(counts.items()))}")
