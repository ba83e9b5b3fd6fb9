"""Filters of the report pages; the center choices are narrowed to the staff member's scope."""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from centers.models import DistributionCenter
from core.fields import MonthField
from core.lazytext import interpolate_lazy
from distribution.models import OwedItem
from inventory.models import AidPackage, Inventory, StockStatus

from .models import MonthlyRollup

MONTH_RANGE_MESSAGE = _("The first month must not be after the last month.")
MAX_MONTHS = 120
MONTH_SPAN_MESSAGE = interpolate_lazy(
    ngettext_lazy(
        "Choose at most %(count)s month.", "Choose at most %(count)s months.", MAX_MONTHS
    ),
    {"count": MAX_MONTHS},
)


class MonthFilter(django_filters.DateFilter):
    field_class = MonthField


def add_months(month, count):
    """Return the first day of the month `count` months after (or before) `month`."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first, last):
    """Every first-of-month from `first` to `last`, inclusive."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


class CenterScopedFilterSet(django_filters.FilterSet):
    """A FilterSet whose `center` choices are the centers the staff member may report on."""

    center = django_filters.ModelChoiceFilter(
        queryset=DistributionCenter.objects.none(),
        label=_("Center"),
        empty_label=_("All centers"),
    )

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["center"].queryset = centers


class MonthRangeForm(forms.Form):
    """Check that the month range runs forwards and is not absurdly long."""

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("month_from"), cleaned.get("month_to")
        if first and last and first > last:
            self.add_error("month_to", MONTH_RANGE_MESSAGE)
        elif first and last and len(months_between(first, last)) > MAX_MONTHS:
            self.add_error("month_from", MONTH_SPAN_MESSAGE)
        return cleaned


def category_filter(**kwargs):
    """The reports' package category filter; `kwargs` say which field it filters."""
    return django_filters.ChoiceFilter(
        choices=AidPackage.Category.choices,
        label=_("Category"),
        empty_label=_("All categories"),
        **kwargs,
    )


def package_filter(**kwargs):
    """The reports' filter on one active package; `kwargs` say which field it filters."""
    return django_filters.ModelChoiceFilter(
        queryset=AidPackage.objects.filter(is_active=True),
        label=pgettext_lazy("aid package", "Package"),
        empty_label=_("All packages"),
        **kwargs,
    )


class MonthlySummaryFilter(CenterScopedFilterSet):
    month_from = MonthFilter(field_name="month", lookup_expr="gte", label=_("From month"))
    month_to = MonthFilter(field_name="month", lookup_expr="lte", label=_("To month"))
    category = category_filter()

    class Meta:
        model = MonthlyRollup
        fields = []
        form = MonthRangeForm


class StockStatusFilter(CenterScopedFilterSet):
    category = category_filter(field_name="package__category")
    package = package_filter()
    status = django_filters.ChoiceFilter(
        choices=StockStatus.choices,
        label=pgettext_lazy("stock", "Status"),
        empty_label=_("Any status"),
        method="filter_nothing",
    )

    class Meta:
        model = Inventory
        fields = []

    def filter_nothing(self, queryset, name, value):
        """Status is computed per row after the query (see reports.selectors.stock_status)."""
        return queryset


class CoverageFilter(CenterScopedFilterSet):
    category = category_filter()
    package = package_filter(field_name="pk")

    class Meta:
        model = AidPackage
        fields = []


class OwedItemsFilter(CenterScopedFilterSet):
    category = category_filter(field_name="package__category")

    class Meta:
        model = OwedItem
        fields = []
