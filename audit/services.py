"""Write the access log: who exported which report, or looked at which record."""

from django.core.exceptions import ValidationError

from .models import AccessLog

MISSING_STAFF_MESSAGE = "An access log entry needs the staff member who acted."


def record_access(
    *, staff, action, target, object_id=None, export_format=None, params=None, row_count=None
):
    """Append one entry to the access log (Access_Log, append-only) and return it.

    `params` is a JSON-serialisable dict: the filters an export applied, or what a
    page was asked for. Call it before handing the data out, so that no export
    leaves without its record.
    """
    if staff is None:
        raise ValidationError(MISSING_STAFF_MESSAGE, code="missing_staff")
    entry = AccessLog(
        staff=staff,
        staff_name=f"{staff.full_name} ({staff.get_role_display()})"[:120],
        action=action,
        target=target,
        object_id=None if object_id is None else str(object_id),
        export_format=export_format,
        params=params or {},
        row_count=row_count,
    )
    entry.full_clean()
    entry.save()
    return entry
