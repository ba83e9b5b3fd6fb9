"""Reads over households: the search field workers use to find a family."""

import contextlib

from django.core.exceptions import ValidationError
from django.db.models import Q

from aidtracker.params import parse_id

from .models import Household
from .phones import normalize_phone


def search_households(query):
    """Find households by id ("#123" or "123"), phone number in any spelling, or name prefix.

    Each branch is an indexed lookup (primary key, unique phone, name prefix), so
    search stays fast on a million households.
    """
    query = (query or "").strip()[:100]
    households = Household.objects.all()
    if not query:
        return households
    conditions = Q(family_name__istartswith=query) | Q(primary_contact_name__istartswith=query)
    household_id = parse_id(query)
    if household_id is not None:
        conditions |= Q(pk=household_id)
    if sum(ch.isdigit() for ch in query) >= 7:
        with contextlib.suppress(ValidationError):  # not a phone number after all
            conditions |= Q(phone_number=normalize_phone(query))
    return households.filter(conditions)
