"""The access log: who exported a report or looked at a household's personal data.

The table and its append-only triggers were created by the reports app's first
migrations; this app owns the model since (its first migration only moves the state).
"""

from django.db import models
from django.utils import timezone

from centers.models import StaffMember
from core.db.constraints import choices_check
from core.scoping import center_scoped_manager


class AccessAction(models.TextChoices):
    EXPORT = "export", "Export"
    VIEW_HOUSEHOLD = "view_household", "View household"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"
    HXL = "hxl", "HXL CSV"


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
    )
    staff_name = models.CharField(
        max_length=120, help_text="Name and role of the staff member at the time."
    )
    action = models.CharField(max_length=20, choices=Action)
    target = models.CharField(
        max_length=50, help_text="The report exported, or the kind of record viewed."
    )
    object_id = models.CharField(
        max_length=40, null=True, blank=True, help_text="The record viewed, if any."
    )
    export_format = models.CharField(max_length=4, choices=Format, null=True, blank=True)
    params = models.JSONField(default=dict, blank=True, help_text="Filters or parameters used.")
    row_count = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = center_scoped_manager("staff__center")

    class Meta:
        db_table = "Access_Log"
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
        return f"{self.staff_name}: {self.get_action_display()} {self.target}"
