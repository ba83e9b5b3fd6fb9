"""Lift and restore the append-only triggers, for test database purges only."""

from contextlib import contextmanager

from aidtracker.db.accounts import APPEND_ONLY_TABLES


def _saved_triggers(cursor, vendor):
    """Return (name, create statement) for every trigger on the append-only tables."""
    if vendor == "sqlite":
        placeholders = ", ".join("%s" for _ in APPEND_ONLY_TABLES)
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND tbl_name IN ({placeholders})",
            APPEND_ONLY_TABLES,
        )
        return cursor.fetchall()
    placeholders = ", ".join("%s" for _ in APPEND_ONLY_TABLES)
    cursor.execute(
        "SELECT trigger_name FROM information_schema.triggers "
        f"WHERE trigger_schema = DATABASE() AND event_object_table IN ({placeholders})",
        APPEND_ONLY_TABLES,
    )
    saved = []
    for (name,) in cursor.fetchall():
        cursor.execute(f"SHOW CREATE TRIGGER `{name}`")
        saved.append((name, cursor.fetchone()[2]))
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
