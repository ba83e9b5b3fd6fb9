"""Run a transaction again when it lost a deadlock or timed out waiting for a row lock."""

import random
import time

from django.db import OperationalError, connection, transaction

from core.db import galera

# MySQL/MariaDB: ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT.
MYSQL_RETRYABLE_ERRORS = {1213, 1205}
MAX_ATTEMPTS = 5


class LockContention(Exception):
    """The transaction kept losing to lock contention; everything it did was rolled back."""


def is_retryable(error):
    """Return True for errors that a fresh attempt of the same transaction can cure."""
    cause = error.__cause__ or error
    if connection.vendor == "mysql":
        return bool(cause.args) and cause.args[0] in MYSQL_RETRYABLE_ERRORS
    return "database is locked" in str(cause)


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
        except OperationalError as error:
            if not is_retryable(error):
                raise
            if attempt + 1 < attempts:
                backoff(attempt)
    raise LockContention(f"Gave up after {attempts} attempt(s) lost to lock contention.")
