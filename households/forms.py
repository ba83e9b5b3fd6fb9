"""Forms for registering and editing households."""

from django import forms
from django.urls import reverse
from django.utils.html import format_html

from core.fields import WholeNumberField, strict_formfield

from .models import DUPLICATE_PHONE_MESSAGE, Household
from .phones import normalize_phone


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        formfield_callback = strict_formfield
        fields = [
            "family_name",
            "primary_contact_name",
            "phone_number",
            "email",
            "address",
            "city",
            "state",
            "zip_code",
            "family_size",
            "income_level",
            "priority_level",
            "registration_date",
            "last_verified_date",
            "notes",
        ]
        widgets = {
            "registration_date": forms.DateInput(attrs={"type": "date"}),
            "last_verified_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone_number": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    family_size = WholeNumberField(min_value=1, max_value=100)

    def validate_unique(self):
        """Point a duplicate phone number at the household already registered with it."""
        super().validate_unique()
        if DUPLICATE_PHONE_MESSAGE not in self.errors.get("phone_number", []):
            return
        existing = (
            Household.objects.exclude(pk=self.instance.pk)
            .filter(phone_number=normalize_phone(self.instance.phone_number))
            .first()
        )
        if existing is not None:
            self.errors["phone_number"] = self.error_class(
                [
                    format_html(
                        '{} <a href="{}">Open {}</a>.',
                        DUPLICATE_PHONE_MESSAGE,
                        reverse("households:detail", args=[existing.pk]),
                        existing,
                    )
                ]
            )
            self.existing_household = existing


class HouseholdStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Household.Status.choices)


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, phone or household number",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )
