"""A Galera cluster's nodes, and threads that run on a chosen node.

These tests run only when GALERA_NODES lists the nodes' URLs (`.ci/run` starts a
cluster with `python -m devtools.cluster galera start` and sets it); DATABASE_URL
names node 1, where pytest-django creates the test database (the cluster replicates
it, its tables, triggers and procedures to the other nodes).
"""

import os
import threading
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.utils import load_backend

GALERA_NODES = [url for url in os.environ.get("GALERA_NODES", "").split(",") if url]
# Seconds a thread may wait at a barrier or to finish: far above what the work needs.
TIMEOUT = 120


def use_node(alias):
    """Point this thread's default connection at the node `alias`: the services, which
    use the default connection, then run on that node. The connection keeps the name
    "default", the one database the tests declare."""
    settings_dict = connections.settings[alias]
    backend = load_backend(settings_dict["ENGINE"])
    connections[DEFAULT_DB_ALIAS] = backend.DatabaseWrapper(settings_dict, DEFAULT_DB_ALIAS)


@dataclass
class Outcome:
    result: object = None
    error: Exception | None = None


def run_on_nodes(*calls, session_sql=()):
    """Run each (alias, callable) in its own thread on that node, released together.

    `session_sql` runs first on each thread's connection. Return one Outcome per call,
    in order; fail if a thread is still running after TIMEOUT seconds.
    """
    start = threading.Barrier(len(calls), timeout=TIMEOUT)
    outcomes = [Outcome() for _ in calls]

    def run(alias, call, outcome):
        use_node(alias)
        try:
            with connection.cursor() as cursor:
                for statement in session_sql:
                    cursor.execute(statement)
            start.wait()
            outcome.result = call()
        except Exception as error:
            outcome.error = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(alias, call, outcome), daemon=True)
        for (alias, call), outcome in zip(calls, outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    stuck = sum(thread.is_alive() for thread in threads)
    assert not stuck, f"{stuck} thread(s) still running after {TIMEOUT} s"
    return outcomes


def on_node(alias, call):
    """Run `call` on one node (in a thread of its own) and return its result."""
    (outcome,) = run_on_nodes((alias, call))
    if outcome.error is not None:
        raise outcome.error
    return outcome.result
