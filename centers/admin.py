from django.contrib import admin
from django.contrib.admin.actions import delete_selected
from django.utils.translation import gettext_lazy as _

from core.admin import RoleAdmin

from .models import DistributionCenter, StaffMember


@admin.register(DistributionCenter)
class DistributionCenterAdmin(RoleAdmin):
    list_display = ["center_name", "city", "state", "capacity", "status", "phone_number"]
    list_filter = ["status", "state", "city"]
    search_fields = ["center_name", "city", "address", "zip_code"]
    readonly_fields = ["created_at", "updated_at"]


STAFF_HISTORY_MESSAGE = _(
    "A staff member who has recorded distributions, stock changes or access-log entries "
    "cannot be deleted: the audit trail must keep naming them. Set their status to "
    "Inactive instead; they can then no longer sign in."
)


@admin.action(permissions=["delete"], description=delete_selected.short_description)
def delete_selected_staff(modeladmin, request, queryset):
    """Django's bulk delete, whose refusal page says why staff with history stay."""
    response = delete_selected(modeladmin, request, queryset)
    if getattr(response, "context_data", None) is not None:
        response.context_data["staff_history_message"] = STAFF_HISTORY_MESSAGE
    return response


@admin.register(StaffMember)
class StaffMemberAdmin(RoleAdmin):
    actions = [delete_selected_staff]

    list_display = ["last_name", "first_name", "email", "role", "center", "status", "hire_date"]
    list_filter = ["role", "status", "center"]
    search_fields = ["first_name", "last_name", "email", "user__username"]
    list_select_related = ["center"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # replaced by delete_selected_staff
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        extra_context = {**(extra_context or {}), "staff_history_message": STAFF_HISTORY_MESSAGE}
        return super().delete_view(request, object_id, extra_context)
