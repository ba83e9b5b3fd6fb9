"""Fixtures of the Galera tests: the cluster's nodes as database aliases."""

import os
from urllib.parse import urlsplit

import pytest
from django.db import connection, connections

from .nodes import GALERA_NODES, on_node

# What aidtracker.settings gives a connection with DATABASE_GALERA on.
GALERA_INIT_COMMAND = "SET sql_mode='STRICT_TRANS_TABLES', time_zone='+00:00', wsrep_sync_wait=1"


def pytest_collection_modifyitems(config, items):
    if GALERA_NODES:
        return
    skip = pytest.mark.skip(reason="GALERA_NODES is not set: no Galera cluster to run on")
    for item in items:
        if "aidtracker/tests/galera/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture
def nodes(transactional_db, settings):
    """The aliases node1..nodeN of the test database on each node, Galera mode on."""
    settings.DATABASE_GALERA = True
    base = connection.settings_dict
    aliases = []
    for number, url in enumerate(GALERA_NODES, start=1):
        parts = urlsplit(url)
        alias = f"node{number}"
        options = {**base["OPTIONS"], "init_command": GALERA_INIT_COMMAND}
        connections.settings[alias] = {
            **base,
            "HOST": parts.hostname,
            "PORT": str(parts.port),
            "OPTIONS": options,
        }
        aliases.append(alias)
    for alias in aliases:
        on_node(alias, caught_up)
    yield aliases
    # Every node settled before the purge's TRUNCATEs (DDL) after the test.
    for alias in aliases:
        on_node(alias, caught_up)
    for alias in aliases:
        del connections.settings[alias]


def caught_up():
    """Wait until this node has applied everything the cluster committed, DDL included.

    The purge between tests empties the logs with TRUNCATE, DDL that every node
    applies in turn; a test starts writing only once its node has. A causal read
    (wsrep_sync_wait) returns only once the node caught up.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION wsrep_sync_wait = 15")
        cursor.execute("SELECT COUNT(*) FROM Distribution_Log")
        cursor.execute("SET SESSION wsrep_sync_wait = 1")
