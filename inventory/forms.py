"""Forms for managers' stock changes; each maps onto one inventory service."""

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from centers.models import DistributionCenter
from core.fields import BoundedDateField, WholeNumberField, strict_formfield

from .lot_models import MAX_LOT_CODE_LENGTH, StockLot, utc_today
from .models import LOSS_REASONS, AidPackage, StockMovement
from .services import (
    ADJUSTMENT_REASONS,
    ADJUSTMENT_ZERO_MESSAGE,
    EXPIRY_REQUIRED_MESSAGE,
    MAX_REORDER_LEVEL,
    MAX_RESTOCK_QUANTITY,
)
from .transfers import LOSS_NOTES_MESSAGE, LOSS_REASON_MESSAGE, MAX_TRANSFER_QUANTITY


class LotChoiceField(forms.ModelChoiceField):
    """A lot of the row, named by its code, expiry date and units, expired ones said so."""

    def label_from_instance(self, lot):
        values = {"lot": lot.describe(), "quantity": lot.quantity}
        if lot.is_expired():
            return gettext("%(lot)s (expired): %(quantity)s on hand") % values
        return gettext("%(lot)s: %(quantity)s on hand") % values


class RestockForm(forms.Form):
    package = forms.ModelChoiceField(
        label=pgettext_lazy("aid package", "Package"),
        queryset=AidPackage.objects.all(),
        empty_label=_("Choose a package"),
    )
    quantity = WholeNumberField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_RESTOCK_QUANTITY,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    lot_code = forms.CharField(
        label=_("Lot code"),
        required=False,
        max_length=MAX_LOT_CODE_LENGTH,
        help_text=_("The lot or batch number printed on the goods, if any."),
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    expiry_date = BoundedDateField(
        label=_("Expiry date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Required for perishable packages (food and medical unless set otherwise)."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=500,
        help_text=_("Delivery note or supplier reference."),
    )

    def clean(self):
        cleaned = super().clean()
        package = cleaned.get("package")
        perishable = package is not None and package.is_perishable
        if perishable and "expiry_date" not in self.errors and not cleaned.get("expiry_date"):
            self.add_error("expiry_date", EXPIRY_REQUIRED_MESSAGE)
        return cleaned


class AdjustmentForm(forms.Form):
    delta = WholeNumberField(
        label=_("Change in units"),
        min_value=-(MAX_RESTOCK_QUANTITY - 1),
        max_value=MAX_RESTOCK_QUANTITY - 1,
        help_text=_("Negative to remove units (damaged, expired, lost), positive for units found."),
        # No inputmode: phones' numeric keypads have no minus sign.
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(r.value, r.label) for r in StockMovement.Reason if r.value in ADJUSTMENT_REASONS],
    )
    lot = LotChoiceField(
        label=_("Lot"),
        queryset=StockLot.objects.none(),
        required=False,
        empty_label=_("Unexpired lots, first to expire first"),
        help_text=_("Choose the lot to write off expired or damaged units of it."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)

    def __init__(self, *args, inventory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = StockLot.objects.filter(inventory=inventory)

    def clean_delta(self):
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError(ADJUSTMENT_ZERO_MESSAGE, code="invalid_delta")
        return delta


class ReorderLevelForm(forms.Form):
    reorder_level = WholeNumberField(
        label=_("Reorder level"),
        min_value=0,
        max_value=MAX_REORDER_LEVEL,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class PackageForm(forms.ModelForm):
    """An aid package and its entitlement, as admins edit it in the portal."""

    class Meta:
        model = AidPackage
        formfield_callback = strict_formfield
        fields = [
            "package_name",
            "category",
            "description",
            "unit_weight_kg",
            "estimated_cost",
            "validity_period_days",
            "units_per_household",
            "persons_per_unit",
            "max_units",
            "is_perishable",
            "is_active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "validity_period_days": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "units_per_household": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "persons_per_unit": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "max_units": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "estimated_cost": forms.NumberInput(attrs={"inputmode": "decimal"}),
            "unit_weight_kg": forms.NumberInput(attrs={"inputmode": "decimal"}),
        }
        # The model's fields have no verbose names of their own: the labels are here.
        labels = {
            "package_name": _("Package name"),
            "category": _("Category"),
            "description": _("Description"),
            "unit_weight_kg": _("Unit weight (kg)"),
            "estimated_cost": _("Estimated cost"),
            "validity_period_days": _("Validity period (days)"),
            "units_per_household": _("Units per household (minimum)"),
            "persons_per_unit": _("One unit per this many persons"),
            "max_units": _("At most (cap)"),
            "is_perishable": _("Perishable"),
            "is_active": _("Active"),
        }


class TransferForm(forms.Form):
    """Send stock from `source`: to another active center, of a package it has on hand."""

    destination = forms.ModelChoiceField(
        label=_("Destination"), queryset=None, empty_label=_("Choose a center")
    )
    package = forms.ModelChoiceField(
        label=pgettext_lazy("aid package", "Package"),
        queryset=None,
        empty_label=_("Choose a package"),
    )
    quantity = WholeNumberField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_TRANSFER_QUANTITY,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    lot = LotChoiceField(
        label=_("Lot"),
        queryset=StockLot.objects.none(),
        required=False,
        empty_label=_("Unexpired lots, first to expire first"),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=500,
        help_text=_("Vehicle, driver, seal number."),
    )

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].queryset = DistributionCenter.objects.filter(
            status=DistributionCenter.Status.ACTIVE
        ).exclude(pk=source.pk)
        self.fields["package"].queryset = AidPackage.objects.filter(
            inventory__center=source, inventory__quantity_on_hand__gt=0
        )
        self.fields["lot"].queryset = (
            StockLot.objects.filter(inventory__center=source)
            .usable(utc_today())
            .select_related("inventory__package")
        )
        self.fields["lot"].label_from_instance = self.lot_label

    def lot_label(self, lot):
        return gettext("%(package)s: %(lot)s, %(quantity)s on hand") % {
            "package": lot.inventory.package.package_name,
            "lot": lot.describe(),
            "quantity": lot.quantity,
        }

    def clean(self):
        cleaned = super().clean()
        lot, package = cleaned.get("lot"), cleaned.get("package")
        if lot is not None and package is not None and lot.inventory.package_id != package.pk:
            self.add_error("lot", gettext("Choose a lot of the package being sent."))
        return cleaned


class ReceiveTransferForm(forms.Form):
    """Count what arrived; a shortfall needs a reason and a note."""

    loss_reason = forms.ChoiceField(
        label=_("If fewer arrived, why"),
        required=False,
        choices=[("", _("Nothing is missing")), *((r.value, r.label) for r in LOSS_REASONS)],
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when fewer units arrived than were sent."),
    )

    def __init__(self, *args, transfer, **kwargs):
        super().__init__(*args, **kwargs)
        self.transfer = transfer
        self.fields = {
            "quantity_received": WholeNumberField(
                label=_("Units counted on arrival"),
                min_value=0,
                max_value=transfer.quantity,
                initial=transfer.quantity,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            ),
            **self.fields,
        }

    def clean(self):
        cleaned = super().clean()
        received = cleaned.get("quantity_received")
        if received is not None and received < self.transfer.quantity:
            if not cleaned.get("loss_reason"):
                self.add_error("loss_reason", LOSS_REASON_MESSAGE)
            if not cleaned.get("notes", "").strip():
                self.add_error("notes", LOSS_NOTES_MESSAGE)
        return cleaned
