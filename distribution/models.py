"""The append-only distribution audit log (seed table 6) and the views over it."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import actor_snapshot
from centers.models import DistributionCenter, StaffMember
from core.db.constraints import choices_check
from core.scoping import center_scoped_manager
from households.models import Household
from inventory.models import AidPackage, StockLot

from .rules import BUSY_CODE, FAILURE_CODES, refusal_message


class LogStatus(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled (void)")


class DistributionLog(models.Model):
    """Every distribution attempt, successful or not, and every void.

    Rows are only ever inserted: database triggers refuse UPDATE and DELETE from
    any client. A void is a new `cancelled` row whose `voided_log` points at the
    `success` row it cancels; the unique column lets each success be voided once.
    `staff_name` and `staff_role` keep who recorded the row as they were then, so
    renaming a staff member never rewrites it (filled on insert, see `save`).
    """

    Status = LogStatus

    id = models.AutoField(primary_key=True, db_column="log_id", verbose_name=_("ID"))
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="distribution_logs",
        verbose_name=_("household"),
    )
    package = models.ForeignKey(
        AidPackage,
        on_delete=models.PROTECT,
        related_name="distribution_logs",
        verbose_name=_("package"),
    )
    center = models.ForeignKey(
        DistributionCenter,
        on_delete=models.PROTECT,
        related_name="distribution_logs",
        verbose_name=_("center"),
    )
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distribution_logs",
        verbose_name=_("staff"),
    )
    staff_name = models.CharField(
        max_length=120,
        blank=True,
        default="",
        db_default="",
        help_text=_("Who recorded it, as named then; empty when no staff member did."),
        verbose_name=_("staff name"),
    )
    staff_role = models.CharField(
        max_length=9,
        choices=StaffMember.Role,
        blank=True,
        default="",
        db_default="",
        verbose_name=_("staff role"),
    )
    quantity_distributed = models.IntegerField(
        default=1, db_default=1, verbose_name=_("quantity distributed")
    )
    distribution_date = models.DateTimeField(
        default=timezone.now,
        db_default=models.functions.Now(),
        db_index=True,
        verbose_name=_("distribution date"),
    )
    transaction_status = models.CharField(
        max_length=9,
        choices=Status,
        default=Status.SUCCESS,
        db_default=Status.SUCCESS,
        db_index=True,
        verbose_name=_("transaction status"),
    )
    failure_reason = models.CharField(
        max_length=255, null=True, blank=True, verbose_name=_("failure reason")
    )
    failure_code = models.CharField(
        max_length=32,
        null=True,
        blank=True,
        help_text=_("Machine-readable refusal code of a failed attempt."),
        verbose_name=_("failure code"),
    )
    notes = models.TextField(null=True, blank=True, verbose_name=_("notes"))
    voided_log = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="void",
        help_text=_("For a cancelled row: the successful distribution it voids."),
    )
    visit = models.ForeignKey(
        "Visit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visit_logs",
        help_text=_("The household visit this line belongs to (none for a single distribution)."),
    )
    owed_item = models.ForeignKey(
        "OwedItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fulfilments",
        help_text=_("For a success that hands out owed units: what it was owed under."),
    )

    objects = center_scoped_manager("center")

    class Meta:
        verbose_name = _("distribution log")
        verbose_name_plural = _("distribution logs")
        db_table = "Distribution_Log"
        ordering = ["-distribution_date", "-id"]
        indexes = [
            models.Index(
                fields=["household", "package", "distribution_date"],
                name="idx_household_package_date",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity_distributed__gt=0),
                name="chk_quantity_distributed",
            ),
            choices_check("transaction_status", LogStatus, name="chk_log_status"),
            models.CheckConstraint(
                condition=(
                    models.Q(transaction_status="cancelled", voided_log__isnull=False)
                    | (
                        ~models.Q(transaction_status="cancelled")
                        & models.Q(voided_log__isnull=True)
                    )
                ),
                name="chk_void_points_at_original",
            ),
            models.CheckConstraint(
                condition=~models.Q(transaction_status="failed")
                | models.Q(failure_reason__isnull=False),
                name="chk_failure_has_reason",
            ),
            # A row with a staff member keeps their name and role; one without, neither.
            models.CheckConstraint(
                condition=models.Q(staff__isnull=True, staff_role="")
                | (
                    models.Q(staff__isnull=False, staff_role__in=StaffMember.Role.values)
                    & ~models.Q(staff_name="")
                ),
                name="chk_log_staff_snapshot",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_transaction_status_display()}"

    def save(self, *args, **kwargs):
        """Insert the row with its staff member as they are now (see the class docstring)."""
        if self._state.adding and self.staff_id is not None and not self.staff_role:
            self.staff_name, self.staff_role = actor_snapshot(self.staff)
        super().save(*args, **kwargs)

    @property
    def refusal(self):
        """Why the attempt was refused, in the reader's language.

        Translated from `failure_code`; `failure_reason` keeps the English text for the
        audit, and is shown as stored for a row whose code this version does not know.
        """
        if self.failure_code in (*FAILURE_CODES, BUSY_CODE):
            return refusal_message(self.failure_code)
        return self.failure_reason or ""


class Visit(models.Model):
    """One household served a basket at one center in one submission.

    Its lines are audit rows (`logs`, in the order the worker listed them), each a
    success or a refusal, written in the visit's one transaction.
    """

    id = models.AutoField(primary_key=True, db_column="visit_id", verbose_name=_("ID"))
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="visits", verbose_name=_("household")
    )
    center = models.ForeignKey(
        DistributionCenter,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("center"),
    )
    staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="visits", verbose_name=_("staff")
    )
    collected_by = models.CharField(
        max_length=150,
        blank=True,
        default="",
        help_text=_("Who took the basket away."),
        verbose_name=_("collected by"),
    )
    visited_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("visited at")
    )

    objects = center_scoped_manager("center")

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        db_table = "Household_Visits"
        ordering = ["-visited_at", "-id"]

    def __str__(self):
        return gettext("Visit #%(number)s") % {"number": self.pk}

    @property
    def logs(self):
        """The visit's audit rows in line order (inserted in that order)."""
        return self.visit_logs.order_by("id")


class OwedItem(models.Model):
    """Units a household was due but did not get because stock ran short.

    Created with the partial `success` row that started its validity period. What is
    still owed is `quantity_owed` minus the served successes that point at it
    (`fulfilments`), so neither this row nor the audit log is ever updated; it lapses
    at `expires_at`, when that validity period ends, and a void of the creating row
    cancels it.
    """

    id = models.AutoField(primary_key=True, db_column="owed_id", verbose_name=_("ID"))
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="owed_items", verbose_name=_("household")
    )
    package = models.ForeignKey(
        AidPackage, on_delete=models.PROTECT, related_name="owed_items", verbose_name=_("package")
    )
    center = models.ForeignKey(
        DistributionCenter,
        on_delete=models.PROTECT,
        related_name="owed_items",
        verbose_name=_("center"),
    )
    log = models.OneToOneField(
        DistributionLog,
        on_delete=models.PROTECT,
        related_name="owed",
        db_column="log_id",
        verbose_name=_("log"),
    )
    quantity_owed = models.IntegerField(verbose_name=_("quantity owed"))
    expires_at = models.DateTimeField(db_index=True, verbose_name=_("expires at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    objects = center_scoped_manager("center")

    class Meta:
        verbose_name = _("owed item")
        verbose_name_plural = _("owed items")
        db_table = "Owed_Items"
        ordering = ["expires_at", "id"]
        indexes = [
            models.Index(fields=["household", "package", "expires_at"], name="idx_owed_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity_owed__gt=0), name="chk_quantity_owed"
            ),
        ]

    def __str__(self):
        return gettext("%(quantity)s × %(package)s owed") % {
            "quantity": self.quantity_owed,
            "package": self.package,
        }


class FormSubmission(models.Model):
    """A submitted distribution form: its one-time token and the audit row it recorded.

    The row is inserted in the same transaction as that audit row, and the token is
    unique, so however many times one form is sent (double taps, the back button,
    parallel retries) exactly one outcome is recorded; every other copy is answered
    with that outcome. `fingerprint` is what the form said, so a token sent again
    with other details is told apart from a plain resubmission.
    """

    id = models.AutoField(primary_key=True, db_column="submission_id", verbose_name=_("ID"))
    token = models.CharField(max_length=64, unique=True, verbose_name=_("token"))
    fingerprint = models.CharField(max_length=64, verbose_name=_("fingerprint"))
    log = models.OneToOneField(
        DistributionLog, on_delete=models.PROTECT, related_name="+", verbose_name=_("log")
    )
    created_at = models.DateTimeField(
        auto_now_add=True, db_default=models.functions.Now(), verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        db_table = "Form_Submissions"

    def __str__(self):
        return f"Form {self.token[:8]}… recorded log #{self.log_id}"


class LotTake(models.Model):
    """Units a successful distribution took from one lot, so a void puts them back there.

    Inserted with the success row, under the inventory row's lock; a success takes
    from one lot, or from several when the first to expire holds too few.
    """

    id = models.AutoField(primary_key=True, db_column="take_id", verbose_name=_("ID"))
    log = models.ForeignKey(
        DistributionLog,
        on_delete=models.PROTECT,
        related_name="lot_takes",
        db_index=False,
        verbose_name=_("log"),
    )
    lot = models.ForeignKey(
        StockLot, on_delete=models.PROTECT, related_name="takes", verbose_name=_("lot")
    )
    quantity = models.IntegerField(verbose_name=_("quantity"))

    objects = center_scoped_manager("log__center")

    class Meta:
        verbose_name = _("lot take")
        verbose_name_plural = _("lot takes")
        db_table = "Distribution_Lot_Takes"
        constraints = [
            # Also the index of the log's foreign key.
            models.UniqueConstraint(fields=["log", "lot"], name="uq_take_log_lot"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="chk_take_quantity"),
        ]

    def __str__(self):
        return gettext("%(quantity)s from %(lot)s (log #%(log)s)") % {
            "quantity": self.quantity,
            "lot": self.lot.describe(),
            "log": self.log_id,
        }


class Eligibility(models.TextChoices):
    ELIGIBLE = "ELIGIBLE", _("Eligible")
    NOT_ELIGIBLE = "NOT_ELIGIBLE", _("Not eligible")


class HouseholdEligibility(models.Model):
    """Row of vw_household_eligibility: one per active household and active package."""

    Eligibility = Eligibility

    eligibility_key = models.CharField(
        max_length=40, primary_key=True, verbose_name=_("eligibility key")
    )
    household = models.ForeignKey(
        Household, on_delete=models.DO_NOTHING, related_name="+", verbose_name=_("household")
    )
    family_name = models.CharField(max_length=100, verbose_name=_("family name"))
    package = models.ForeignKey(
        AidPackage, on_delete=models.DO_NOTHING, related_name="+", verbose_name=_("package")
    )
    package_name = models.CharField(max_length=100, verbose_name=_("package name"))
    last_distribution_date = models.DateTimeField(
        null=True, verbose_name=_("last distribution date")
    )
    days_since = models.IntegerField(null=True, verbose_name=_("days since"))
    validity_period_days = models.IntegerField(verbose_name=_("validity period days"))
    eligibility_status = models.CharField(
        max_length=12, choices=Eligibility, verbose_name=_("eligibility status")
    )
    next_eligible_date = models.DateField(null=True, verbose_name=_("next eligible date"))

    class Meta:
        verbose_name = _("household eligibility")
        managed = False
        db_table = "vw_household_eligibility"
        verbose_name_plural = _("household eligibility")
        ordering = ["household_id", "package_id"]

    def __str__(self):
        return f"{self.family_name} / {self.package_name}: {self.get_eligibility_status_display()}"


class MonthlySummary(models.Model):
    """Row of vw_monthly_summary: successful, not-voided distributions per month."""

    summary_key = models.CharField(max_length=40, primary_key=True, verbose_name=_("summary key"))
    month = models.CharField(max_length=7, verbose_name=_("month"))
    center = models.ForeignKey(
        DistributionCenter, on_delete=models.DO_NOTHING, related_name="+", verbose_name=_("center")
    )
    center_name = models.CharField(max_length=100, verbose_name=_("center name"))
    category = models.CharField(
        max_length=9, choices=AidPackage.Category, verbose_name=_("category")
    )
    total_distributions = models.IntegerField(verbose_name=_("total distributions"))
    unique_households = models.IntegerField(verbose_name=_("unique households"))
    total_packages = models.IntegerField(verbose_name=_("total packages"))
    total_value = models.DecimalField(
        max_digits=14, decimal_places=2, verbose_name=_("total value")
    )

    objects = center_scoped_manager("center")

    class Meta:
        verbose_name = _("monthly summary")
        managed = False
        db_table = "vw_monthly_summary"
        verbose_name_plural = _("monthly summaries")
        ordering = ["-month", "center_name", "category"]

    def __str__(self):
        return f"{self.month} {self.center_name} {self.category}"
