"""Authentication that lets only active staff members sign in."""

import unicodedata
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from core.db.prepared import ModelColumns, fetch_one, split_row

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
    would compile again on every request (see core.db.prepared).
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
    """Refuse users whose staff record is missing or not active, or whose name is misspelt.

    ModelBackend.get_user() asks this too on every request, so deactivating a
    staff member ends their open sessions at their next click. get_user() reads the
    user, their staff record and its center in one statement; StaffMiddleware then
    uses that staff record instead of reading it again.

    Only the account's own spelling of its username signs in. MariaDB's collation
    finds `manager` for `Manager` or `MÄNAGER`, SQLite does not: the same sign-in
    must work, or not, on both.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and user.get_username() != username:
            return None
        return user

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


def fold(name):
    """`name` without case or accents, as MariaDB's utf8mb4_unicode_ci compares it."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def account_username(typed):
    """Return the username of the account `typed` names, whatever its case or accents.

    The database's own comparison first (on MariaDB it already ignores both); then,
    for SQLite, which compares exactly, the usernames whose folded spelling is the
    typed one's (a staff list, a few hundred rows). An account spelled exactly as
    typed wins. None if no account matches.
    """
    users = get_user_model()._default_manager
    field = get_user_model().USERNAME_FIELD
    found = list(users.filter(**{field: typed}).values_list(field, flat=True)[:2])
    if typed in found:
        return typed
    if len(found) == 1:
        return found[0]
    key = fold(typed)
    matches = [name for name in users.values_list(field, flat=True).iterator() if fold(name) == key]
    return min(matches) if matches else None


def lockout_username(request, credentials):
    """Return the username django-axes counts a failure against: the account's own.

    Every spelling that names one account (`Manager`, `MÄNAGER` for `manager`) counts
    against it, so a guesser cannot get five tries per spelling. A name that is no
    account's counts as typed, cut to the length a username can have (a longer one
    overflowed axes' column, a 500 on MySQL). Axes asks several times per sign-in;
    the answer is kept on the request.
    """
    typed = str((credentials or {}).get("username") or request.POST.get("username", ""))[:150]
    if not typed:
        return typed
    known = request.__dict__.setdefault("_lockout_usernames", {})
    if typed not in known:
        known[typed] = account_username(typed) or typed
    return known[typed]
