"""Admin building blocks shared by the apps."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
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
