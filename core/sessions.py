"""Database sessions, read cheaply, and a lost database shown as 503, not as a 400."""

from functools import cache

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import InterfaceError, OperationalError, connections, router
from django.utils import timezone

from core.db.prepared import ModelColumns, fetch_one


@cache
def _session_statement(alias):
    """SELECT an unexpired session by its key, for the connection `alias`."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = ModelColumns.of(Session, "s", connection)
    meta = Session._meta
    sql = (
        f"SELECT {', '.join(columns.sql)} FROM {quote(meta.db_table)} {quote('s')} "
        f"WHERE {quote('s')}.{quote(meta.pk.column)} = %s "
        f"AND {quote('s')}.{quote(meta.get_field('expire_date').column)} > %s"
    )
    return sql, columns


class SessionStore(db.SessionStore):
    """Django's database session store, with two changes.

    Every request reads its session, so the read is one statement written once
    (core.db.prepared) instead of a queryset compiled each time; it returns
    what Django's read returns, and forgets the key of a missing or expired session
    just as Django does.

    Django turns any error while saving a session into UpdateError, which the session
    middleware answers with 400 Bad Request. An outage must reach the 503 page instead.
    """

    def _get_session_from_db(self):
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        sql, columns = _session_statement(alias)
        now = Session._meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
        row = fetch_one(alias, sql, [self.session_key, now])
        if row is None:
            self._session_key = None
            return None
        return columns.instance(row, connection)

    def save(self, must_create=False):
        try:
            return super().save(must_create=must_create)
        except db.UpdateError as error:
            cause = error.__context__
            if isinstance(cause, OperationalError | InterfaceError):
                raise cause from error
            raise
