"""Reading reports from a replica: a routing block, and the replica's health.

With `DATABASE_REPLICA_URL` set, the database alias `replica` exists and report
pages and exports read inside `reading_from_replica()`: every ORM read in the block
goes to the replica, every write (the access-log entry of an export) to the primary.
Before a block starts, the replica must answer and be at most `REPLICA_MAX_LAG_SECONDS`
behind; otherwise the block reads the primary, so a report is never older than that.
The verdict is kept for a few seconds per process, so a page costs no extra query.
"""

import contextlib
import contextvars
import datetime
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

REPLICA = "replica"
HEALTH_SECONDS = 5.0
_reading = contextvars.ContextVar("aidtracker_reading_alias", default=None)
_verdict = {"alias": None, "until": 0.0, "lag": None}


@dataclass(frozen=True)
class Freshness:
    """How current the figures a report block reads are: read from the replica
    `lag_seconds` behind the primary (as of `as_of`), or live from the primary."""

    from_replica: bool
    as_of: datetime.datetime
    lag_seconds: int = 0


class ReplicaRouter:
    """Send the reads of a `reading_from_replica()` block to its alias; nothing else."""

    def db_for_read(self, model, **hints):
        return _reading.get()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both sides

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


def replica_lag(alias=REPLICA):
    """Seconds the replica is behind, 0 for a server that replicates nothing, or None.

    None means it cannot be used: unreachable, its replication stopped or broken, or
    (MySQL/MariaDB) the account may not read the replication status.
    """
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            if connection.vendor != "mysql":
                cursor.execute("SELECT 1")
                return 0
            cursor.execute("SHOW SLAVE STATUS")
            row = cursor.fetchone()
            if row is None:
                return 0
            columns = [column[0] for column in cursor.description]
            return dict(zip(columns, row, strict=True))["Seconds_Behind_Master"]
    except DatabaseError as error:
        logger.warning("Replica %r unusable, reports read the primary: %s", alias, error)
        connection.close()
        return None


def reporting_alias():
    """The alias report reads use now: the replica when healthy, else the primary."""
    if REPLICA not in settings.DATABASES:
        return "default"
    now = time.monotonic()
    if now >= _verdict["until"]:
        lag = replica_lag()
        healthy = lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
        if lag is not None and not healthy:
            logger.warning("Replica %ss behind, reports read the primary.", lag)
        _verdict.update(
            alias=REPLICA if healthy else "default", until=now + HEALTH_SECONDS, lag=lag
        )
    return _verdict["alias"]


def freshness():
    """The Freshness of what the current block reads (the primary outside a block)."""
    now = timezone.now()
    if _reading.get() != REPLICA:
        return Freshness(from_replica=False, as_of=now)
    lag = int(_verdict["lag"] or 0)
    return Freshness(
        from_replica=True, as_of=now - datetime.timedelta(seconds=lag), lag_seconds=lag
    )


def forget_replica_health():
    """Check the replica again at the next block (after a settings change, in tests)."""
    _verdict.update(alias=None, until=0.0, lag=None)


@contextlib.contextmanager
def reading_from_replica():
    """Route the block's ORM reads to the healthy replica (or the primary)."""
    token = _reading.set(reporting_alias())
    try:
        yield _reading.get()
    finally:
        _reading.reset(token)
