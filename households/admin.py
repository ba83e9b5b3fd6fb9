from django.contrib import admin

from .models import Household


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
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
