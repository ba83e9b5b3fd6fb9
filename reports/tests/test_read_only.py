"""Reading a report never writes: every page renders on a read-only connection.

A page that wrote while reading would fail on a read replica and under the
SELECT-only reporting account. Here the connection itself refuses writes (SQLite's
`query_only`, MariaDB's `SET SESSION TRANSACTION READ ONLY`) while pending rollup
changes wait unfolded, and every report page still shows the right figures. An
export writes exactly one row, its access-log entry.
"""

import datetime
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLog
from reports import rollup

from .factories import build_dataset

PAGES = [
    "reports:index",
    "reports:monthly",
    "reports:stock",
    "reports:coverage",
    "reports:owed",
    "reports:movements",
]
MONTHS = {"month_from": "2020-01", "month_to": f"{datetime.date.today():%Y-%m}"}


@contextmanager
def read_only_connection():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA query_only = OFF")
            else:
                cursor.execute("SET SESSION TRANSACTION READ WRITE")


def figures(response):
    context = response.context
    report = context.get("report")
    if report is None:
        return None
    return [vars(row) for row in context["page_obj"]]


@pytest.mark.django_db(transaction=True)
def test_every_report_page_renders_on_a_read_only_connection(client, manager, center, other_center):
    build_dataset(center, other_center)
    assert rollup.has_pending()  # the triggers' changes, not folded: the pages must add them
    client.force_login(manager.user)
    expected = {}
    for name in PAGES:
        expected[name] = figures(client.get(reverse(name), MONTHS))
    assert rollup.has_pending()  # reading folded nothing
    assert expected["reports:monthly"]
    assert expected["reports:coverage"]

    with read_only_connection():
        with pytest.raises(DatabaseError):  # the connection really refuses writes
            AccessLog.objects.create(staff=manager, action="export", target="probe")
        answers = {name: client.get(reverse(name), MONTHS) for name in PAGES}

    assert {name: response.status_code for name, response in answers.items()} == dict.fromkeys(
        PAGES, 200
    )
    assert {name: figures(response) for name, response in answers.items()} == expected
    rollup.fold()
    after_fold = {name: figures(client.get(reverse(name), MONTHS)) for name in PAGES}
    assert after_fold == expected


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES[1:])
@pytest.mark.parametrize("export_format", ["csv", "xlsx", "hxl"])
def test_an_export_writes_its_access_log_entry_and_nothing_else(
    client, manager, center, other_center, name, export_format
):
    build_dataset(center, other_center)
    client.force_login(manager.user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name), {**MONTHS, "format": export_format})
    assert response.status_code == 200
    writes = [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))
    ]
    assert len(writes) == 1, writes
    assert "Access_Log" in writes[0]
