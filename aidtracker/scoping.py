"""Which rows a staff member may see: the one rule every view, form and admin page uses."""


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
