"""The append-only distribution audit log (seed table 6) and the views over it."""

from django.db import models
from django.utils import timezone

from centers.models import DistributionCenter, StaffMember
from core.db.constraints import choices_check
from core.scoping import center_scoped_manager
from households.models import Household
from inventory.models import AidPackage, StockLot


class LogStatus(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled (void)"


class DistributionLog(models.Model):
    """Every distribution attempt, successful or not, and every void.

    Rows are only ever inserted: database triggers refuse UPDATE and DELETE from
    any client. A void is a new `cancelled` row whose `voided_log` points at the
    `success` row it cancels; the unique column lets each success be voided once.
    """

    Status = LogStatus

    id = models.AutoField(primary_key=True, db_column="log_id")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="distribution_logs"
    )
    package = models.ForeignKey(
        AidPackage, on_delete=models.PROTECT, related_name="distribution_logs"
    )
    center = models.ForeignKey(
        DistributionCenter, on_delete=models.PROTECT, related_name="distribution_logs"
    )
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distribution_logs",
    )
    quantity_distributed = models.IntegerField(default=1, db_default=1)
    distribution_date = models.DateTimeField(
        default=timezone.now, db_default=models.functions.Now(), db_index=True
    )
    transaction_status = models.CharField(
        max_length=9,
        choices=Status,
        default=Status.SUCCESS,
        db_default=Status.SUCCESS,
        db_index=True,
    )
    failure_reason = models.CharField(max_length=255, null=True, blank=True)
    failure_code = models.CharField(
        max_length=32,
        null=True,
        blank=True,
        help_text="Machine-readable refusal code of a failed attempt.",
    )
    notes = models.TextField(null=True, blank=True)
    voided_log = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="void",
        help_text="For a cancelled row: the successful distribution it voids.",
    )
    visit = models.ForeignKey(
        "Visit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visit_logs",
        help_text="The household visit this line belongs to (none for a single distribution).",
    )
    owed_item = models.ForeignKey(
        "OwedItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fulfilments",
        help_text="For a success that hands out owed units: what it was owed under.",
    )

    objects = center_scoped_manager("center")

    class Meta:
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
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_transaction_status_display()}"


class Visit(models.Model):
    """One household served a basket at one center in one submission.

    Its lines are audit rows (`logs`, in the order the worker listed them), each a
    success or a refusal, written in the visit's one transaction.
    """

    id = models.AutoField(primary_key=True, db_column="visit_id")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    center = models.ForeignKey(DistributionCenter, on_delete=models.PROTECT, related_name="visits")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="visits")
    collected_by = models.CharField(
        max_length=150, blank=True, default="", help_text="Who took the basket away."
    )
    visited_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = center_scoped_manager("center")

    class Meta:
        db_table = "Household_Visits"
        ordering = ["-visited_at", "-id"]

    def __str__(self):
        return f"Visit #{self.pk}"

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

    id = models.AutoField(primary_key=True, db_column="owed_id")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="owed_items")
    package = models.ForeignKey(AidPackage, on_delete=models.PROTECT, related_name="owed_items")
    center = models.ForeignKey(
        DistributionCenter, on_delete=models.PROTECT, related_name="owed_items"
    )
    log = models.OneToOneField(
        DistributionLog, on_delete=models.PROTECT, related_name="owed", db_column="log_id"
    )
    quantity_owed = models.IntegerField()
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = center_scoped_manager("center")

    class Meta:
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
        return f"{self.quantity_owed} x {self.package} owed"


class FormSubmission(models.Model):
    """A submitted distribution form: its one-time token and the audit row it recorded.

    The row is inserted in the same transaction as that audit row, and the token is
    unique, so however many times one form is sent (double taps, the back button,
    parallel retries) exactly one outcome is recorded; every other copy is answered
    with that outcome. `fingerprint` is what the form said, so a token sent again
    with other details is told apart from a plain resubmission.
    """

    id = models.AutoField(primary_key=True, db_column="submission_id")
    token = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64)
    log = models.OneToOneField(DistributionLog, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())

    class Meta:
        db_table = "Form_Submissions"

    def __str__(self):
        return f"Form {self.token[:8]}… recorded log #{self.log_id}"


class LotTake(models.Model):
    """Units a successful distribution took from one lot, so a void puts them back there.

    Inserted with the success row, under the inventory row's lock; a success takes
    from one lot, or from several when the first to expire holds too few.
    """

    id = models.AutoField(primary_key=True, db_column="take_id")
    log = models.ForeignKey(
        DistributionLog, on_delete=models.PROTECT, related_name="lot_takes", db_index=False
    )
    lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="takes")
    quantity = models.IntegerField()

    objects = center_scoped_manager("log__center")

    class Meta:
        db_table = "Distribution_Lot_Takes"
        constraints = [
            # Also the index of the log's foreign key.
            models.UniqueConstraint(fields=["log", "lot"], name="uq_take_log_lot"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="chk_take_quantity"),
        ]

    def __str__(self):
        return f"{self.quantity} from {self.lot.describe()} (log #{self.log_id})"


class Eligibility(models.TextChoices):
    ELIGIBLE = "ELIGIBLE", "Eligible"
    NOT_ELIGIBLE = "NOT_ELIGIBLE", "Not eligible"


class HouseholdEligibility(models.Model):
    """Row of vw_household_eligibility: one per active household and active package."""

    Eligibility = Eligibility

    eligibility_key = models.CharField(max_length=40, primary_key=True)
    household = models.ForeignKey(Household, on_delete=models.DO_NOTHING, related_name="+")
    family_name = models.CharField(max_length=100)
    package = models.ForeignKey(AidPackage, on_delete=models.DO_NOTHING, related_name="+")
    package_name = models.CharField(max_length=100)
    last_distribution_date = models.DateTimeField(null=True)
    days_since = models.IntegerField(null=True)
    validity_period_days = models.IntegerField()
    eligibility_status = models.CharField(max_length=12, choices=Eligibility)
    next_eligible_date = models.DateField(null=True)

    class Meta:
        managed = False
        db_table = "vw_household_eligibility"
        verbose_name_plural = "household eligibility"
        ordering = ["household_id", "package_id"]

    def __str__(self):
        return f"{self.family_name} / {self.package_name}: {self.eligibility_status}"


class MonthlySummary(models.Model):
    """Row of vw_monthly_summary: successful, not-voided distributions per month."""

    summary_key = models.CharField(max_length=40, primary_key=True)
    month = models.CharField(max_length=7)
    center = models.ForeignKey(DistributionCenter, on_delete=models.DO_NOTHING, related_name="+")
    center_name = models.CharField(max_length=100)
    category = models.CharField(max_length=9, choices=AidPackage.Category)
    total_distributions = models.IntegerField()
    unique_households = models.IntegerField()
    total_packages = models.IntegerField()
    total_value = models.DecimalField(max_digits=14, decimal_places=2)

    objects = center_scoped_manager("center")

    class Meta:
        managed = False
        db_table = "vw_monthly_summary"
        verbose_name_plural = "monthly summaries"
        ordering = ["-month", "center_name", "category"]

    def __str__(self):
        return f"{self.month} {self.center_name} {self.category}"
