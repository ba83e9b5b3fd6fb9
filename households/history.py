"""A household's change history: what the services record, and how the page shows it.

The services (households.services) take a snapshot of what they change before and
after, and record the difference in the same transaction (audit.services). Personal
values (names, phone, email, address, notes, dates of birth) are recorded apart from
the rest, so that anonymising the household erases them and leaves the history as
written. The page shows the history to those `centers.policies` allows, each value
masked as the viewer would see it on the household's page.

The history is append-only and read by people in other languages than its writer's:
what a row keeps in words (an entry's subject, the retention policy as the actor) is
English, written from the templates below and translated when shown.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from audit.models import HouseholdChangeAction as Action
from audit.selectors import household_changes
from audit.services import Change, record_household_change, record_household_changes
from centers.models import StaffMember
from core.templatetags.bidi import ltr

from . import privacy
from .models import Household, HouseholdMember
from .stored_text import StoredSentences

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
    "preferred_language",
)
# The language a family reads may tell its origin: personal, erased with the rest.
PERSONAL_FIELDS = frozenset(
    {
        "family_name",
        "primary_contact_name",
        "phone_number",
        "email",
        "address",
        "notes",
        "consent_given_by",
        "preferred_language",
    }
)
MEMBER_FIELDS = ("full_name", "sex", "date_of_birth", "relationship_to_head")
PERSONAL_MEMBER_FIELDS = frozenset({"full_name", "date_of_birth"})
ALTERNATES = "alternates"  # their names, personal
CARD = "card"
REVIEW = "duplicate_review"
# Owed items a confirmed duplicate hands to its survivor (their ids).
OWED_HANDED_OVER = "open_owed_items"
OWED_TAKEN_OVER = "owed_items_taken_over"

LABELS = {
    "phone_number": _("Phone"),
    "primary_contact_name": _("Contact"),
    "duplicate_of": _("Duplicate of household"),
    "full_name": _("Name"),
    ALTERNATES: _("Alternate collectors"),
    CARD: _("Card"),
    REVIEW: _("Possible duplicate"),
    OWED_HANDED_OVER: _("Open owed items"),
    OWED_TAKEN_OVER: _("Owed items taken over"),
}
# Values shown left to right whatever the page's direction.
LTR_FIELDS = frozenset({"phone_number", "email", "zip_code", CARD})

# What an entry is about, when not the household itself (HouseholdChange.subject).
CARD_REVOKED = gettext_noop("card %(code)s revoked")
MEMBER = gettext_noop("member #%(number)s")
PAIR_WITH = gettext_noop("pair #%(pair)s with household #%(other)s")
PAIR_FAMILY = gettext_noop("pair #%(pair)s: #%(newer)s is #%(survivor)s's family")
ERASED = gettext_noop("personal data erased")
SUBJECTS = StoredSentences(CARD_REVOKED, MEMBER, PAIR_WITH, PAIR_FAMILY, ERASED)
# Who acted when no staff member did (HouseholdChange.staff_name).
RETENTION_ACTOR = gettext_noop("Retention policy (manage.py anonymise_inactive)")
SYSTEM_ACTORS = StoredSentences(RETENTION_ACTOR)


def subject(template, **values):
    """An entry's subject, as stored: `template` (one of SUBJECTS') in English."""
    return SUBJECTS.write(template, **values)


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
    return subject(MEMBER, number=member.pk)


# --- Showing it ------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    label: str
    old: str
    new: str
    left_to_right: bool = False  # values that read so in any language (a phone number)

    def _template(self):
        if self.old and self.new:
            return gettext("%(field)s changed from %(old)s to %(new)s")
        if self.new:
            return gettext("%(field)s set to %(new)s")
        if self.old:
            return gettext("%(field)s cleared (was %(old)s)")
        return gettext("%(field)s changed")

    @property
    def sentence(self):
        """The line as plain text (exports)."""
        return self._template() % {"field": self.label, "old": self.old, "new": self.new}

    @property
    def html(self):
        """The line for a page: each value isolated, so that a name or number in one
        script does not reorder the sentence around it in another."""
        isolate = ltr if self.left_to_right else _isolated
        values = {
            "field": conditional_escape(self.label),
            "old": isolate(self.old),
            "new": isolate(self.new),
        }
        # The template and every value are escaped above.
        return mark_safe(conditional_escape(self._template()) % values)


def _isolated(value):
    return format_html("<bdi>{}</bdi>", value) if value else value


@dataclass(frozen=True)
class Entry:
    change: object
    lines: list
    erased: bool

    @property
    def action(self):
        return self.change.get_action_display()

    @property
    def subject(self):
        return SUBJECTS.show(self.change.subject) if self.change.subject else ""

    @property
    def who(self):
        role = StaffMember.Role(self.change.staff_role).label if self.change.staff_role else ""
        name = self.change.staff_name
        if not role:
            return SYSTEM_ACTORS.show(name)
        if name.endswith(f"({role})"):
            return name
        return gettext("%(name)s (%(role)s)") % {"name": name, "role": role}


def _field(name):
    for model in (Household, HouseholdMember):
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _label(name):
    if name in LABELS:
        return LABELS[name]
    field = _field(name)
    return capfirst(field.verbose_name if field else name.replace("_", " "))


def _text(name, value, viewer):
    """A value as the viewer may see it; a choice as its label ("Very low", not very_low)."""
    if value in (None, "", []):
        return ""
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    field = _field(name)
    if field is not None and field.choices:
        value = dict(field.flatchoices).get(value, value)
    return privacy.shown(name, value, viewer)


def _line(name, old, new):
    return Line(_label(name), old, new, left_to_right=name in LTR_FIELDS)


def entries_for(household, viewer):
    """The household's history as `viewer` may see it, newest first.

    Personal values erased by anonymisation read "(erased)"; values of fields the
    viewer may not see are masked as on the household's page.
    """
    entries = []
    erased = gettext("(erased)")
    for change in household_changes(household):
        held = getattr(change, "personal_values", None)
        values = held.changes if held is not None else {}
        lines = [
            _line(name, _text(name, old, viewer), _text(name, new, viewer))
            for name, (old, new) in change.changes.items()
        ]
        for name in change.erasable:
            if name in values:
                old, new = values[name]
                lines.append(_line(name, _text(name, old, viewer), _text(name, new, viewer)))
            else:
                lines.append(_line(name, erased if held is None else "", ""))
        entries.append(Entry(change, lines, erased=bool(change.erasable) and held is None))
    return entries
