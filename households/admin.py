from django.contrib import admin

from aidtracker.admin import RoleAdmin

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

    def save_model(self, request, obj, form, change):
        save_household(household=obj, staff=request.staff)
