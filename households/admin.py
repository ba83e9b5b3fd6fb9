from django.contrib import admin

from audit.models import AccessLog
from audit.services import record_access
from core.admin import RoleAdmin

from .models import Household
from .services import save_household


@admin.register(Household)
class HouseholdAdmin(RoleAdmin):
    """Households are shared by every center; managers and admins register and edit them."""

    manager_can_add = True
    manager_can_change = True

    list_display = [
        "id",
        "family_name",
        "primary_contact_name",
        "phone_number",
        "city",
        "family_size",
        "priority_level",
        "status",
        "registration_date",
    ]
    list_filter = ["status", "priority_level", "income_level", "city"]
    search_fields = ["=id", "family_name", "primary_contact_name", "phone_number", "city"]
    date_hierarchy = "registration_date"
    readonly_fields = ["created_at", "updated_at"]

    def get_object(self, request, object_id, from_field=None):
        """Record in the access log who opened a household in admin, as the portal does."""
        household = super().get_object(request, object_id, from_field)
        if household is not None and request.staff is not None:
            record_access(
                staff=request.staff,
                action=AccessLog.Action.VIEW_HOUSEHOLD,
                target="household (admin)",
                object_id=household.pk,
            )
        return household

    def save_model(self, request, obj, form, change):
        save_household(household=obj, staff=request.staff)
