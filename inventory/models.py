"""Aid packages, stock per center, and the append-only log of stock movements
(transfers between centers are in transfer_models, lots in lot_models)."""

import math

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Now
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from audit.services import actor_snapshot
from centers.models import DistributionCenter, StaffMember
from core.db.constraints import choices_check
from core.scoping import center_scoped_manager

# A household may receive a package again after 1 day to 100 years: every date computed
# from the period (the eligibility cut-off, the next eligible day) stays in range.
MIN_VALIDITY_PERIOD_DAYS = 1
MAX_VALIDITY_PERIOD_DAYS = 36_500
# Bounds of the entitlement fields: a visit line hands out at most 100 units.
MAX_ENTITLEMENT_UNITS = 100
MAX_PERSONS_PER_UNIT = 100
MAX_BELOW_MINIMUM_MESSAGE = _("The cap cannot be below the units every household gets.")


def grouped(number):
    """36,500 or 36 500, as the current language writes it (English when none is active,
    as in makemigrations, so the texts the migrations recorded stay the same)."""
    if get_language() is None:
        return f"{number:,}"
    return number_format(number, force_grouping=True)


def lazy_message(message, **params):
    """`message` (marked with gettext_noop) translated when it is shown, `params` put in.

    For module-level texts that state a limit: the limit stays one constant, and
    numbers are written as the reader's language writes them.
    """

    def text():
        values = {
            name: grouped(value) if isinstance(value, int) else value
            for name, value in params.items()
        }
        return gettext(message) % values

    return lazy(text, str)()


class PackageCategory(models.TextChoices):
    FOOD = "food", _("Food")
    MEDICAL = "medical", _("Medical")
    SHELTER = "shelter", _("Shelter")
    HYGIENE = "hygiene", _("Hygiene")
    EDUCATION = "education", _("Education")
    EMERGENCY = "emergency", _("Emergency")


# Packages of these categories are perishable unless they say otherwise.
PERISHABLE_CATEGORIES = (PackageCategory.FOOD, PackageCategory.MEDICAL)


class PerishableSelect(forms.NullBooleanSelect):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("unknown", _("By category (food and medical are perishable)")),
            ("true", _("Perishable: every restock needs an expiry date")),
            ("false", _("Not perishable")),
        ]


class PerishableField(models.BooleanField):
    """Whether a package's restocks need an expiry date; unset, its category decides.

    A package saved with None (a new one nobody said anything about, from the
    portal, admin or a script) becomes perishable if it is food or medical, so the
    default follows the category without a save() override or a signal.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", None)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        if getattr(model_instance, self.attname) is None:
            perishable = model_instance.category in PERISHABLE_CATEGORIES
            setattr(model_instance, self.attname, perishable)
        return super().pre_save(model_instance, add)

    def formfield(self, **kwargs):
        """A choice of yes, no, or the category's default (None), not a checkbox."""
        defaults = {"form_class": forms.NullBooleanField, "widget": PerishableSelect}
        return models.Field.formfield(self, **{**defaults, "required": False, **kwargs})


class AidPackage(models.Model):
    """A kind of aid package (seed table 2)."""

    Category = PackageCategory

    id = models.AutoField(primary_key=True, db_column="package_id", verbose_name=_("ID"))
    package_name = models.CharField(max_length=100, verbose_name=_("package name"))
    description = models.TextField(null=True, blank=True, verbose_name=_("description"))
    category = models.CharField(
        max_length=9, choices=Category, db_index=True, verbose_name=_("category")
    )
    unit_weight_kg = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, verbose_name=_("unit weight kg")
    )
    estimated_cost = models.DecimalField(
        max_digits=10, decimal_places=2, verbose_name=_("estimated cost")
    )
    validity_period_days = models.IntegerField(
        default=30,
        db_default=30,
        validators=[
            MinValueValidator(MIN_VALIDITY_PERIOD_DAYS),
            MaxValueValidator(MAX_VALIDITY_PERIOD_DAYS),
        ],
        help_text=lazy_message(
            gettext_noop("How often a household can receive it: every 1 to %(max)s days."),
            max=MAX_VALIDITY_PERIOD_DAYS,
        ),
        verbose_name=_("validity period days"),
    )
    # The entitlement: a flat amount per household, or units per N persons with a
    # minimum (units_per_household) and an optional cap (see entitlement_for).
    units_per_household = models.IntegerField(
        default=1,
        db_default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ENTITLEMENT_UNITS)],
        help_text=_("Units every household gets, or the minimum when counted per person."),
        verbose_name=_("units per household"),
    )
    persons_per_unit = models.IntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PERSONS_PER_UNIT)],
        help_text=_("One unit per this many persons; empty for a flat amount per household."),
        verbose_name=_("persons per unit"),
    )
    max_units = models.IntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ENTITLEMENT_UNITS)],
        help_text=_("At most this many units per household; empty for no cap."),
        verbose_name=_("max units"),
    )
    is_active = models.BooleanField(
        default=True, db_default=True, db_index=True, verbose_name=_("is active")
    )
    is_perishable = PerishableField(
        "perishable",
        db_default=False,
        help_text=_("Perishable units have an expiry date and are never handed out once expired."),
    )
    created_at = models.DateTimeField(
        auto_now_add=True, db_default=Now(), verbose_name=_("created at")
    )
    updated_at = models.DateTimeField(auto_now=True, db_default=Now(), verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("aid package")
        verbose_name_plural = _("aid packages")
        db_table = "Aid_Packages"
        ordering = ["category", "package_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_cost__gte=0), name="chk_estimated_cost"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    validity_period_days__gte=MIN_VALIDITY_PERIOD_DAYS,
                    validity_period_days__lte=MAX_VALIDITY_PERIOD_DAYS,
                ),
                name="chk_validity_period",
            ),
            choices_check("category", PackageCategory, name="chk_package_category"),
            models.CheckConstraint(
                condition=models.Q(
                    units_per_household__gte=1, units_per_household__lte=MAX_ENTITLEMENT_UNITS
                ),
                name="chk_units_per_household",
            ),
            models.CheckConstraint(
                condition=models.Q(persons_per_unit__isnull=True)
                | models.Q(persons_per_unit__gte=1, persons_per_unit__lte=MAX_PERSONS_PER_UNIT),
                name="chk_persons_per_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(max_units__isnull=True)
                | models.Q(
                    max_units__gte=models.F("units_per_household"),
                    max_units__lte=MAX_ENTITLEMENT_UNITS,
                ),
                name="chk_max_units",
            ),
        ]

    def __str__(self):
        return f"{self.package_name} ({self.get_category_display()})"

    def clean(self):
        super().clean()
        minimum, cap = self.units_per_household, self.max_units
        if cap is not None and minimum is not None and cap < minimum:
            raise ValidationError({"max_units": MAX_BELOW_MINIMUM_MESSAGE})

    def entitlement_for(self, household):
        """Units `household` is due per validity period: flat, or per person within bounds."""
        return entitlement(
            family_size=household.family_size,
            units_per_household=self.units_per_household,
            persons_per_unit=self.persons_per_unit,
            max_units=self.max_units,
        )

    @property
    def entitlement_rule(self):
        """The entitlement in words: "1 per 3 persons, at least 1, at most 5"."""
        values = {
            "units": self.units_per_household,
            "persons": self.persons_per_unit,
            "cap": self.max_units,
        }
        if self.persons_per_unit is None:
            return gettext("%(units)s per household") % values
        if self.max_units is None:
            return gettext("1 per %(persons)s persons, at least %(units)s") % values
        return gettext("1 per %(persons)s persons, at least %(units)s, at most %(cap)s") % values

    def entitlement_example(self, family_size=7):
        """A worked example for people: "a family of 7 gets 2"."""
        units = entitlement(
            family_size=family_size,
            units_per_household=self.units_per_household,
            persons_per_unit=self.persons_per_unit,
            max_units=self.max_units,
        )
        if self.persons_per_unit is None:
            return gettext("Every household gets %(units)s.") % {"units": units}
        return gettext("A family of %(size)s gets %(units)s.") % {
            "size": family_size,
            "units": units,
        }


def entitlement(*, family_size, units_per_household, persons_per_unit, max_units):
    """The entitlement formula, on plain numbers (the SQL and the model share it).

    Flat when `persons_per_unit` is None; else one unit per `persons_per_unit` persons
    (rounded up), at least `units_per_household` and at most `max_units` if set.
    """
    if persons_per_unit is None:
        return units_per_household
    units = max(units_per_household, math.ceil(family_size / persons_per_unit))
    return units if max_units is None else min(max_units, units)


class Inventory(models.Model):
    """Units of one package on hand at one center (seed table 5).

    Exactly one row per (center, package), so a distribution always has one row to
    lock. `quantity_on_hand` changes only through the services, each of which
    leaves a trace: a distribution log row or a stock movement, and changes the
    row's lots (StockLot) by as much, under this row's lock.
    """

    id = models.AutoField(primary_key=True, db_column="inventory_id", verbose_name=_("ID"))
    center = models.ForeignKey(
        DistributionCenter,
        on_delete=models.CASCADE,
        related_name="inventory",
        verbose_name=_("center"),
    )
    package = models.ForeignKey(
        AidPackage, on_delete=models.CASCADE, related_name="inventory", verbose_name=_("package")
    )
    quantity_on_hand = models.IntegerField(
        default=0, db_default=0, db_index=True, verbose_name=_("quantity on hand")
    )
    reorder_level = models.IntegerField(default=50, db_default=50, verbose_name=_("reorder level"))
    last_restock_date = models.DateField(null=True, blank=True, verbose_name=_("last restock date"))
    last_restock_quantity = models.IntegerField(
        null=True, blank=True, verbose_name=_("last restock quantity")
    )
    created_at = models.DateTimeField(
        auto_now_add=True, db_default=Now(), verbose_name=_("created at")
    )
    updated_at = models.DateTimeField(auto_now=True, db_default=Now(), verbose_name=_("updated at"))

    objects = center_scoped_manager("center")

    class Meta:
        verbose_name = _("inventory")
        db_table = "Inventory"
        verbose_name_plural = _("inventory")
        ordering = ["center__center_name", "package__package_name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "package"], name="uq_center_package"),
            models.CheckConstraint(
                condition=models.Q(quantity_on_hand__gte=0), name="chk_quantity"
            ),
            models.CheckConstraint(condition=models.Q(reorder_level__gte=0), name="chk_reorder"),
        ]

    def __str__(self):
        return gettext("%(package)s at %(center)s") % {
            "package": self.package.package_name,
            "center": self.center.center_name,
        }


class MovementKind(models.TextChoices):
    RESTOCK = "restock", _("Restock")
    ADJUSTMENT = "adjustment", _("Adjustment")
    TRANSFER_OUT = "transfer_out", _("Transfer sent")
    TRANSFER_IN = "transfer_in", _("Transfer received")
    TRANSFER_CANCELLED = "transfer_cancelled", _("Transfer cancelled (returned)")
    TRANSIT_LOSS = "transit_loss", _("Lost in transit")


class MovementReason(models.TextChoices):
    DELIVERY = "delivery", _("Delivery received")
    DAMAGED = "damaged", _("Damaged")
    EXPIRED = "expired", _("Expired")
    LOST = "lost", _("Lost or stolen")
    FOUND = "found", _("Found in count")
    COUNT_CORRECTION = "count_correction", _("Stock count correction")
    TRANSFER = "transfer", _("Stock transfer")


# The movements a transfer writes: the units leave the source at dispatch, arrive at
# the destination at receipt (all of them, then any shortfall leaves again as a loss),
# or go back to the source when it is cancelled.
TRANSFER_KINDS = (
    MovementKind.TRANSFER_OUT,
    MovementKind.TRANSFER_IN,
    MovementKind.TRANSFER_CANCELLED,
    MovementKind.TRANSIT_LOSS,
)
# Why units went missing between two centers: the counted adjustments' reasons for loss.
LOSS_REASONS = (MovementReason.DAMAGED, MovementReason.EXPIRED, MovementReason.LOST)


class StockMovement(models.Model):
    """One stock change that is not a distribution: a restock, a counted adjustment, or
    a step of a transfer (which then names it).

    Append-only (database triggers refuse UPDATE and DELETE). With the
    distribution log it makes stock auditable: for every inventory row,
    restocked + adjustments + transfers in - transfers out + transfers cancelled
    - lost in transit - distributed + voided = quantity_on_hand. `staff_name` and
    `staff_role` keep who made the change as they were then, so renaming a staff
    member never rewrites it (filled on insert, see `save`).
    """

    Kind = MovementKind
    Reason = MovementReason

    id = models.AutoField(primary_key=True, db_column="movement_id", verbose_name=_("ID"))
    inventory = models.ForeignKey(
        Inventory, on_delete=models.PROTECT, related_name="movements", verbose_name=_("inventory")
    )
    kind = models.CharField(max_length=20, choices=Kind, verbose_name=_("kind"))
    reason = models.CharField(max_length=16, choices=Reason, verbose_name=_("reason"))
    quantity_change = models.IntegerField(
        help_text=_("Units added (positive) or removed (negative)."),
        verbose_name=_("quantity change"),
    )
    quantity_after = models.IntegerField(
        help_text=_("Units on hand right after this movement."), verbose_name=_("quantity after")
    )
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_movements",
        verbose_name=_("staff"),
    )
    staff_name = models.CharField(
        max_length=120,
        blank=True,
        default="",
        db_default="",
        help_text=_("Who made the change, as named then; empty when no staff member did."),
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
    notes = models.TextField(null=True, blank=True, verbose_name=_("notes"))
    transfer = models.ForeignKey(
        "Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        help_text=_("The transfer this movement is a step of."),
        verbose_name=_("transfer"),
    )
    lot = models.ForeignKey(
        "StockLot",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        help_text=_("The one lot this movement changed (a restock, a write-off), if one."),
    )
    created_at = models.DateTimeField(
        auto_now_add=True, db_default=Now(), db_index=True, verbose_name=_("created at")
    )

    objects = center_scoped_manager("inventory__center")

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        db_table = "Stock_Movements"
        ordering = ["-created_at", "-id"]
        constraints = [
            choices_check("kind", MovementKind, name="chk_movement_kind"),
            choices_check("reason", MovementReason, name="chk_movement_reason"),
            models.CheckConstraint(
                condition=~models.Q(quantity_change=0), name="chk_movement_nonzero"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_after__gte=0),
                name="chk_movement_quantity_after",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="restock")
                | (models.Q(quantity_change__gt=0) & models.Q(reason="delivery")),
                name="chk_restock_is_delivery",
            ),
            # A transfer's steps name their transfer, and nothing else does.
            models.CheckConstraint(
                condition=models.Q(kind__in=TRANSFER_KINDS, transfer__isnull=False)
                | (~models.Q(kind__in=TRANSFER_KINDS) & models.Q(transfer__isnull=True)),
                name="chk_movement_transfer",
            ),
            # Out and lost take units away, in and cancelled bring them back; a loss
            # says why, the other steps are simply a transfer.
            models.CheckConstraint(
                condition=models.Q(
                    kind=MovementKind.TRANSFER_OUT,
                    quantity_change__lt=0,
                    reason=MovementReason.TRANSFER,
                )
                | models.Q(
                    kind__in=[MovementKind.TRANSFER_IN, MovementKind.TRANSFER_CANCELLED],
                    quantity_change__gt=0,
                    reason=MovementReason.TRANSFER,
                )
                | models.Q(
                    kind=MovementKind.TRANSIT_LOSS, quantity_change__lt=0, reason__in=LOSS_REASONS
                )
                | (~models.Q(kind__in=TRANSFER_KINDS) & ~models.Q(reason=MovementReason.TRANSFER)),
                name="chk_movement_transfer_step",
            ),
            # A movement with a staff member keeps their name and role; one without, neither.
            models.CheckConstraint(
                condition=models.Q(staff__isnull=True, staff_role="")
                | (
                    models.Q(staff__isnull=False, staff_role__in=StaffMember.Role.values)
                    & ~models.Q(staff_name="")
                ),
                name="chk_movement_staff_snapshot",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity_change:+d} ({self.get_reason_display()})"

    def save(self, *args, **kwargs):
        """Insert the movement with its staff member as they are now (see the class docstring)."""
        if self._state.adding and self.staff_id is not None and not self.staff_role:
            self.staff_name, self.staff_role = actor_snapshot(self.staff)
        super().save(*args, **kwargs)


class StockStatus(models.TextChoices):
    OUT_OF_STOCK = "OUT_OF_STOCK", _("Out of stock")
    LOW_STOCK = "LOW_STOCK", _("Low stock")
    IN_STOCK = "IN_STOCK", _("In stock")


class CurrentInventoryStatus(models.Model):
    """Row of vw_current_inventory_status: stock at active centers with an alert level."""

    StockStatus = StockStatus

    inventory = models.OneToOneField(
        Inventory,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_column="inventory_id",
        related_name="+",
        verbose_name=_("inventory"),
    )
    center = models.ForeignKey(
        DistributionCenter, on_delete=models.DO_NOTHING, related_name="+", verbose_name=_("center")
    )
    center_name = models.CharField(max_length=100, verbose_name=_("center name"))
    package = models.ForeignKey(
        AidPackage, on_delete=models.DO_NOTHING, related_name="+", verbose_name=_("package")
    )
    package_name = models.CharField(max_length=100, verbose_name=_("package name"))
    quantity_on_hand = models.IntegerField(verbose_name=_("quantity on hand"))
    reorder_level = models.IntegerField(verbose_name=_("reorder level"))
    stock_status = models.CharField(
        max_length=12, choices=StockStatus, verbose_name=_("stock status")
    )

    objects = center_scoped_manager("center")

    class Meta:
        verbose_name = _("current inventory status")
        managed = False
        db_table = "vw_current_inventory_status"
        verbose_name_plural = _("current inventory status")
        ordering = ["center_name", "package_name"]

    def __str__(self):
        return gettext("%(package)s at %(center)s: %(status)s") % {
            "package": self.package_name,
            "center": self.center_name,
            "status": self.get_stock_status_display(),
        }


# Defined in modules of their own, and registered with the app from here.
from .transfer_models import Transfer, TransferQuerySet, TransferStatus, overdue_cutoff  # noqa: E402, F401, I001
from .lot_models import StockLot, TransferLot  # noqa: E402, F401
