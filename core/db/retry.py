"""Run a transaction again when it lost a deadlock or timed out waiting for a row lock."""

import random
import re
import time

from django.db import DatabaseError, connection, transaction

from core.db import galera

# MySQL/MariaDB: ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT.
MYSQL_RETRYABLE_ERRORS = {1213, 1205}
# On a Galera cluster a transaction that a replicated one must overtake is killed
# wherever it is (a "brute force" abort, certification's deadlock). Killed while it
# opens a table, MariaDB 10.11 reports that table's definition as broken instead of
# error 1213: a trigger whose body "has an error" at a random place, an .frm file
# with "Incorrect information", a "Corrupted TRG file". The statement was valid and
# its transaction is rolled back, so it is retried like a deadlock; a definition that
# is really broken fails every attempt and is reported.
GALERA_ABORTED_WHILE_OPENING = re.compile(
    r"has an error in its body|Incorrect information in file|Corrupted TRG file"
)
MAX_ATTEMPTS = 5


class LockContention(Exception):
    """The transaction kept losing to lock contention; everything it did was rolled back."""


def is_retryable(error):
    """Return True for errors that a fresh attempt of the same transaction can cure."""
    cause = error.__cause__ or error
    if connection.vendor != "mysql":
        return "database is locked" in str(cause)
    if not cause.args:
        return False
    if cause.args[0] in MYSQL_RETRYABLE_ERRORS:
        return True
    return galera.enabled() and bool(GALERA_ABORTED_WHILE_OPENING.search(str(cause.args[-1])))


def backoff(attempt):
    """Sleep a short, growing, jittered time so that colliding workers spread out
    (at most about 0.4 s however many attempts a Galera cluster allows)."""
    time.sleep(random.uniform(0.005, 0.025) * (2 ** min(attempt, 4)))


def max_attempts():
    """More attempts on a Galera cluster, whose certification conflicts come in waves."""
    return galera.GALERA_MAX_ATTEMPTS if galera.enabled() else MAX_ATTEMPTS


def atomic_with_retries(operation):
    """Return `operation()` run in its own transaction, retried on deadlocks and lock waits.

    Inside a caller's transaction a retry is impossible (the database has already
    rolled that transaction back), so contention is reported at once.
    """
    attempts = 1 if connection.in_atomic_block else max_attempts()
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                return operation()
        except DatabaseError as error:  # a misreported Galera abort is a ProgrammingError
            if not is_retryable(error):
                raise
            last = error
            if attempt + 1 < attempts:
                backoff(attempt)
    raise LockContention(f"Gave up after {attempts} attempt(s) lost to lock contention.") from last
