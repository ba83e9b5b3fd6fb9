"""Form fields that read numbers and dates the way a person means them, and nothing else.

Python's `int()` and `Decimal()` accept "1_0" (ten) and Django's number fields pass
the text straight to them, so a typo became a quantity. Dates are bounded so that
no filter or record can carry a year whose arithmetic overflows (9999-12 plus one
month is year 10000, which `datetime` refuses).
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .lazytext import interpolate_lazy

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)
# The bounds are written as the date and month inputs take them (ISO), in every language.
DATE_RANGE_MESSAGE = interpolate_lazy(
    _("Enter a date from %(first)s to %(last)s."),
    {"first": f"{EARLIEST_DATE:%Y-%m-%d}", "last": f"{LATEST_DATE:%Y-%m-%d}"},
)
MONTH_RANGE_MESSAGE = interpolate_lazy(
    _("Enter a month from %(first)s to %(last)s."),
    {"first": f"{EARLIEST_DATE:%Y-%m}", "last": f"{LATEST_DATE:%Y-%m}"},
)
NOT_A_NUMBER_MESSAGE = _("Enter a number with digits only.")


def _refuse_separators(value):
    """Refuse the digit-group underscore that `int()` and `Decimal()` would read."""
    if isinstance(value, str) and "_" in value:
        raise ValidationError(NOT_A_NUMBER_MESSAGE, code="invalid")


def _keypad(field, widget, attrs, inputmode):
    """Ask phones for a digit keypad where no minus sign is needed (iOS's has none)."""
    if (
        isinstance(widget, forms.NumberInput)
        and "inputmode" not in widget.attrs
        and field.min_value is not None
        and field.min_value >= 0
    ):
        attrs["inputmode"] = inputmode
    return attrs


class WholeNumberField(forms.IntegerField):
    """An IntegerField that refuses "1_0" instead of reading it as ten."""

    def to_python(self, value):
        _refuse_separators(value)
        return super().to_python(value)

    def widget_attrs(self, widget):
        return _keypad(self, widget, super().widget_attrs(widget), "numeric")


class StrictDecimalField(forms.DecimalField):
    """A DecimalField that refuses "1_0.5" instead of reading it as 10.5."""

    def to_python(self, value):
        _refuse_separators(value)
        return super().to_python(value)

    def widget_attrs(self, widget):
        return _keypad(self, widget, super().widget_attrs(widget), "decimal")


class BoundedDateField(forms.DateField):
    """A DateField limited to years every date computation of the portal can handle."""

    range_message = DATE_RANGE_MESSAGE

    def validate(self, value):
        super().validate(value)
        if value and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValidationError(self.range_message, code="out_of_range")


class MonthField(BoundedDateField):
    """A month typed as YYYY-MM (the browser's month picker); cleans to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]
    range_message = MONTH_RANGE_MESSAGE

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if value else value


# The model fields whose form fields read typed numbers and dates, and the strict
# form field each gets, in the portal's ModelForms and in Django admin alike.
STRICT_FORM_FIELDS = {
    models.IntegerField: WholeNumberField,
    models.DecimalField: StrictDecimalField,
    models.DateField: BoundedDateField,
}


def strict_field_kwargs(db_field, kwargs):
    """`kwargs` for `db_field.formfield()`, with the strict form field where one applies."""
    if isinstance(db_field, models.DateTimeField) or db_field.choices:
        return kwargs  # a DateTimeField is a DateField with a form field of its own
    for model_field, form_field in STRICT_FORM_FIELDS.items():
        if isinstance(db_field, model_field):
            return {"form_class": form_field, **kwargs}
    return kwargs


def strict_formfield(db_field, **kwargs):
    """`formfield_callback` of the portal's ModelForms: strict numbers and bounded dates."""
    return db_field.formfield(**strict_field_kwargs(db_field, kwargs))
