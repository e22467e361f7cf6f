"""Every API operation, fuzzed from its OpenAPI description as an admin, a physician and a lead.

Cases are generated from the schema drf-spectacular builds (valid inputs and deliberately invalid
ones), sent through the WSGI application, and each answer must be no 5xx, a documented status
code, a documented content type and a body that matches the documented schema. Half of the cases
aim at objects that exist (the caller's own lease, review, project, export), so generated bodies
reach the services and not only the 404 of a random id. Each case runs in a savepoint that is
rolled back, so one example's writes never change what the next one sees.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from schemathesis import DataGenerationMethod
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api import compat, conftest
from tests.api.world import build_world

ROLES = ("admin", "physician", "lead")
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)
EXAMPLES = 25

compat.install()


def _openapi() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, default=str))


SCHEMA = schemathesis.from_dict(
    _openapi(),
    app=get_wsgi_application(),
    data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def _real_ids(operation, caller) -> dict:
    """Path parameters naming objects this caller can reach (or someone else's, for 404s)."""
    path = operation.path
    ids = dict(caller.path_ids)
    if path.startswith("/api/assignments/"):
        ids["id"] = caller.path_ids.get("assignment")
    elif path.startswith("/api/reviews/"):
        ids["id"] = caller.path_ids.get("review")
    return {name: value for name, value in ids.items() if value is not None}


def _is_form(media_type: str | None) -> bool:
    return (media_type or "").startswith(("multipart/", "application/x-www-form-urlencoded"))


def _strategy(operation):
    return st.one_of(
        [
            operation.as_strategy(data_generation_method=method)
            for method in (DataGenerationMethod.positive, DataGenerationMethod.negative)
        ]
    )


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes the connection after each request; that would end the test's
    transaction. Django's own test client unhooks the same two signals."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.verbose_name)
def test_operation_answers_within_its_schema(db, keep_test_connection, operation, role):
    caller = build_world()[role]
    real = _real_ids(operation, caller)
    conftest.OPERATIONS.add((operation.verbose_name, role))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation), aim_at_real_objects=st.booleans())
    def check(case, aim_at_real_objects):
        # A form body that is not an object (negative cases make `true`) cannot be put on the
        # wire by any client, schemathesis' own included.
        assume(not (_is_form(case.media_type) and not isinstance(case.body, dict)))
        if aim_at_real_objects and case.path_parameters:
            for name in case.path_parameters:
                if name in real:
                    case.path_parameters[name] = real[name]
        with transaction.atomic():
            response = case.call(headers=caller.headers())
            transaction.set_rollback(True)
        conftest.CASES[role] += 1
        case.validate_response(response, checks=CHECKS)

    check()


def _nested(levels: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(levels):
        value = {"k": value}
    return value


_DEEP = b"[" * 1200 + b"]" * 1200
_IMPORT_ROW = {
    "id": "deep-1",
    "messages": [{"role": "user", "content": "Chest pain on exertion?"}],
    "answer": "See a doctor.",
    "specialty": "cardiology",
}
# Hostile inputs that each answered 500 once: (name, role, method, path, body, headers, status).
HOSTILE = [
    (
        "submit nested 1,200 deep",
        "physician",
        "POST",
        "/api/assignments/{id}/submit/",
        b'{"verdict": "accept", "grades": ' + _DEEP + b"}",
        {},
        400,
    ),
    (
        "draft nested 1,200 deep",
        "physician",
        "PUT",
        "/api/assignments/{id}/draft/",
        b'{"payload": {"a": ' + _DEEP + b"}}",
        {},
        400,
    ),
    (
        "draft with a lone surrogate",
        "physician",
        "PUT",
        "/api/assignments/{id}/draft/",
        b'{"payload": {"rationale": "chest \\ud800 pain"}}',
        {},
        400,
    ),
    (
        "draft with a NUL",
        "physician",
        "PUT",
        "/api/assignments/{id}/draft/",
        b'{"payload": {"rationale": "chest \\u0000 pain"}}',
        {},
        400,
    ),
    (
        "import metadata nested 300 deep",
        "admin",
        "POST",
        "/api/projects/{slug}/samples/import/",
        json.dumps([{**_IMPORT_ROW, "metadata": _nested(300)}]).encode(),
        {},
        400,
    ),
    (
        "download with a 4,400-digit range",
        "admin",
        "GET",
        "/api/exports/{export_id}/download/",
        None,
        {"Range": "bytes=0-" + "9" * 4400},
        416,
    ),
]


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "headers", "expected"),
    [case[1:] for case in HOSTILE],
    ids=[case[0] for case in HOSTILE],
)
def test_hostile_inputs_answer_a_documented_4xx(
    db, keep_test_connection, role, method, path, body, headers, expected
):
    """Explicit cases beside the generated ones: each checked by the same schema checks."""
    caller = build_world()[role]
    operation = SCHEMA[path][method]
    real = _real_ids(operation, caller)
    case = operation.make_case(
        path_parameters={
            parameter.name: real[parameter.name] for parameter in operation.path_parameters
        },
        media_type="application/json" if body is not None else None,
    )
    send = {**caller.headers(), **headers}
    extra = {}
    if body is not None:
        send["Content-Type"] = "application/json"
        extra["data"] = body
    with transaction.atomic():
        response = case.call(headers=send, **extra)
        transaction.set_rollback(True)
    assert response.status_code == expected, response.get_data()[:500]
    assert response.json["errors"][0]["message"]
    case.validate_response(response, checks=CHECKS)
