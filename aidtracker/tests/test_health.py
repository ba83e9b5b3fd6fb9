"""Health probes and structured request logs."""

import json
import logging

import pytest
from django.db import OperationalError
from django.db.migrations.executor import MigrationExecutor

from core.logging import JsonFormatter, request_id_var


def test_healthz_needs_no_login_and_no_database(client):
    # No django_db mark: any database access in this request would fail the test.
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")


@pytest.mark.django_db
def test_readyz_ok_when_migrated(client):
    response = client.get("/readyz")
    assert (response.status_code, response.content) == (200, b"ok\n")


@pytest.mark.django_db
def test_readyz_not_ok_with_unapplied_migrations(client, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [object()])
    response = client.get("/readyz")
    assert (response.status_code, response.content) == (503, b"not ok\n")


@pytest.mark.django_db
def test_readyz_not_ok_without_database(client, monkeypatch):
    def unreachable(self, targets):
        raise OperationalError(2003, "Can't connect to MySQL server")

    monkeypatch.setattr(MigrationExecutor, "migration_plan", unreachable)
    response = client.get("/readyz")
    assert (response.status_code, response.content) == (503, b"not ok\n")


def test_every_response_carries_a_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert client.get("/healthz", HTTP_X_REQUEST_ID="edge-proxy-1234")["X-Request-ID"] == (
        "edge-proxy-1234"
    )
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad\nid")["X-Request-ID"] != "bad\nid"


def test_json_formatter_writes_one_object_per_line_with_extras():
    token = request_id_var.set("abc123")
    try:
        record = logging.LogRecord(
            "aidtracker.test", logging.INFO, __file__, 1, "hello %s", ("x",), None
        )
        record.outcome, record.log_id = "success", 42
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "hello x"
    assert (entry["request_id"], entry["outcome"], entry["log_id"]) == ("abc123", "success", 42)
