"""Module-level messages with values in them are translated when read, not at import."""

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.fields import StrictDecimalField, WholeNumberField
from core.lazytext import interpolate_lazy
from core.validators import TOO_EARLY_MESSAGE

from .translations import translations

# Built at import, like the portal's messages; Django's own catalogs translate it.
LIMIT_MESSAGE = interpolate_lazy(
    _("Ensure this value is less than or equal to %(limit_value)s."), {"limit_value": 7}
)


def test_a_message_is_translated_and_filled_in_each_time_it_is_read():
    assert str(LIMIT_MESSAGE) == "Ensure this value is less than or equal to 7."
    with translation.override("fr"):
        assert str(LIMIT_MESSAGE) == "Assurez-vous que cette valeur est inférieure ou égale à 7."
    with translation.override("es"):
        assert str(LIMIT_MESSAGE) == "Asegúrese de que este valor es menor o igual a 7."
    assert LIMIT_MESSAGE == "Ensure this value is less than or equal to 7."


def test_the_portal_messages_keep_their_values_in_every_language():
    french = "Saisissez une date au %(date)s ou après."
    with translations("fr", {"Enter a date on or after %(date)s.": french}):
        with translation.override("fr"):
            assert str(TOO_EARLY_MESSAGE) == "Saisissez une date au 1900-01-01 ou après."
        assert str(TOO_EARLY_MESSAGE) == "Enter a date on or after 1900-01-01."


def test_counts_that_cannot_be_negative_ask_phones_for_a_digit_keypad():
    class Form(forms.Form):
        units = WholeNumberField(min_value=1)
        delta = WholeNumberField()  # negative too: iOS's digit keypad has no minus sign
        cost = StrictDecimalField(min_value=0)
        chosen = WholeNumberField(min_value=0, widget=forms.NumberInput({"inputmode": "tel"}))

    form = Form()
    assert form.fields["units"].widget.attrs["inputmode"] == "numeric"
    assert "inputmode" not in form.fields["delta"].widget.attrs
    assert form.fields["cost"].widget.attrs["inputmode"] == "decimal"
    assert form.fields["chosen"].widget.attrs["inputmode"] == "tel"
    assert 'inputmode="numeric"' in str(form["units"])
