from django.contrib import admin
from django_tasks_db.models import DBTaskResult

from audit.models import AccessLog
from audit.services import record_access, record_households_shown
from core.admin import ReadOnlyAdmin, RoleAdmin

from .models import Household, PossibleDuplicate
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
    readonly_fields = ["created_at", "updated_at", "duplicate_of", "anonymised_at"]

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

    def changelist_view(self, request, extra_context=None):
        """Record in the access log which households each page of the list showed."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and request.staff is not None:
            record_households_shown(
                staff=request.staff,
                target="household list (admin)",
                household_ids=[household.pk for household in changelist.result_list],
                params={"page": changelist.page_num},
            )
        return response

    def save_model(self, request, obj, form, change):
        save_household(household=obj, staff=request.staff)


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(ReadOnlyAdmin):
    """The duplicate review queue and every decision, with who made it and when.

    Decisions are made in the portal (households.services), never edited here.
    """

    list_display = [
        "id",
        "household_a",
        "household_b",
        "score",
        "status",
        "found_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status"]
    search_fields = ["=id", "=household_a__id", "=household_b__id"]
    list_select_related = ["household_a", "household_b", "decided_by"]
    date_hierarchy = "found_at"


# The task queue's own admin would list every background job and its arguments to
# anyone with admin access, whatever their center; the import pages show the jobs
# people need, scoped to their center.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
