"""Forms for registering and editing households.

Widgets carry what a phone's keyboard needs: a telephone pad for phone numbers, digits
for a family size, and no autofill of a beneficiary's details from the device's own.
"""

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields import WholeNumberField, strict_formfield
from core.validators import validate_has_letter

from .models import DUPLICATE_PHONE_MESSAGE, Household, HouseholdMember
from .phones import normalize_phone

# A beneficiary's details (their phone number too), typed by staff at a shared desk:
# never filled in from the device's own contact details or saved to its autofill.
NO_AUTOFILL = {"autocomplete": "off"}


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
            "preferred_language",
        ]
        widgets = {
            "family_name": forms.TextInput(attrs=NO_AUTOFILL),
            "primary_contact_name": forms.TextInput(attrs=NO_AUTOFILL),
            "phone_number": forms.TextInput(
                attrs={"type": "tel", "inputmode": "tel", **NO_AUTOFILL}
            ),
            "email": forms.EmailInput(attrs={"inputmode": "email", **NO_AUTOFILL}),
            "address": forms.TextInput(attrs=NO_AUTOFILL),
            "zip_code": forms.TextInput(attrs=NO_AUTOFILL),
            "consent_given_by": forms.TextInput(attrs=NO_AUTOFILL),
            "registration_date": forms.DateInput(attrs={"type": "date"}),
            "basis_recorded_on": forms.DateInput(attrs={"type": "date"}),
            "last_verified_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    family_size = WholeNumberField(
        label=_("Family size"),
        min_value=1,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    # A new registration at the desk records why its data may be held; a bulk import
    # may leave it out (flagged until someone records it), as may an older household.
    basis_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        basis = self.fields["processing_basis"]
        basis.required = self.basis_required and self.instance.pk is None
        basis.help_text = _(
            "Consent (say who gave it), or another lawful basis for holding this household's data."
        )
        self.fields["basis_recorded_on"].help_text = _("Leave empty for today.")
        self._language_field(self.fields["preferred_language"])
        members = self.instance.members.count() if self.instance.pk else 0
        if members:
            field = self.fields["family_size"]
            field.disabled = True
            field.help_text = gettext(
                "Kept equal to the number of members (%(count)d); add or remove members "
                "on the household's page."
            ) % {"count": members}

    @staticmethod
    def _language_field(field):
        """Name the empty choice, and refuse an unknown code (typed in an import's
        file) with the codes there are."""
        field.choices = [("", gettext("Not recorded")), *settings.LANGUAGES]
        field.help_text = _(
            "The language the household reads: its card and receipts print in it. "
            "Not recorded: they print in the language of whoever prints them."
        )
        codes = ", ".join(code for code, _name in settings.LANGUAGES)
        # The value is filled in when the error is raised; a code holds no "%".
        field.error_messages["invalid_choice"] = " ".join(
            (
                gettext("“%(value)s” is not a language code."),
                gettext("Use one of: %(codes)s.") % {"codes": codes},
            )
        )

    def validate_unique(self):
        """Point a duplicate phone number at the household already registered with it."""
        super().validate_unique()
        if not self.has_error("phone_number", code="unique"):
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
                        '{} <a href="{}">{}</a>.',
                        DUPLICATE_PHONE_MESSAGE,
                        reverse("households:detail", args=[existing.pk]),
                        gettext("Open %(household)s") % {"household": existing},
                    )
                ]
            )
            self.existing_household = existing


class HouseholdStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Household.Status.choices)


class HouseholdSearchForm(forms.Form):
    MISSING_BASIS = "missing"

    q = forms.CharField(
        label=_("Name, phone or household number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )
    basis = forms.ChoiceField(
        label=_("Basis for processing"),
        required=False,
        choices=[("", _("Any basis")), (MISSING_BASIS, _("No basis recorded"))],
    )


class MemberForm(forms.ModelForm):
    class Meta:
        model = HouseholdMember
        formfield_callback = strict_formfield
        fields = ["full_name", "sex", "date_of_birth", "relationship_to_head"]
        widgets = {
            "full_name": forms.TextInput(attrs=NO_AUTOFILL),
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {"date_of_birth": _("Leave empty if not known.")}


class AlternateCollectorsForm(forms.Form):
    """Up to two people, besides the head, allowed to collect the household's basket.

    Typing a member's exact name links that member; any other name is a person from
    outside the household.
    """

    first = forms.CharField(
        label=_("First alternate"),
        max_length=150,
        required=False,
        validators=[validate_has_letter],
    )
    second = forms.CharField(
        label=_("Second alternate"),
        max_length=150,
        required=False,
        validators=[validate_has_letter],
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        for field in self.fields.values():
            field.widget.attrs.update({"list": "member-names", **NO_AUTOFILL})

    def collectors(self):
        members = {member.full_name.casefold(): member for member in self.household.members.all()}
        chosen = []
        for name in (self.cleaned_data["first"].strip(), self.cleaned_data["second"].strip()):
            if name:
                chosen.append(members.get(name.casefold(), name))
        return chosen
