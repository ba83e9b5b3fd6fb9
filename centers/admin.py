from django.contrib import admin

from aidtracker.admin import RoleAdmin

from .models import DistributionCenter, StaffMember


@admin.register(DistributionCenter)
class DistributionCenterAdmin(RoleAdmin):
    center_lookup = "pk"

    list_display = ["center_name", "city", "state", "capacity", "status", "phone_number"]
    list_filter = ["status", "state", "city"]
    search_fields = ["center_name", "city", "address", "zip_code"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(StaffMember)
class StaffMemberAdmin(RoleAdmin):
    center_lookup = "center"

    list_display = ["last_name", "first_name", "email", "role", "center", "status", "hire_date"]
    list_filter = ["role", "status", "center"]
    search_fields = ["first_name", "last_name", "email", "user__username"]
    list_select_related = ["center"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]
