"""Locks that hold across a MariaDB Galera cluster: writes that Galera certifies.

On one server, `SELECT ... FOR UPDATE` serialises two transactions. On a Galera
cluster every node takes its own row locks, and only the rows a transaction *writes*
are compared between nodes, at commit: two nodes can each lock "the same" household
row and both serve it. So a transaction that must exclude its twin on another node
also writes a row its twin would write (`Cluster_Locks`, through `certify`): the
second of the two to commit fails certification (error 1213, a deadlock to the
client) and is retried, and the retry sees the first one's outcome.

With `DATABASE_GALERA` off (one server, SQLite) `certify` does nothing, so single
servers run exactly the statements they always ran; the row locks suffice there.
"""

from django.conf import settings

CERTIFY_SQL = (
    "INSERT INTO Cluster_Locks (lock_name, lock_key, version) VALUES (%s, %s, 1)"
    " ON DUPLICATE KEY UPDATE version = version + 1"
)
# A certification failure is found at commit, after the work is done; under many
# writers on one row they come in waves, so a Galera cluster retries more often and
# spreads the retries out further than one server needs for its rare deadlocks.
GALERA_MAX_ATTEMPTS = 10


def enabled():
    return settings.DATABASE_GALERA


def certify(cursor, name, key=0):
    """Write the (name, key) row of Cluster_Locks in the cursor's transaction, after
    taking the local lock it doubles (a no-op unless DATABASE_GALERA is on)."""
    if enabled():
        cursor.execute(CERTIFY_SQL, [name, key])
