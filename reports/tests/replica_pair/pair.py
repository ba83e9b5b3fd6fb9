"""The primary and replica of REPLICA_PAIR ("primary URL,replica URL", servers only).

`.ci/run` starts a pair with `python -m devtools.cluster replica start`, sets
REPLICA_PAIR, and points DATABASE_URL at the primary, where pytest-django creates
the test database; replication creates it, and everything written to it, on the
replica.
"""

import json
import os
from urllib.parse import urlsplit

import MySQLdb
from django.db import connection
from django.urls import reverse

from devtools.commands import run_manage

REPLICA_PAIR = [url for url in os.environ.get("REPLICA_PAIR", "").split(",") if url]
PAGES = ["reports:monthly", "reports:coverage", "reports:stock"]
MONTHS = {"month_from": "2020-01", "month_to": "2030-12"}


def server(url):
    parts = urlsplit(url)
    return parts.hostname, parts.port


def root_query(url, sql):
    host, port = server(url)
    db = MySQLdb.connect(host=host, port=port, user="root")
    try:
        cursor = db.cursor()
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        db.close()


def caught_up(timeout=60):
    """Wait until the replica applied everything the primary wrote so far."""
    primary, replica = REPLICA_PAIR
    (position,) = root_query(primary, "SELECT @@gtid_binlog_pos")[0]
    waited = root_query(replica, f"SELECT MASTER_GTID_WAIT('{position}', {timeout})")[0][0]
    assert waited == 0, f"the replica did not reach {position} in {timeout} s"


def database_url(base, user="root", password=""):
    host, port = server(base)
    return f"mysql://{user}:{password}@{host}:{port}/{connection.settings_dict['NAME']}"


def read_in_a_child(username):
    """Run in a child process: render the report pages as `username`; print JSON."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from core.db import replica
    from reports.tests.test_read_only import figures

    setup_test_environment()
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    pages = {}
    for name in PAGES:
        response = client.get(reverse(name), MONTHS)
        html = response.content.decode()
        freshness = html.split('id="report-freshness">')[1].split("</p>")[0]
        rows = figures(response)
        pages[name] = {"status": response.status_code, "rows": rows, "freshness": freshness}
    print(json.dumps({"alias": replica.reporting_alias(), "pages": pages}, default=str))


def reports_read_by_a_child(username, **env):
    result = run_manage(
        env,
        "shell",
        "-c",
        "from reports.tests.replica_pair.pair import read_in_a_child; "
        f"read_in_a_child({username!r})",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
