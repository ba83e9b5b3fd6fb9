"""The access log (who exported a report or looked at a household's personal data) and
the households' change history (who changed what, from what to what).

The access log's table and its append-only triggers were created by the reports app's
first migrations; this app owns the model since (its first migration only moves the
state). The change history's triggers are this app's (audit/sql).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from centers.models import StaffMember
from core.db.constraints import choices_check
from core.scoping import center_scoped_manager


class AccessAction(models.TextChoices):
    EXPORT = "export", pgettext_lazy("access log action", "Export")
    VIEW_HOUSEHOLD = "view_household", _("View household")
    LIST_HOUSEHOLDS = "list_households", _("List households")
    ANONYMISE = "anonymise", _("Anonymise household")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", _("Excel (XLSX)")
    HXL = "hxl", _("HXL CSV")
    HTML = "html", _("Printable page")
    JSON = "json", "JSON"


class AccessLog(models.Model):
    """One export of a report, or one look at a household's record, by one staff member.

    Append-only in the database: triggers refuse UPDATE and DELETE, and a staff
    member with entries cannot be deleted. `staff_name` keeps who acted as they were
    named then. `params` holds the filters the export applied.
    """

    Action = AccessAction
    Format = ExportFormat

    id = models.AutoField(primary_key=True, db_column="access_id")
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_logs",
        verbose_name=_("staff member"),
    )
    staff_name = models.CharField(
        _("staff name"),
        max_length=120,
        help_text=_("Name and role of the staff member at the time."),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action)
    target = models.CharField(
        _("target"),
        max_length=50,
        help_text=_("The report exported, or the kind of record viewed."),
    )
    object_id = models.CharField(
        _("record"), max_length=40, null=True, blank=True, help_text=_("The record viewed, if any.")
    )
    export_format = models.CharField(
        _("export format"), max_length=4, choices=Format, null=True, blank=True
    )
    params = models.JSONField(
        _("parameters"), default=dict, blank=True, help_text=_("Filters or parameters used.")
    )
    row_count = models.IntegerField(_("rows"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    objects = center_scoped_manager("staff__center")

    class Meta:
        db_table = "Access_Log"
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["staff", "created_at"], name="idx_access_staff_date"),
            models.Index(fields=["target", "object_id"], name="idx_access_target_object"),
        ]
        constraints = [
            choices_check("action", AccessAction, name="chk_access_action"),
            models.CheckConstraint(
                condition=models.Q(export_format__isnull=True)
                | models.Q(export_format__in=ExportFormat.values),
                name="chk_access_export_format",
            ),
        ]

    def __str__(self):
        return f"{self.staff_name}: {self.get_action_display()} {self.target_label}"

    @property
    def target_label(self):
        """What was exported or viewed, in the reader's language (as stored if unknown)."""
        return ACCESS_TARGET_LABELS.get(self.target, self.target)


# The `target` values the apps write (database values, never translated) and how they
# are named to people: the subject access page and the admin show these.
ACCESS_TARGET_LABELS = {
    "household": _("household record"),
    "household edit": _("household record (edit form)"),
    "household (admin)": _("household record (admin)"),
    "household list": _("household list"),
    "household list (admin)": _("household list (admin)"),
    "household search": _("household search"),
    "household card": _("household card"),
    "card sheet": _("sheet of cards"),
    "household import": _("household import"),
    "household import report": _("household import report"),
    "possible duplicates": _("possible duplicates"),
    "subject access": _("subject access export"),
    "monthly": _("monthly summary report"),
    "stock": _("stock status report"),
    "coverage": _("eligibility coverage report"),
    "owed": _("owed items report"),
    "movements": _("stock movements report"),
}


class HouseholdChangeAction(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    EDITED = "edited", _("Edited")
    STATUS = "status", _("Status changed")
    MEMBER_ADDED = "member_added", _("Member added")
    MEMBER_EDITED = "member_edited", _("Member changed")
    MEMBER_REMOVED = "member_removed", _("Member removed")
    ALTERNATES = "alternates", _("Alternate collectors changed")
    CARD_ISSUED = "card_issued", _("Card issued")
    DUPLICATE_DISMISSED = "duplicate_dismissed", _("Possible duplicate dismissed")
    DUPLICATE_CONFIRMED = "duplicate_confirmed", _("Duplicate confirmed")
    ANONYMISED = "anonymised", _("Anonymised")


class HouseholdChange(models.Model):
    """One change to a household's record: who made it (as they were named and what
    their role was then), when, and each changed field's old and new value.

    Append-only in the database: triggers refuse UPDATE and DELETE. `changes` holds
    the fields that are no personal data, as {field: [old, new]}; the personal ones
    (names, phone, email, address, notes, dates of birth) are named in `erasable` and
    their values kept in HouseholdChangeValues, which anonymisation erases without
    touching this row. `staff` is empty only for the retention job (`staff_name` says so).
    """

    Action = HouseholdChangeAction

    id = models.AutoField(primary_key=True, db_column="change_id")
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="changes"
    )
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="household_changes",
    )
    staff_name = models.CharField(max_length=120, help_text=_("Who changed it, as named then."))
    staff_role = models.CharField(max_length=9, choices=StaffMember.Role, blank=True)
    action = models.CharField(max_length=20, choices=Action)
    subject = models.CharField(
        max_length=60, blank=True, help_text=_("What of the household changed, if not itself.")
    )
    changes = models.JSONField(default=dict, blank=True)
    erasable = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "Household_Changes"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["household", "created_at"], name="idx_change_household_date"),
        ]
        constraints = [
            choices_check("action", HouseholdChangeAction, name="chk_change_action"),
            models.CheckConstraint(
                condition=models.Q(staff_role="")
                | models.Q(staff_role__in=StaffMember.Role.values),
                name="chk_change_staff_role",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} #{self.household_id} by {self.staff_name}"


class HouseholdChangeValues(models.Model):
    """The personal values of one change (`changes`, {field: [old, new]}), kept apart so
    they can be erased when the household is anonymised while its history stays as
    written.

    Triggers refuse every UPDATE, and a DELETE unless the household is anonymised.
    """

    change = models.OneToOneField(
        HouseholdChange,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="personal_values",
        db_column="change_id",
    )
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(default=dict)

    class Meta:
        db_table = "Household_Change_Values"

    def __str__(self):
        return f"Values of change #{self.change_id}"
