"""Django admin for managers and admins, following the role matrix.

Access comes from the staff member's role, read fresh on every request, not from
Django's per-user permissions: admins see everything, managers see their own
center's rows and may change only what their role allows, nobody else gets in.
"""

from django.contrib import admin

from centers.models import StaffMember


def _staff(request):
    staff = getattr(request, "staff", None)
    return staff if staff is not None and staff.is_active else None


def is_admin(request):
    staff = _staff(request)
    return staff is not None and staff.is_admin


def is_manager(request):
    staff = _staff(request)
    return staff is not None and staff.role == StaffMember.Role.MANAGER


class AidTrackerAdminSite(admin.AdminSite):
    site_header = "AidTracker administration"
    site_title = "AidTracker admin"
    index_title = "Centers, households, stock and the audit trail"

    def has_permission(self, request):
        return request.user.is_active and (is_admin(request) or is_manager(request))


class RoleAdmin(admin.ModelAdmin):
    """ModelAdmin whose permissions follow the role matrix.

    `center_lookup` is the path from the model to its center ("center",
    "inventory__center", "pk"); managers see only rows of their own center.
    Models without one (households, packages) are shared by every center.
    """

    center_lookup = None
    manager_can_add = False
    manager_can_change = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_admin(request) or self.center_lookup is None:
            return queryset
        return queryset.filter(**{self.center_lookup: _staff(request).center_id})

    def _in_scope(self, request, obj):
        if obj is None or is_admin(request) or self.center_lookup is None:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        return is_admin(request) or is_manager(request)

    def has_view_permission(self, request, obj=None):
        return is_admin(request) or (is_manager(request) and self._in_scope(request, obj))

    def has_add_permission(self, request):
        return is_admin(request) or (is_manager(request) and self.manager_can_add)

    def has_change_permission(self, request, obj=None):
        if is_admin(request):
            return True
        return is_manager(request) and self.manager_can_change and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_admin(request)


class ReadOnlyAdmin(RoleAdmin):
    """Admin for append-only logs and database views: nobody adds, changes or deletes.

    The database enforces this too (triggers, views); refusing here keeps the
    admin from offering buttons that could only fail.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
