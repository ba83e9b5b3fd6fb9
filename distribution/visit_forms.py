"""The visit form: one checkbox and quantity per package the household may take now."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields import WholeNumberField

from .forms import PortalBoundField
from .rules import MAX_QUANTITY
from .widgets import HiddenInput

NOTHING_CHOSEN_MESSAGE = _("Tick at least one package to hand out.")
QUANTITY_NEEDED_MESSAGE = _("Give the quantity for each ticked package.")
CODE_NEEDED_MESSAGE = _("Scan the card, or type its code.")


class VisitForm(forms.Form):
    """Lines of the basket that can be chosen, prefilled with what is due.

    A line whose quantity is left at what the page showed as due is sent as "what is
    due now" (`None`), so a shortage found at submission is handed out in part and
    owed; a changed quantity is an exact, all-or-nothing request.
    """

    bound_field_class = PortalBoundField

    token = forms.CharField(widget=HiddenInput, max_length=128)
    collected_by = forms.CharField(
        max_length=150,
        required=False,
        label=_("Collected by"),
        help_text=_("Who takes the basket: the head of household, or the person sent."),
        widget=forms.TextInput(
            attrs={"class": "form-control", "autocomplete": "off", "list": "collectors"}
        ),
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        # A line ticked on the page stays a line of the visit even if, by the time the
        # form comes back, another point took the last units or served the household:
        # the service then records its refusal (or the part it can hand out) on the
        # receipt, instead of the tick vanishing.
        self.lines = [line for line in lines if line.selectable or self._ticked(line)]
        self.blocked = [line for line in lines if line not in self.lines]
        for line in self.lines:
            pk = line.package.pk
            self.fields[f"take_{pk}"] = forms.BooleanField(
                required=False,
                initial=True,
                label=line.package.package_name,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            self.fields[f"quantity_{pk}"] = WholeNumberField(
                required=False,
                min_value=1,
                max_value=MAX_QUANTITY,
                initial=line.due,
                label=gettext("Quantity of %(package)s") % {"package": line.package.package_name},
                widget=forms.NumberInput(
                    attrs={"class": "form-control", "inputmode": "numeric", "min": 1}
                ),
            )
            self.fields[f"due_{pk}"] = WholeNumberField(
                widget=HiddenInput, initial=line.due, required=False
            )

    def _ticked(self, line):
        return self.is_bound and bool(self.data.get(f"take_{line.package.pk}"))

    def rows(self):
        """(line, take field, quantity field, due field) for the template."""
        return [
            (
                line,
                self[f"take_{line.package.pk}"],
                self[f"quantity_{line.package.pk}"],
                self[f"due_{line.package.pk}"],
            )
            for line in self.lines
        ]

    def clean(self):
        cleaned = super().clean()
        chosen = []
        for line in self.lines:
            pk = line.package.pk
            if not cleaned.get(f"take_{pk}"):
                continue
            quantity = cleaned.get(f"quantity_{pk}")
            if quantity is None:
                if f"quantity_{pk}" not in self.errors:
                    self.add_error(f"quantity_{pk}", QUANTITY_NEEDED_MESSAGE)
                continue
            shown_due = cleaned.get(f"due_{pk}")
            chosen.append((line.package, None if quantity == shown_due else quantity))
        if not chosen and not self.errors:
            raise forms.ValidationError(NOTHING_CHOSEN_MESSAGE, code="nothing_chosen")
        cleaned["lines"] = chosen
        return cleaned


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("Card code"),
        max_length=32,
        error_messages={"required": CODE_NEEDED_MESSAGE},
    )
