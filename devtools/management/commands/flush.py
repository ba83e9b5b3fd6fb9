"""`flush` for the test database: the append-only logs are purged between tests too.

Transactional tests end with a flush, whose DELETEs the append-only triggers
refuse. This override, installed by the test settings only, empties those tables
without firing them: on MySQL/MariaDB with TRUNCATE, which fires no triggers (and
needs the DROP privilege, which no application account has); on SQLite, which has
no TRUNCATE, by lifting the triggers for the purge and recreating them from their
own stored definitions.

TRUNCATE rather than dropping and recreating the triggers on MySQL/MariaDB: on a
Galera cluster, trigger DDL replicated to the other nodes has been seen to store a
trigger there with its body cut short ("Corrupted TRG file", "has an error in its
body" on every later write to the table), failing every test after it. The tables
TRUNCATE empties start their ids at 1 again.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from devtools.triggers import LIFTED_TABLES, append_only_triggers_lifted


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "mysql":
            with append_only_triggers_lifted(connection):
                return super().handle(**options)
        present = set(connection.introspection.table_names())
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            try:
                for table in LIFTED_TABLES:
                    if table in present:
                        cursor.execute(f"TRUNCATE TABLE {quote(table)}")
            finally:
                cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
        return super().handle(**options)  # the DELETEs find those tables empty
