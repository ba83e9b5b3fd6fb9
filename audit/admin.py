from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """Who exported which report or looked at which record; nobody edits it.

    Managers see the entries of their own center's staff.
    """

    list_display = [
        "created_at",
        "staff_name",
        "action",
        "target_shown",
        "object_id",
        "export_format",
        "row_count",
    ]
    list_filter = ["action", "target", "export_format"]
    search_fields = ["staff_name", "=object_id", "target"]
    list_select_related = ["staff"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AccessLog._meta.fields]

    @admin.display(description=_("target"), ordering="target")
    def target_shown(self, entry):
        return entry.target_label
