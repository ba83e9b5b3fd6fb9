"""A household's change history: what the services record, and how the page shows it.

The services (households.services) take a snapshot of what they change before and
after, and record the difference in the same transaction (audit.services). Personal
values (names, phone, email, address, notes, dates of birth) are recorded apart from
the rest, so that anonymising the household erases them and leaves the history as
written. The page shows the history to those `centers.policies` allows, each value
masked as the viewer would see it on the household's page.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist

from audit.models import HouseholdChangeAction as Action
from audit.selectors import household_changes
from audit.services import Change, record_household_change, record_household_changes
from centers.models import StaffMember

from . import privacy
from .models import Household, HouseholdMember

# The household's fields the history follows, and which of them are personal data.
HOUSEHOLD_FIELDS = (
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
    "status",
    "duplicate_of",
    "processing_basis",
    "consent_given_by",
    "basis_recorded_on",
)
PERSONAL_FIELDS = frozenset(
    {
        "family_name",
        "primary_contact_name",
        "phone_number",
        "email",
        "address",
        "notes",
        "consent_given_by",
    }
)
MEMBER_FIELDS = ("full_name", "sex", "date_of_birth", "relationship_to_head")
PERSONAL_MEMBER_FIELDS = frozenset({"full_name", "date_of_birth"})
ALTERNATES = "alternates"  # their names, personal
CARD = "card"
REVIEW = "duplicate_review"

LABELS = {
    "phone_number": "Phone",
    "primary_contact_name": "Contact",
    "duplicate_of": "Duplicate of household",
    "full_name": "Name",
    ALTERNATES: "Alternate collectors",
    CARD: "Card",
    REVIEW: "Possible duplicate",
}


def _json(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


def household_values(household):
    """{field: JSON-ready value} of the fields the history follows."""
    return {
        name: _json(getattr(household, "duplicate_of_id" if name == "duplicate_of" else name))
        for name in HOUSEHOLD_FIELDS
    }


def stored_household_values(pk):
    """The household's values as the database holds them now (None if it has no row)."""
    household = Household.objects.filter(pk=pk).first()
    return None if household is None else household_values(household)


def member_values(member):
    return {name: _json(getattr(member, name)) for name in MEMBER_FIELDS}


def split(before, after, personal):
    """({field: (old, new)} of the changed fields that are no personal data, and of those
    that are). `before` None: every field of `after` is new (a registration)."""
    before = before or {}
    changes, personal_changes = {}, {}
    for name, new in after.items():
        old = before.get(name)
        if old != new and not (old in (None, "") and new in (None, "")):
            (personal_changes if name in personal else changes)[name] = (old, new)
    for name, old in before.items():
        if name not in after and old not in (None, ""):
            (personal_changes if name in personal else changes)[name] = (old, None)
    return changes, personal_changes


def record(
    *,
    household,
    staff,
    action,
    before=None,
    after=None,
    personal=PERSONAL_FIELDS,
    subject="",
    always=False,
    system_actor="",
):
    """Record the difference between `before` and `after`, and return the history row.

    Nothing is recorded when nothing changed, unless `always` (an action that is a
    change in itself, such as a dismissed duplicate or an added member).
    """
    changes, personal_changes = split(before, after or {}, personal)
    if not (changes or personal_changes or always):
        return None
    return record_household_change(
        household=household,
        staff=staff,
        action=action,
        changes=changes,
        personal=personal_changes,
        subject=subject,
        system_actor=system_actor,
    )


def record_registrations(*, households, staff):
    """One history row per household just registered, in two INSERTs for the lot."""
    entries = []
    for household in households:
        changes, personal = split(None, household_values(household), PERSONAL_FIELDS)
        entries.append(Change(household, Action.REGISTERED, changes, personal))
    return record_household_changes(changes=entries, staff=staff)


def member_subject(member):
    return f"member #{member.pk}"


# --- Showing it ------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    label: str
    old: str
    new: str

    @property
    def sentence(self):
        if self.old and self.new:
            return f"{self.label} changed from {self.old} to {self.new}"
        if self.new:
            return f"{self.label} set to {self.new}"
        if self.old:
            return f"{self.label} cleared (was {self.old})"
        return f"{self.label} changed"


@dataclass(frozen=True)
class Entry:
    change: object
    lines: list
    erased: bool

    @property
    def action(self):
        return self.change.get_action_display()

    @property
    def who(self):
        role = StaffMember.Role(self.change.staff_role).label if self.change.staff_role else ""
        name = self.change.staff_name
        return f"{name} ({role})" if role and not name.endswith(f"({role})") else name


def _label(name):
    if name in LABELS:
        return LABELS[name]
    for model in (Household, HouseholdMember):
        try:
            return str(model._meta.get_field(name).verbose_name).capitalize()
        except FieldDoesNotExist:
            continue
    return name.replace("_", " ").capitalize()


def _text(name, value, viewer):
    if value in (None, "", []):
        return ""
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    return privacy.shown(name, value, viewer)


def entries_for(household, viewer):
    """The household's history as `viewer` may see it, newest first.

    Personal values erased by anonymisation read "(erased)"; values of fields the
    viewer may not see are masked as on the household's page.
    """
    entries = []
    for change in household_changes(household):
        held = getattr(change, "personal_values", None)
        values = held.changes if held is not None else {}
        lines = [
            Line(_label(name), _text(name, old, viewer), _text(name, new, viewer))
            for name, (old, new) in change.changes.items()
        ]
        for name in change.erasable:
            if name in values:
                old, new = values[name]
                lines.append(Line(_label(name), _text(name, old, viewer), _text(name, new, viewer)))
            else:
                lines.append(Line(_label(name), "(erased)" if held is None else "", ""))
        entries.append(Entry(change, lines, erased=bool(change.erasable) and held is None))
    return entries
