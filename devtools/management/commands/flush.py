"""`flush` for the test database: the append-only logs are purged between tests too.

Transactional tests end with a flush, whose DELETEs the append-only triggers
refuse. This override, installed by the test settings only, lifts the triggers
for the purge and recreates them from their own stored definitions.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from devtools.triggers import append_only_triggers_lifted


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        with append_only_triggers_lifted(connection):
            return super().handle(**options)
