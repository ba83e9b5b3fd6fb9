"""Authentication that lets only active staff members sign in."""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from aidtracker.db.prepared import ModelColumns, fetch_one, split_row

from .models import DistributionCenter, StaffMember


@cache
def _staff_user_statement(alias):
    """SELECT a user with their staff record and its center, for the connection `alias`."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    user_model = get_user_model()
    parts = (
        ModelColumns.of(user_model, "u", connection),
        ModelColumns.of(StaffMember, "s", connection),
        ModelColumns.of(DistributionCenter, "c", connection),
    )
    staff_user = StaffMember._meta.get_field("user")
    staff_center = StaffMember._meta.get_field("center")
    sql = (
        f"SELECT {', '.join(column for part in parts for column in part.sql)} "
        f"FROM {quote(user_model._meta.db_table)} {quote('u')} "
        f"INNER JOIN {quote(StaffMember._meta.db_table)} {quote('s')} "
        f"ON {quote('s')}.{quote(staff_user.column)} = "
        f"{quote('u')}.{quote(user_model._meta.pk.column)} "
        f"LEFT JOIN {quote(DistributionCenter._meta.db_table)} {quote('c')} "
        f"ON {quote('c')}.{quote(DistributionCenter._meta.pk.column)} = "
        f"{quote('s')}.{quote(staff_center.column)} "
        f"WHERE {quote('u')}.{quote(user_model._meta.pk.column)} = %s"
    )
    return sql, parts


def load_staff_user(user_id):
    """The user `user_id` with `staff_member` and its `center` loaded; None without a staff record.

    One statement instead of select_related("staff_member__center"), which the ORM
    would compile again on every request (see aidtracker.db.prepared).
    """
    alias = router.db_for_read(get_user_model())
    sql, parts = _staff_user_statement(alias)
    row = fetch_one(alias, sql, [user_id])
    if row is None:
        return None
    connection = connections[alias]
    user, staff, center = (
        part.instance(values, connection) for part, values in split_row(row, parts)
    )
    StaffMember.user.field.set_cached_value(staff, user)
    StaffMember.center.field.set_cached_value(staff, center)
    get_user_model().staff_member.related.set_cached_value(user, staff)
    return user


class ActiveStaffBackend(ModelBackend):
    """Refuse users whose staff record is missing or not active.

    ModelBackend.get_user() asks this too on every request, so deactivating a
    staff member ends their open sessions at their next click. get_user() reads the
    user, their staff record and its center in one statement; StaffMiddleware then
    uses that staff record instead of reading it again.
    """

    def get_user(self, user_id):
        try:
            user = load_staff_user(int(user_id))
        except (TypeError, ValueError):  # a session holding something else than an id
            return None
        return user if user is not None and self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        staff = getattr(user, "staff_member", None)
        return staff is not None and staff.is_active


def lockout_username(request, credentials):
    """Return the username django-axes records, cut to the length a username can have."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(username)[:150]
