"""What the System status page reports, read from the database's own catalogues."""

from dataclasses import dataclass, field

from django.db import DatabaseError, connection
from django.utils.translation import gettext

from core.backups import latest_backup
from distribution.selectors import stock_ledger
from inventory.selectors import in_transit_totals, unbalanced_transfers, with_transfers


@dataclass
class SystemStatus:
    vendor: str
    version: str
    tables: list = field(default_factory=list)  # (name, rows, bytes or None)
    open_connections: int | None = None
    lock_waits: list = field(default_factory=list)  # dicts: waiting/blocking trx and query
    slow_query_settings: dict = field(default_factory=dict)
    last_backup: tuple | None = None
    unbalanced_stock: list = field(default_factory=list)
    unbalanced_lots: list = field(default_factory=list)  # rows whose lots do not add up
    inventory_rows: int = 0
    unbalanced_transfers: list = field(default_factory=list)  # (transfer, its movements)
    in_transit: object = None  # inventory.selectors.TransitTotals
    note: str = ""  # what this database cannot report


def system_status():
    """Collect the status page's facts; each section uses the vendor's own tables."""
    with connection.cursor() as cursor:
        collect = _mysql_status if connection.vendor == "mysql" else _sqlite_status
        status = collect(cursor)
    ledger = with_transfers(stock_ledger())
    status.inventory_rows = len(ledger)
    status.unbalanced_stock = [row for row in ledger if not row.balanced]
    status.unbalanced_lots = [row for row in ledger if not row.lots_add_up]
    status.unbalanced_transfers = unbalanced_transfers()
    status.in_transit = in_transit_totals()
    status.last_backup = latest_backup()
    return status


def _mysql_status(cursor):
    cursor.execute("SELECT VERSION()")
    status = SystemStatus(vendor="MariaDB/MySQL", version=cursor.fetchone()[0])
    cursor.execute(
        "SELECT table_name, table_rows, data_length + index_length FROM information_schema.tables "
        "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    status.tables = [(name, rows, size) for name, rows, size in cursor.fetchall()]
    cursor.execute("SHOW STATUS LIKE 'Threads_connected'")
    status.open_connections = int(cursor.fetchone()[1])
    status.lock_waits = _mysql_lock_waits(cursor)
    cursor.execute(
        "SHOW VARIABLES WHERE Variable_name IN "
        "('slow_query_log', 'long_query_time', 'log_slow_query', 'log_slow_query_time', "
        "'innodb_lock_wait_timeout')"
    )
    status.slow_query_settings = dict(cursor.fetchall())
    return status


# The lock tables are server-wide; keep the waits of sessions using this database.
THIS_DATABASE_ONLY = (
    " JOIN information_schema.processlist p ON p.id = r.trx_mysql_thread_id WHERE p.db = DATABASE()"
)


def _mysql_lock_waits(cursor):
    """Who waits on whom: information_schema's InnoDB lock-wait tables (MariaDB, MySQL 5.7)."""
    try:
        cursor.execute(
            "SELECT r.trx_id, r.trx_mysql_thread_id, r.trx_query, r.trx_wait_started, "
            "b.trx_id, b.trx_mysql_thread_id, b.trx_query "
            "FROM information_schema.innodb_lock_waits w "
            "JOIN information_schema.innodb_trx r ON r.trx_id = w.requesting_trx_id "
            "JOIN information_schema.innodb_trx b ON b.trx_id = w.blocking_trx_id"
            f"{THIS_DATABASE_ONLY}"
        )
    except DatabaseError:  # MySQL 8 moved these to performance_schema.data_lock_waits
        cursor.execute(
            "SELECT r.trx_id, r.trx_mysql_thread_id, r.trx_query, r.trx_wait_started, "
            "b.trx_id, b.trx_mysql_thread_id, b.trx_query "
            "FROM performance_schema.data_lock_waits w "
            "JOIN information_schema.innodb_trx r ON r.trx_id = w.REQUESTING_ENGINE_TRANSACTION_ID "
            "JOIN information_schema.innodb_trx b ON b.trx_id = w.BLOCKING_ENGINE_TRANSACTION_ID"
            f"{THIS_DATABASE_ONLY}"
        )
    keys = (
        "waiting_trx",
        "waiting_thread",
        "waiting_query",
        "waiting_since",
        "blocking_trx",
        "blocking_thread",
        "blocking_query",
    )
    return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]


def _sqlite_status(cursor):
    cursor.execute("SELECT sqlite_version()")
    status = SystemStatus(vendor="SQLite", version=cursor.fetchone()[0])
    for name in connection.introspection.table_names(cursor):
        cursor.execute(f'SELECT COUNT(*) FROM "{name}"')
        status.tables.append((name, cursor.fetchone()[0], None))
    cursor.execute("PRAGMA journal_mode")
    status.slow_query_settings = {"journal_mode": cursor.fetchone()[0]}
    status.note = gettext("SQLite has no slow-query log or lock tables; writers queue on one lock.")
    return status
