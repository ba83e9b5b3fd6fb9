from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import DistributionLog, HouseholdEligibility, MonthlySummary


@admin.register(DistributionLog)
class DistributionLogAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "distribution_date",
        "household",
        "package",
        "center",
        "staff_name",
        "staff_role",
        "quantity_distributed",
        "transaction_status",
        "failure_reason",
    ]
    list_filter = ["transaction_status", "failure_code", "center", "package__category"]
    search_fields = ["=id", "=household__id", "household__family_name", "failure_reason"]
    list_select_related = ["household", "package", "center"]
    date_hierarchy = "distribution_date"


@admin.register(HouseholdEligibility)
class HouseholdEligibilityAdmin(ReadOnlyAdmin):
    list_display = [
        "household_id",
        "family_name",
        "package_name",
        "last_distribution_date",
        "days_since",
        "eligibility_status",
        "next_eligible_date",
    ]
    list_filter = ["eligibility_status", "package_name"]
    search_fields = ["=household__id", "family_name"]


@admin.register(MonthlySummary)
class MonthlySummaryAdmin(ReadOnlyAdmin):
    list_display = [
        "month",
        "center_name",
        "category",
        "total_distributions",
        "unique_households",
        "total_packages",
        "total_value",
    ]
    list_filter = ["category", "center_name", "month"]
