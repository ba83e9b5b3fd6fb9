"""Forms for recording, checking and voiding distributions."""

import django_filters
from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from centers.models import DistributionCenter
from core.fields import BoundedDateField, WholeNumberField
from households.models import Household
from inventory.models import AidPackage

from .models import DistributionLog
from .rules import MAX_QUANTITY
from .widgets import ChoiceSelect, HiddenInput, NumberInput

UNKNOWN_HOUSEHOLD_MESSAGE = _(
    "No household has number %(number)s. Search by name or phone instead."
)
EXPIRED_FORM_MESSAGE = _("This form has expired. Check the details and submit again.")
ALREADY_RECORDED_MESSAGE = _("This distribution was already recorded.")


class PortalBoundField(BoundField):
    """Bootstrap 5's invalid state on the widget itself, as the crispy templates set it."""

    def build_widget_attrs(self, attrs, widget=None):
        widget = widget or self.field.widget
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and not widget.is_hidden:
            classes = attrs.get("class", widget.attrs.get("class", ""))
            attrs["class"] = f"{classes} is-invalid".strip()
            attrs["aria-describedby"] = f"{self.auto_id}_error"
        return attrs


class DistributionForm(forms.Form):
    """What a field worker submits: the household, the package, how many, and (admins) where.

    The staff member recorded is always the signed-in one, never a form value;
    non-admins always record at their own center.
    """

    bound_field_class = PortalBoundField

    household = WholeNumberField(
        label=_("Household number"),
        min_value=1,
        max_value=2_147_483_647,
        widget=NumberInput(attrs={"inputmode": "numeric", "class": "form-control"}),
    )
    package = forms.ModelChoiceField(
        label=pgettext_lazy("aid package", "Package"),
        queryset=AidPackage.objects.filter(is_active=True),
        empty_label=_("Choose a package"),
        widget=ChoiceSelect(attrs={"class": "form-select"}),
    )
    quantity = WholeNumberField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        widget=NumberInput(attrs={"inputmode": "numeric", "class": "form-control"}),
    )
    center = forms.ModelChoiceField(
        label=_("Center"),
        queryset=DistributionCenter.objects.filter(status=DistributionCenter.Status.ACTIVE),
        empty_label=_("Choose a center"),
        widget=ChoiceSelect(attrs={"class": "form-select"}),
    )
    token = forms.CharField(widget=HiddenInput, max_length=128)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = staff
        if not staff.is_admin:
            del self.fields["center"]

    def clean_household(self):
        number = self.cleaned_data["household"]
        household = Household.objects.filter(pk=number).first()
        if household is None:
            raise forms.ValidationError(
                UNKNOWN_HOUSEHOLD_MESSAGE, code="unknown_household", params={"number": number}
            )
        return household

    def distribution_center(self):
        return self.cleaned_data["center"] if self.staff.is_admin else self.staff.center


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this distribution did not really happen (kept in the audit log)."),
    )


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class WholeNumberFilter(django_filters.NumberFilter):
    field_class = WholeNumberField


class DistributionLogFilter(django_filters.FilterSet):
    """Filters of the distribution log page; centers narrowed to the staff member's scope."""

    date_from = BoundedDateFilter(
        field_name="distribution_date",
        lookup_expr="date__gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = BoundedDateFilter(
        field_name="distribution_date",
        lookup_expr="date__lte",
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    center = django_filters.ModelChoiceFilter(
        label=_("Center"), queryset=DistributionCenter.objects.none()
    )
    package = django_filters.ModelChoiceFilter(
        label=pgettext_lazy("aid package", "Package"), queryset=AidPackage.objects.all()
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), field_name="package__category", choices=AidPackage.Category.choices
    )
    status = django_filters.ChoiceFilter(
        label=pgettext_lazy("distribution", "Status"),
        field_name="transaction_status",
        choices=DistributionLog.Status.choices,
    )
    household = WholeNumberFilter(
        field_name="household_id",
        label=_("Household number"),
        min_value=1,
        max_value=2_147_483_647,
    )

    class Meta:
        model = DistributionLog
        fields = []

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["center"].queryset = centers
