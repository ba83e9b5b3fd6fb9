"""Forms for managers' stock changes; each maps onto one inventory service."""

from django import forms

from centers.models import DistributionCenter
from core.fields import WholeNumberField, strict_formfield

from .models import LOSS_REASONS, AidPackage, StockMovement
from .services import ADJUSTMENT_REASONS, MAX_REORDER_LEVEL, MAX_RESTOCK_QUANTITY
from .transfers import LOSS_NOTES_MESSAGE, LOSS_REASON_MESSAGE, MAX_TRANSFER_QUANTITY


class RestockForm(forms.Form):
    package = forms.ModelChoiceField(
        queryset=AidPackage.objects.all(), empty_label="Choose a package"
    )
    quantity = WholeNumberField(min_value=1, max_value=MAX_RESTOCK_QUANTITY)
    notes = forms.CharField(
        required=False, max_length=500, help_text="Delivery note or supplier reference."
    )


class AdjustmentForm(forms.Form):
    delta = WholeNumberField(
        label="Change in units",
        min_value=-(MAX_RESTOCK_QUANTITY - 1),
        max_value=MAX_RESTOCK_QUANTITY - 1,
        help_text="Negative to remove units (damaged, expired, lost), positive for units found.",
    )
    reason = forms.ChoiceField(
        choices=[(r.value, r.label) for r in StockMovement.Reason if r.value in ADJUSTMENT_REASONS]
    )
    notes = forms.CharField(required=False, max_length=500)

    def clean_delta(self):
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError("An adjustment must add or remove at least one unit.")
        return delta


class ReorderLevelForm(forms.Form):
    reorder_level = WholeNumberField(min_value=0, max_value=MAX_REORDER_LEVEL)


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
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "units_per_household": "Units per household (minimum)",
            "persons_per_unit": "One unit per this many persons",
            "max_units": "At most (cap)",
        }


class TransferForm(forms.Form):
    """Send stock from `source`: to another active center, of a package it has on hand."""

    destination = forms.ModelChoiceField(queryset=None, empty_label="Choose a center")
    package = forms.ModelChoiceField(queryset=None, empty_label="Choose a package")
    quantity = WholeNumberField(min_value=1, max_value=MAX_TRANSFER_QUANTITY)
    notes = forms.CharField(
        required=False, max_length=500, help_text="Vehicle, driver, seal number."
    )

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].queryset = DistributionCenter.objects.filter(
            status=DistributionCenter.Status.ACTIVE
        ).exclude(pk=source.pk)
        self.fields["package"].queryset = AidPackage.objects.filter(
            inventory__center=source, inventory__quantity_on_hand__gt=0
        )


class ReceiveTransferForm(forms.Form):
    """Count what arrived; a shortfall needs a reason and a note."""

    loss_reason = forms.ChoiceField(
        label="If fewer arrived, why",
        required=False,
        choices=[("", "Nothing is missing"), *((r.value, r.label) for r in LOSS_REASONS)],
    )
    notes = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when fewer units arrived than were sent.",
    )

    def __init__(self, *args, transfer, **kwargs):
        super().__init__(*args, **kwargs)
        self.transfer = transfer
        self.fields = {
            "quantity_received": WholeNumberField(
                label="Units counted on arrival",
                min_value=0,
                max_value=transfer.quantity,
                initial=transfer.quantity,
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
