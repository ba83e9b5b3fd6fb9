"""Liveness and readiness probes for docker-compose and orchestrators.

They need no login and say only "ok" or "not ok": nothing about the database,
versions or migrations leaks to whoever can reach them.
"""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _plain(text, status):
    return HttpResponse(f"{text}\n", status=status, content_type="text/plain")


@never_cache
@require_GET
def healthz(request):
    """The process is up and answering; the database is not touched."""
    return _plain("ok", 200)


@never_cache
@require_GET
def readyz(request):
    """The database answers and every migration is applied."""
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return _plain("not ok", 503)
    return _plain("not ok", 503) if pending else _plain("ok", 200)
