"""Which rows a staff member may see: the one rule every view, form and admin page uses.

Models tied to a center get `objects = center_scoped_manager(<path to the center>)`,
so `Model.objects.restrict(staff)` (and any queryset of them) narrows to what the
staff member may see; Django admin's base (core.admin) applies it to every changelist.
"""

from django.db import models


def restrict_to_center(queryset, staff, lookup="center"):
    """Narrow `queryset` to rows whose `lookup` is the staff member's center.

    Admins see every row. Anyone else sees their own center's rows, and a staff
    member without a center (which the database allows only for admins) sees
    none: a missing center never matches rows that have none either.
    """
    if staff is None:
        return queryset.none()
    if staff.is_admin:
        return queryset
    if staff.center_id is None:
        return queryset.none()
    return queryset.filter(**{lookup: staff.center_id})


def restrict_to_any_center(queryset, staff, lookups):
    """Narrow `queryset` to rows tied to the staff member's center by any of `lookups`.

    For rows that belong to two centers at once (a transfer: its source and its
    destination), with the same rule as `restrict_to_center`.
    """
    if staff is None:
        return queryset.none()
    if staff.is_admin:
        return queryset
    if staff.center_id is None:
        return queryset.none()
    matches = models.Q()
    for lookup in lookups:
        matches |= models.Q(**{lookup: staff.center_id})
    return queryset.filter(matches)


class CenterScopedQuerySet(models.QuerySet):
    """A queryset that knows the path from its model to a center (`center_lookup`)."""

    center_lookup = "center"

    def restrict(self, staff):
        """The rows `staff` may see: every row for admins, their center's for anyone else."""
        return restrict_to_center(self, staff, self.center_lookup)


def is_center_scoped(queryset):
    return isinstance(queryset, CenterScopedQuerySet)


def center_scoped_manager(lookup="center"):
    """A manager whose querysets have `restrict(staff)`, reaching the center by `lookup`."""
    queryset_class = type(
        f"CenterScopedQuerySet_{lookup}", (CenterScopedQuerySet,), {"center_lookup": lookup}
    )
    return models.Manager.from_queryset(queryset_class)()
