"""The visit page's basket: what a household is due at a center, package by package.

A read (selector) for the page; the service decides again under its locks when the
visit is submitted, so what is shown here can only be out of date, never wrong.
"""

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext

from inventory.models import AidPackage
from inventory.selectors import usable_by_package

from .models import FormSubmission
from .rules import MAX_QUANTITY
from .selectors import household_eligibility, owed_items


@dataclass(frozen=True)
class BasketLine:
    package: AidPackage
    on_hand: int
    entitlement: int
    owed: int | None
    next_eligible_date: datetime.date | None

    @property
    def due(self):
        """What the household gets if the worker changes nothing (0: nothing due now)."""
        if self.owed:
            return self.owed
        if self.next_eligible_date is not None:
            return 0
        return min(self.entitlement, MAX_QUANTITY)

    @property
    def selectable(self):
        return self.due > 0 and self.on_hand > 0

    @property
    def status(self):
        """eligible, owed, not_eligible or out_of_stock: what the page's badge says."""
        if self.due == 0:
            return "not_eligible"
        if self.on_hand <= 0:
            return "out_of_stock"
        return "owed" if self.owed else "eligible"

    @property
    def reason(self):
        """Why a line cannot be chosen, in words (empty when it can)."""
        if self.status == "not_eligible":
            day = date_format(self.next_eligible_date, "DATE_FORMAT")
            return gettext("Not eligible until %(date)s.") % {"date": day}
        if self.status == "out_of_stock":
            return gettext("Out of stock at this center.")
        return ""

    @property
    def short(self):
        """Units that will be owed if the worker hands out what is due and stock is short."""
        return max(self.due - self.on_hand, 0) if self.selectable and not self.owed else 0


@dataclass(frozen=True)
class Basket:
    lines: list  # a BasketLine per active package the center stocks
    owed_elsewhere: list  # open owed items of packages the center does not stock


def basket(household, center):
    """What `household` may take at `center`, in package order, in four queries."""
    stock = usable_by_package(center)  # expired units are on hand but never handed out
    packages = list(
        AidPackage.objects.filter(pk__in=stock, is_active=True).order_by("category", "package_name")
    )
    eligibility = {row.package.pk: row for row in household_eligibility(household, packages)}
    owed_items_open = owed_items(household)
    owed = {item.package_id: item.quantity for item in owed_items_open}
    lines = [
        BasketLine(
            package=package,
            on_hand=stock[package.pk],
            entitlement=package.entitlement_for(household),
            owed=owed.get(package.pk),
            next_eligible_date=eligibility[package.pk].next_eligible_date,
        )
        for package in packages
    ]
    elsewhere = [item for item in owed_items_open if item.package_id not in stock]
    return Basket(lines=lines, owed_elsewhere=elsewhere)


def spent_visit_id(nonce):
    """The visit a spent form token recorded, or None (unspent, or not a visit's form)."""
    return (
        FormSubmission.objects.filter(token=nonce, log__visit__isnull=False)
        .values_list("log__visit_id", flat=True)
        .first()
    )
