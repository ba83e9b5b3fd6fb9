"""A subject access request: everything the portal holds about one household, for a manager
to hand over as a printable page or a JSON file.

It lives here, above the distribution and households apps, because it reads both: the
profile, members, alternate collectors, cards, possible-duplicate decisions and change
history (households), the distributions, visits and owed items (distribution), and the
access-log entries about the household (audit). Values are shown as the exporting staff
member may see them (households.privacy), so the export reveals nothing the page would
not. The export itself is recorded in the access log before it is built.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from audit.models import AccessAction, ExportFormat
from audit.selectors import access_entries_about
from audit.services import record_access
from centers import policies
from core.mixins import PageMixin, StaffRequiredMixin
from distribution.models import DistributionLog, OwedItem, Visit
from distribution.selectors import owed_items
from households import history, privacy
from households.models import Household, HouseholdCard, PossibleDuplicate

SUBJECT_ACCESS_DENIED_MESSAGE = _("Only managers and admins can export a household's data.")
PROFILE_FIELDS = (
    "id",
    "family_name",
    "primary_contact_name",
    "phone_number",
    "email",
    "address",
    "city",
    "state",
    "zip_code",
    "family_size",
    "income_level",
    "priority_level",
    "registration_date",
    "last_verified_date",
    "status",
    "notes",
    "processing_basis",
    "consent_given_by",
    "basis_recorded_on",
    "preferred_language",
    "duplicate_of",
    "created_at",
    "updated_at",
    "anonymised_at",
)


def _profile(household, staff):
    rows = []
    for name in PROFILE_FIELDS:
        field = Household._meta.get_field(name)
        value = getattr(household, field.attname)
        if field.choices and value:
            value = getattr(household, f"get_{name}_display")()
        if name in policies.MASKABLE_FIELDS:
            value = privacy.shown(name, value, staff)
        label = gettext("Household number") if name == "id" else capfirst(field.verbose_name)
        rows.append({"field": name, "label": label, "value": value})
    return rows


def _distributions(household):
    logs = (
        DistributionLog.objects.filter(household=household)
        .select_related("package", "center")
        .order_by("distribution_date", "id")
    )
    return [
        {
            "id": log.pk,
            "date": log.distribution_date,
            "center": log.center.center_name,
            "package": log.package.package_name,
            "quantity": log.quantity_distributed,
            "status": log.get_transaction_status_display(),
            "refusal": log.failure_reason or "",
            "voids": log.voided_log_id,
            "visit": log.visit_id,
            "staff": log.staff_name,
            "notes": log.notes or "",
        }
        for log in logs
    ]


def _owed(household):
    still_owed = {item.pk: item.quantity for item in owed_items(household)}
    return [
        {
            "package": item.package.package_name,
            "center": item.center.center_name,
            "quantity_owed": item.quantity_owed,
            "still_owed_now": still_owed.get(item.pk, 0),
            "since": item.created_at,
            "until": item.expires_at,
        }
        for item in OwedItem.objects.filter(household=household).select_related("package", "center")
    ]


def _history(household, staff):
    return [
        {
            "when": entry.change.created_at,
            "who": entry.who,
            "what": entry.action,
            "about": entry.subject,
            "changes": [line.sentence for line in entry.lines],
        }
        for entry in reversed(history.entries_for(household, staff))
    ]


def subject_access(household, staff):
    """Everything held about `household`, as `staff` may see it: {section: rows}."""
    pairs = PossibleDuplicate.objects.filter(
        household_a=household
    ) | PossibleDuplicate.objects.filter(household_b=household)
    distributions = _distributions(household)
    # Who served a visit, as named then: its lines keep the staff member's name.
    served_by = {row["visit"]: row["staff"] for row in distributions if row["visit"]}
    return {
        "exported_at": timezone.now(),
        "exported_by": f"{staff.full_name} ({staff.get_role_display()})",
        "profile": _profile(household, staff),
        "members": [
            {
                "id": member.pk,
                "name": member.full_name,
                "sex": member.get_sex_display(),
                "date_of_birth": member.date_of_birth,
                "relationship": member.get_relationship_to_head_display(),
            }
            for member in household.members.all()
        ],
        "alternate_collectors": [
            alternate.full_name for alternate in household.alternate_collectors.all()
        ],
        "cards": [
            {
                "code": card.display_code,
                "issued_at": card.issued_at,
                "issued_by": card.issued_by_name,
                "revoked_at": card.revoked_at,
            }
            for card in HouseholdCard.objects.filter(household=household)
        ],
        "distributions": distributions,
        "visits": [
            {
                "id": visit.pk,
                "date": visit.visited_at,
                "center": visit.center.center_name,
                "staff": served_by.get(visit.pk, ""),
                "collected_by": visit.collected_by,
            }
            for visit in Visit.objects.filter(household=household).select_related("center")
        ],
        "owed_items": _owed(household),
        "possible_duplicates": [
            {
                "pair": pair.pk,
                "other_household": pair.household_b_id
                if pair.household_a_id == household.pk
                else pair.household_a_id,
                "status": pair.get_status_display(),
                "decided_at": pair.decided_at,
            }
            for pair in pairs.order_by("id")
        ],
        "change_history": _history(household, staff),
        "access_log": [
            {
                "when": entry.created_at,
                "who": entry.staff_name,
                "action": entry.get_action_display(),
                "what": entry.target_label,
                "format": entry.export_format or "",
            }
            for entry in reversed(access_entries_about(household.pk))
        ],
    }


class SubjectAccessView(StaffRequiredMixin, PageMixin, TemplateView):
    """Everything held about one household: a printable page, or `?format=json`."""

    model = Household
    template_name = "reports/subject_access.html"
    permission_denied_message = SUBJECT_ACCESS_DENIED_MESSAGE

    def has_permission(self):
        return policies.can_export_subject_data(self.staff)

    def get(self, request, *args, **kwargs):
        self.household = get_object_or_404(Household, pk=kwargs["pk"])
        as_json = request.GET.get("format") == "json"
        record_access(
            staff=self.staff,
            action=AccessAction.EXPORT,
            target="subject access",
            object_id=self.household.pk,
            export_format=ExportFormat.JSON if as_json else ExportFormat.HTML,
        )
        self.data = subject_access(self.household, self.staff)
        if not as_json:
            return super().get(request, *args, **kwargs)
        response = HttpResponse(
            json.dumps(self.data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        name = f"household-{self.household.pk}-subject-access.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @property
    def household_number(self):
        return f"#{self.household.pk}"

    def get_title(self):
        return gettext("Everything held about household %(number)s") % {
            "number": self.household_number
        }

    def get_breadcrumbs(self):
        return [
            (gettext("Households"), reverse("households:list")),
            (str(self.household), self.household.get_absolute_url()),
            (gettext("Subject access"), None),
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            household=self.household,
            household_number=self.household_number,
            data=self.data,
            **kwargs,
        )
