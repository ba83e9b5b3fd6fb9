"""Bulk registration uploaded in the portal: the file, its progress and each row's fate.

The file's bytes are kept in the database, not on a disk, so that whichever server
runs the background worker can read it; the row results are kept so that the
preview, the progress and the report all read the same record, and survive a page
reload, a worker restart or a failure half-way through the file.

What the job and its rows say in words (the step, the message, each row's message) is
in the language of whoever started the step: the worker runs in theirs
(households.tasks). A row's message erased by anonymisation is stored in English and
translated when shown.
"""

from django.db import models
from django.db.models.functions import Now
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.db.constraints import choices_check
from core.scoping import center_scoped_manager

from .stored_text import ERASED, StoredSentences

# A few thousand households are a few hundred kilobytes; a whole registry of a
# hundred thousand rows about 15 MB as CSV.
MAX_IMPORT_BYTES = 20 * 1024 * 1024


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking the file")
    CHECKED = "checked", _("Ready to import")
    IMPORTING = "importing", pgettext_lazy("import status", "Importing")
    DONE = "done", pgettext_lazy("import status", "Imported")
    CANCELLED = "cancelled", pgettext_lazy("import status", "Cancelled")
    FAILED = "failed", _("Stopped by an error")


class ImportPhase(models.TextChoices):
    PREVIEW = "preview", pgettext_lazy("import phase", "Preview")
    IMPORT = "import", pgettext_lazy("import phase", "Import")


class RowVerdict(models.TextChoices):
    NEW = "new", _("New household")
    DUPLICATE = "duplicate", pgettext_lazy("import row verdict", "Duplicate")
    POSSIBLE_DUPLICATE = "possible_duplicate", _("Possible duplicate")
    ERROR = "error", pgettext_lazy("import row verdict", "Error")


# The one row message stored in English (households.anonymise).
STORED_MESSAGES = StoredSentences(ERASED)


class HouseholdImport(models.Model):
    """One uploaded file, checked (the preview) and then, once confirmed, imported.

    `step` says what the worker is doing now, in words, and `rows_done` how many of
    `rows_total` rows that step has been through.

    `next_row` is the first spreadsheet row not yet imported: the import commits its
    rows a batch at a time together with the progress, so after a cancel or a
    failure everything before `next_row` is registered and nothing after it, and
    resuming starts there. `attempt` grows with each start or resume; a worker whose
    attempt is no longer the current one stops (a stale job never runs alongside a
    resumed one).
    """

    Status = ImportStatus

    id = models.AutoField(primary_key=True, db_column="import_id")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    content = models.BinaryField(max_length=MAX_IMPORT_BYTES)
    uploaded_by = models.ForeignKey(
        "centers.StaffMember", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=9, choices=ImportStatus, default=ImportStatus.CHECKING)
    rows_total = models.IntegerField(null=True, blank=True)
    rows_done = models.IntegerField(default=0)
    next_row = models.IntegerField(default=2, help_text=_("The header is row 1."))
    imported = models.IntegerField(default=0)
    duplicates = models.IntegerField(default=0)
    possible_duplicates = models.IntegerField(default=0)
    errors = models.IntegerField(default=0)
    step = models.CharField(max_length=100, blank=True, default="")
    attempt = models.IntegerField(default=0)
    message = models.TextField(blank=True, default="")
    confirmed_by = models.ForeignKey(
        "centers.StaffMember", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    # A manager sees the imports uploaded at their center; admins see all.
    objects = center_scoped_manager("uploaded_by__center")

    class Meta:
        db_table = "Household_Imports"
        verbose_name = _("household import")
        verbose_name_plural = _("household imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            choices_check("status", ImportStatus, name="chk_household_import_status"),
            models.CheckConstraint(
                condition=models.Q(rows_done__gte=0, next_row__gte=2),
                name="chk_household_import_progress",
            ),
        ]

    def __str__(self):
        return gettext("Import #%(number)s: %(file_name)s") % {
            "number": self.pk,
            "file_name": self.file_name,
        }

    def get_absolute_url(self):
        return reverse("households:import_detail", args=[self.pk])

    @property
    def is_running(self):
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)

    @property
    def phase(self):
        """The phase whose rows the page and the report show: the import's once a
        manager confirmed the preview, the preview's before."""
        return ImportPhase.IMPORT if self.confirmed_at else ImportPhase.PREVIEW

    @property
    def percent(self):
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class HouseholdImportRow(models.Model):
    """What became of one row of an import's file, in its preview or in the import."""

    Verdict = RowVerdict

    id = models.BigAutoField(primary_key=True, db_column="import_row_id")
    household_import = models.ForeignKey(
        HouseholdImport, on_delete=models.CASCADE, related_name="rows", db_column="import_id"
    )
    phase = models.CharField(max_length=7, choices=ImportPhase)
    row = models.IntegerField()
    verdict = models.CharField(max_length=18, choices=RowVerdict)
    household_id = models.IntegerField(null=True, blank=True)
    message = models.TextField(blank=True, default="")

    class Meta:
        db_table = "Household_Import_Rows"
        verbose_name = _("household import row")
        verbose_name_plural = _("household import rows")
        ordering = ["household_import", "phase", "row"]
        constraints = [
            models.UniqueConstraint(
                fields=["household_import", "phase", "row"], name="uq_household_import_row"
            ),
            choices_check("phase", ImportPhase, name="chk_household_import_row_phase"),
            choices_check("verdict", RowVerdict, name="chk_household_import_row_verdict"),
        ]

    def __str__(self):
        return gettext("row %(row)s: %(verdict)s") % {
            "row": self.row,
            "verdict": self.get_verdict_display(),
        }

    @property
    def shown_message(self):
        """The message in the reader's language where it was stored in English."""
        return STORED_MESSAGES.show(self.message) if self.message else ""
