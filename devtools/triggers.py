"""Lift and restore the append-only triggers, for tests only: the purge of a SQLite test
database, and tests that set up rows the triggers would refuse."""

import re
from contextlib import contextmanager

from core.db.accounts import APPEND_ONLY_TABLES, ERASABLE_TABLES

# Tables a purge empties without their triggers: the append-only logs (they refuse
# DELETE), and Households, whose AFTER DELETE trigger (reports' coverage counts) would
# otherwise write pending rows into a table the purge may already have emptied.
LIFTED_TABLES = (*APPEND_ONLY_TABLES, *ERASABLE_TABLES, "Households")


# SHOW CREATE TRIGGER names the definer. Re-created with it, a trigger replicates
# to the other nodes of a Galera cluster with its body cut at the wrong place (the
# cluster rebuilds the statement around the definer); without it, as the migrations
# create them, it replicates whole. The trigger's definer is then the purging user.
WITHOUT_DEFINER = re.compile(r"CREATE\s+DEFINER\s*=\s*\S+\s+TRIGGER", re.IGNORECASE)


def _saved_triggers(cursor, vendor):
    """Return (name, create statement) for every trigger on LIFTED_TABLES."""
    if vendor == "sqlite":
        placeholders = ", ".join("%s" for _ in LIFTED_TABLES)
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND tbl_name IN ({placeholders})",
            LIFTED_TABLES,
        )
        return cursor.fetchall()
    placeholders = ", ".join("%s" for _ in LIFTED_TABLES)
    cursor.execute(
        "SELECT trigger_name FROM information_schema.triggers "
        f"WHERE trigger_schema = DATABASE() AND event_object_table IN ({placeholders})",
        LIFTED_TABLES,
    )
    saved = []
    for (name,) in cursor.fetchall():
        cursor.execute(f"SHOW CREATE TRIGGER `{name}`")
        saved.append((name, WITHOUT_DEFINER.sub("CREATE TRIGGER", cursor.fetchone()[2], 1)))
    return saved


@contextmanager
def append_only_triggers_lifted(connection):
    """Drop the append-only triggers for the block, then recreate them exactly."""
    with connection.cursor() as cursor:
        saved = _saved_triggers(cursor, connection.vendor)
        for name, _ in saved:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _, create_statement in saved:
                cursor.execute(create_statement)
