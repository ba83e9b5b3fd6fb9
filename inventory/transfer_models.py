"""Transfers: units of one package sent from one center to another, in transit until
received or cancelled."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from centers.models import DistributionCenter, StaffMember
from core.db.constraints import choices_check
from core.scoping import restrict_to_any_center

from .models import LOSS_REASONS, AidPackage


class TransferStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", pgettext_lazy("transfer status", "In transit")
    RECEIVED = "received", pgettext_lazy("transfer status", "Received")
    CANCELLED = "cancelled", pgettext_lazy("transfer status", "Cancelled")


class TransferQuerySet(models.QuerySet):
    def restrict(self, staff):
        """The transfers `staff` may see: all for admins, else those to or from their center."""
        return restrict_to_any_center(self, staff, ("source", "destination"))

    def in_transit(self):
        return self.filter(status=TransferStatus.IN_TRANSIT)

    def overdue(self, now=None):
        return self.in_transit().filter(dispatched_at__lt=overdue_cutoff(now))


def overdue_cutoff(now=None):
    """Transfers dispatched before this moment and still in transit are overdue."""
    days = settings.TRANSFER_OVERDUE_DAYS
    return (now or timezone.now()) - datetime.timedelta(days=days)


class Transfer(models.Model):
    """Units of one package sent from one center to another.

    The units leave the source's stock at dispatch and are in transit until the
    destination receives them (once, counting what arrived) or the source cancels.
    The row's status moves on; what happened to the stock, and when, is in the
    movement log (StockMovement.transfer), which is append-only. Who sent, received or
    cancelled it is shown from those movements, which keep the staff member's name and
    role as they were then; the `*_by` keys here link the staff members themselves.
    """

    Status = TransferStatus

    id = models.AutoField(primary_key=True, db_column="transfer_id", verbose_name=_("ID"))
    source = models.ForeignKey(
        DistributionCenter,
        on_delete=models.PROTECT,
        related_name="transfers_out",
        verbose_name=_("source"),
    )
    destination = models.ForeignKey(
        DistributionCenter,
        on_delete=models.PROTECT,
        related_name="transfers_in",
        verbose_name=_("destination"),
    )
    package = models.ForeignKey(
        AidPackage, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("package")
    )
    quantity = models.IntegerField(verbose_name=_("quantity"))
    status = models.CharField(
        max_length=10,
        choices=Status,
        default=Status.IN_TRANSIT,
        db_default=Status.IN_TRANSIT,
        db_index=True,
        verbose_name=_("status"),
    )
    notes = models.TextField(
        null=True, blank=True, help_text=_("Vehicle, driver, seal number."), verbose_name=_("notes")
    )
    dispatched_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="transfers_dispatched",
        verbose_name=_("dispatched by"),
    )
    dispatched_at = models.DateTimeField(
        default=timezone.now, db_default=Now(), db_index=True, verbose_name=_("dispatched at")
    )
    received_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers_received",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(null=True, blank=True, verbose_name=_("received at"))
    quantity_received = models.IntegerField(
        null=True, blank=True, verbose_name=_("quantity received")
    )
    loss_reason = models.CharField(
        max_length=16,
        choices=[(reason.value, reason.label) for reason in LOSS_REASONS],
        null=True,
        blank=True,
        verbose_name=_("loss reason"),
    )
    receipt_notes = models.TextField(null=True, blank=True, verbose_name=_("receipt notes"))
    cancelled_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers_cancelled",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        db_table = "Stock_Transfers"
        ordering = ["-dispatched_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source=models.F("destination")),
                name="chk_transfer_centers",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="chk_transfer_quantity"
            ),
            choices_check("status", TransferStatus, name="chk_transfer_status"),
            models.CheckConstraint(
                condition=models.Q(loss_reason__isnull=True)
                | models.Q(loss_reason__in=[reason.value for reason in LOSS_REASONS]),
                name="chk_transfer_loss_reason",
            ),
            # Received: by whom, when and how many (at most what was sent); else neither.
            models.CheckConstraint(
                condition=models.Q(
                    status=TransferStatus.RECEIVED,
                    received_by__isnull=False,
                    received_at__isnull=False,
                    quantity_received__isnull=False,
                    quantity_received__gte=0,
                    quantity_received__lte=models.F("quantity"),
                )
                | (
                    ~models.Q(status=TransferStatus.RECEIVED)
                    & models.Q(received_at__isnull=True, quantity_received__isnull=True)
                ),
                name="chk_transfer_receipt",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status=TransferStatus.CANCELLED,
                    cancelled_by__isnull=False,
                    cancelled_at__isnull=False,
                )
                | (
                    ~models.Q(status=TransferStatus.CANCELLED) & models.Q(cancelled_at__isnull=True)
                ),
                name="chk_transfer_cancellation",
            ),
            # A loss reason exactly when fewer units arrived than were sent.
            models.CheckConstraint(
                condition=models.Q(
                    quantity_received__isnull=False,
                    quantity_received__lt=models.F("quantity"),
                    loss_reason__isnull=False,
                )
                | (
                    models.Q(loss_reason__isnull=True)
                    & (
                        models.Q(quantity_received__isnull=True)
                        | models.Q(quantity_received=models.F("quantity"))
                    )
                ),
                name="chk_transfer_loss",
            ),
        ]

    def __str__(self):
        return f"{self.number}: {self.quantity} × {self.package.package_name}"

    @property
    def number(self):
        """The transfer number printed on the waybill."""
        return f"TR-{self.pk:06d}"

    @property
    def shortfall(self):
        if self.quantity_received is None:
            return 0
        return self.quantity - self.quantity_received

    @property
    def is_in_transit(self):
        return self.status == TransferStatus.IN_TRANSIT

    @property
    def is_overdue(self):
        return self.is_in_transit and self.dispatched_at < overdue_cutoff()

    def direction_for(self, center):
        """Say whether the transfer is "outgoing" or "incoming", seen from `center`."""
        return "outgoing" if center is not None and self.source_id == center.pk else "incoming"
