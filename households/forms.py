"""Forms for registering and editing households."""

from django import forms
from django.urls import reverse
from django.utils.html import format_html

from core.fields import WholeNumberField, strict_formfield
from core.validators import validate_has_letter

from .models import DUPLICATE_PHONE_MESSAGE, Household, HouseholdMember
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
            "processing_basis",
            "consent_given_by",
            "basis_recorded_on",
        ]
        widgets = {
            "registration_date": forms.DateInput(attrs={"type": "date"}),
            "basis_recorded_on": forms.DateInput(attrs={"type": "date"}),
            "last_verified_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone_number": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    family_size = WholeNumberField(min_value=1, max_value=100)
    # A new registration at the desk records why its data may be held; a bulk import
    # may leave it out (flagged until someone records it), as may an older household.
    basis_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        basis = self.fields["processing_basis"]
        basis.required = self.basis_required and self.instance.pk is None
        basis.help_text = (
            "Consent (say who gave it), or another lawful basis for holding this household's data."
        )
        self.fields["basis_recorded_on"].help_text = "Leave empty for today."
        members = self.instance.members.count() if self.instance.pk else 0
        if members:
            field = self.fields["family_size"]
            field.disabled = True
            field.help_text = (
                f"Kept equal to the number of members ({members}); add or remove members "
                "on the household's page."
            )

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
    MISSING_BASIS = "missing"

    q = forms.CharField(
        label="Name, phone or household number",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )
    basis = forms.ChoiceField(
        label="Basis for processing",
        required=False,
        choices=[("", "Any basis"), (MISSING_BASIS, "No basis recorded")],
    )


class MemberForm(forms.ModelForm):
    class Meta:
        model = HouseholdMember
        formfield_callback = strict_formfield
        fields = ["full_name", "sex", "date_of_birth", "relationship_to_head"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"date_of_birth": "Leave empty if not known."}


class AlternateCollectorsForm(forms.Form):
    """Up to two people, besides the head, allowed to collect the household's basket.

    Typing a member's exact name links that member; any other name is a person from
    outside the household.
    """

    first = forms.CharField(
        label="First alternate", max_length=150, required=False, validators=[validate_has_letter]
    )
    second = forms.CharField(
        label="Second alternate", max_length=150, required=False, validators=[validate_has_letter]
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        for field in self.fields.values():
            field.widget.attrs.update({"list": "member-names", "autocomplete": "off"})

    def collectors(self):
        members = {member.full_name.casefold(): member for member in self.household.members.all()}
        chosen = []
        for name in (self.cleaned_data["first"].strip(), self.cleaned_data["second"].strip()):
            if name:
                chosen.append(members.get(name.casefold(), name))
        return chosen
