"""The API against its own OpenAPI schema (schemathesis): no server error for any generated
request, and every answer conforms to the schema (status code, content type, body)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from config.wsgi import application

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Requests go through the WSGI application, whose request signals would close the test's
    # database connection (and its transaction) on PostgreSQL; Django's test client does this.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    # The contract run sends hundreds of requests from one address; throttling has its own test.
    settings.API_ANON_RATE = "1000000/min"


# Generating the schema reads no data, so it can be loaded when the tests are collected.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_it_conforms_to_its_own_openapi_schema(case, reference_data):
    case.call_and_validate(checks=CHECKS)
