"""Forms for managers' stock changes; each maps onto one inventory service."""

from django import forms

from core.fields import WholeNumberField, strict_formfield

from .models import AidPackage, StockMovement
from .services import ADJUSTMENT_REASONS, MAX_REORDER_LEVEL, MAX_RESTOCK_QUANTITY


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
