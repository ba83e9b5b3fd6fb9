"""Database sessions that let a lost database show as 503, not as a 400."""

from django.contrib.sessions.backends import db
from django.db import InterfaceError, OperationalError


class SessionStore(db.SessionStore):
    """Django's database session store, except when the database itself is unreachable.

    Django turns any error while saving a session into UpdateError, which the session
    middleware answers with 400 Bad Request. An outage must reach the 503 page instead.
    """

    def save(self, must_create=False):
        try:
            return super().save(must_create=must_create)
        except db.UpdateError as error:
            cause = error.__context__
            if isinstance(cause, OperationalError | InterfaceError):
                raise cause from error
            raise
