"""Lots: the units of an inventory row that arrived together, with their code and expiry.

A row's lots add up to its `quantity_on_hand`. Expired units stay on hand, in their
lot, until a manager writes them off; they are never handed out or sent. Which units
go first, and the writes that keep the lots and the row together, are in `lots`.
"""

import datetime

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.scoping import CenterScopedQuerySet, restrict_to_any_center

from .models import Inventory, Transfer

MAX_LOT_CODE_LENGTH = 40
# A lot whose expiry date is at most this many days away is flagged as expiring.
EXPIRY_WARNING_DAYS = 30


def utc_today():
    """Expiry is in UTC calendar days, as eligibility is: the units of a lot dated D
    may be handed out through D and are expired from D + 1."""
    return timezone.now().astimezone(datetime.UTC).date()


def is_expired(expiry_date, today):
    return expiry_date is not None and expiry_date < today


class StockLotQuerySet(CenterScopedQuerySet):
    center_lookup = "inventory__center"

    def on_hand(self):
        return self.filter(quantity__gt=0)

    def usable(self, today):
        """Lots that may be handed out or sent, first to expire first (no expiry last)."""
        return (
            self.on_hand()
            .filter(models.Q(expiry_date__isnull=True) | models.Q(expiry_date__gte=today))
            .order_by(models.F("expiry_date").asc(nulls_last=True), "pk")
        )

    def expired(self, today):
        return self.on_hand().filter(expiry_date__lt=today)

    def expiring(self, today, days=EXPIRY_WARNING_DAYS):
        """Lots still usable that expire within `days` days (today included)."""
        until = today + datetime.timedelta(days=days)
        return self.on_hand().filter(expiry_date__gte=today, expiry_date__lte=until)


class StockLot(models.Model):
    """Units of one inventory row with one lot code and expiry date (either may be empty).

    The sum of a row's lots is its quantity_on_hand: every service that changes the
    row's stock changes its lots by as much, in the same transaction, under the
    row's lock (check_stock verifies it). A lot is never deleted, so a void or a
    cancelled transfer can put units back into the lot they came from.
    """

    id = models.AutoField(primary_key=True, db_column="lot_id", verbose_name=_("ID"))
    inventory = models.ForeignKey(
        Inventory,
        on_delete=models.CASCADE,
        related_name="lots",
        db_index=False,
        verbose_name=_("inventory"),
    )
    lot_code = models.CharField(
        max_length=MAX_LOT_CODE_LENGTH,
        null=True,
        blank=True,
        help_text=_("The supplier's lot or batch number; empty for units without one."),
        verbose_name=_("lot code"),
    )
    expiry_date = models.DateField(null=True, blank=True, verbose_name=_("expiry date"))
    quantity = models.IntegerField(default=0, db_default=0, verbose_name=_("quantity"))
    received_at = models.DateTimeField(
        default=timezone.now, db_default=Now(), verbose_name=_("received at")
    )

    objects = StockLotQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock lot")
        verbose_name_plural = _("stock lots")
        db_table = "Stock_Lots"
        ordering = [models.F("expiry_date").asc(nulls_last=True), "id"]
        indexes = [
            # The lots of one row in the order they go out; also the inventory FK's index.
            models.Index(fields=["inventory", "expiry_date"], name="idx_lot_inventory_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="chk_lot_quantity"),
        ]

    def __str__(self):
        return self.describe()

    def describe(self):
        """The lot in words: "lot B-7, expires 2027-03-01" or "no lot, no expiry"."""
        values = {"code": self.lot_code, "date": ""}
        if self.expiry_date:
            values["date"] = self.expiry_date.isoformat()
            if self.lot_code:
                return gettext("lot %(code)s, expires %(date)s") % values
            return gettext("no lot, expires %(date)s") % values
        if self.lot_code:
            return gettext("lot %(code)s, no expiry") % values
        return gettext("no lot, no expiry")

    def is_expired(self, today=None):
        return is_expired(self.expiry_date, today or utc_today())

    def expiry_status(self, today=None):
        """ "expired", "expiring" (within EXPIRY_WARNING_DAYS) or "" for the badges."""
        today = today or utc_today()
        if self.expiry_date is None:
            return ""
        if self.expiry_date < today:
            return "expired"
        if self.expiry_date <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
            return "expiring"
        return ""


class TransferLotQuerySet(models.QuerySet):
    def restrict(self, staff):
        return restrict_to_any_center(self, staff, ("transfer__source", "transfer__destination"))


class TransferLot(models.Model):
    """Units of one source lot on a transfer: they arrive as a lot with its code and expiry.

    Written once, at dispatch; a cancel puts the units back into `lot`, a receipt
    into the destination's lot with the same code and expiry date.
    """

    id = models.AutoField(primary_key=True, db_column="transfer_lot_id", verbose_name=_("ID"))
    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, related_name="lots", verbose_name=_("transfer")
    )
    lot = models.ForeignKey(
        StockLot, on_delete=models.PROTECT, related_name="transfer_lines", verbose_name=_("lot")
    )
    quantity = models.IntegerField(verbose_name=_("quantity"))

    objects = TransferLotQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer lot")
        verbose_name_plural = _("transfer lots")
        db_table = "Stock_Transfer_Lots"
        ordering = ["transfer", "id"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "lot"], name="uq_transfer_lot"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="chk_transfer_lot_quantity"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.lot.describe()}"
