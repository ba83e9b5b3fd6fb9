"""Report pages: a small ReportView (filters, pagination, exports) and one subclass per report.

Managers see their own center; admins see every center. Every export (CSV, XLSX,
HXL) applies the page's filters, carries aggregates only (no names, phones or
addresses) and is recorded in the access log before it is sent.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from audit.models import AccessLog, ExportFormat
from audit.services import record_access
from centers import policies
from centers.mixins import visible_centers
from centers.models import DistributionCenter
from core.db import replica
from core.db.replica import reading_from_replica
from core.lazytext import interpolate_lazy
from core.mixins import PageMixin, StaffRequiredMixin
from core.params import parse_id
from inventory.models import AidPackage

from . import selectors
from .exports import Column, export_response
from .filters import (
    CoverageFilter,
    MonthlySummaryFilter,
    OwedItemsFilter,
    StockStatusFilter,
    add_months,
)
from .people import ALL_AGE_GROUPS, SEX_GROUPS

REPORTS_DENIED_MESSAGE = _("Only managers (for their own center) and admins can see reports.")
NO_CENTER_MESSAGE = _("You are not assigned to a center. Ask an admin to assign you.")
CENTER_DENIED_MESSAGE = _("You can only see reports for your own center.")
BAD_FILTER_MESSAGE = _("These filters are not valid; nothing was exported.")
BAD_FORMAT_MESSAGE = _("Unknown export format; use csv, xlsx or hxl.")
# The formats a report downloads in (the access log knows others: a household's
# subject access export is a printable page or JSON).
REPORT_FORMATS = (ExportFormat.CSV, ExportFormat.XLSX, ExportFormat.HXL)


class ReportsPermissionMixin(StaffRequiredMixin):
    """Managers and admins only; a `?center=` outside the staff member's scope is refused."""

    permission_denied_message = REPORTS_DENIED_MESSAGE

    def has_permission(self):
        if not policies.can_view_reports(self.staff):
            return False
        if not self.staff.is_admin and self.staff.center_id is None:
            raise PermissionDenied(NO_CENTER_MESSAGE)
        requested = parse_id(self.request.GET.get("center"))
        if requested is not None:
            center = DistributionCenter.objects.filter(pk=requested).first()
            if center is not None and not policies.can_view_reports(self.staff, center):
                raise PermissionDenied(CENTER_DENIED_MESSAGE)
        return True


class ReportView(ReportsPermissionMixin, PageMixin, TemplateView):
    """Base of the report pages: a filterset, a report, a paginated table and exports.

    Subclasses set `report_name`, `title`, `filterset_class`, `template_name` and
    `columns` (the export columns), and implement `get_report(filters)`, where
    `filters` are the cleaned filter values with the center scoped to the staff
    member. `get_rows(report)` is what exports; `get_table_rows(report)` is what
    the page's table pages through (the same rows unless a report adds totals).
    """

    report_name = ""
    filterset_class = None
    filterset_queryset = None
    columns = ()
    paginate_by = 50
    export_format = None  # set while an export is being made

    def get_filter_data(self):
        """The filter values from the query string; subclasses add defaults."""
        data = self.request.GET.copy()
        for key in ("format", "page"):
            data.pop(key, None)
        return data

    def get_filterset(self):
        return self.filterset_class(
            self.get_filter_data(),
            queryset=self.filterset_queryset,
            centers=visible_centers(self.staff),
        )

    def get_filters(self, filterset):
        """Cleaned filters, with the center forced to their own for non-admins."""
        filters = dict(filterset.form.cleaned_data)
        if not self.staff.is_admin:
            filters["center"] = self.staff.center
        return filters

    def get_report(self, filters):
        raise NotImplementedError

    def get_rows(self, report):
        return report.rows

    def get_table_rows(self, report):
        return self.get_rows(report)

    def get_export_sheets(self, report):
        """Extra (title, columns, rows) sheets for the XLSX export."""
        return ()

    def get_breadcrumbs(self):
        return [(gettext("Reports"), reverse("reports:index")), (self.get_title(), None)]

    def get(self, request, *args, **kwargs):
        """Read the report from the replica when there is a current one (see core.db.replica).

        The permission check before this read the primary, so a stale replica never
        decides who may see a report; the page is rendered inside the block, since its
        rows are read while it renders.
        """
        with reading_from_replica():
            response = self.get_report_response(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        return response

    def get_report_response(self, request, *args, **kwargs):
        self.filterset = self.get_filterset()
        export_format = self.export_format = request.GET.get("format")
        if export_format is None:
            return super().get(request, *args, **kwargs)
        if export_format not in REPORT_FORMATS:
            return HttpResponseBadRequest(BAD_FORMAT_MESSAGE)
        if not self.filterset.is_valid():
            return HttpResponseBadRequest(BAD_FILTER_MESSAGE)
        return self.export(export_format)

    def export(self, export_format):
        filters = self.get_filters(self.filterset)
        report = self.get_report(filters)
        rows = self.get_rows(report)
        record_access(
            staff=self.staff,
            action=AccessLog.Action.EXPORT,
            target=self.report_name,
            export_format=export_format,
            params=self.describe_filters(filters),
            row_count=len(rows),
        )
        return export_response(
            export_format,
            self.columns,
            rows,
            filename=self.get_filename(filters),
            title=self.get_title(),
            extra_sheets=self.get_export_sheets(report),
        )

    def describe_filters(self, filters):
        """The filters as JSON for the access log (ids for objects, YYYY-MM for months)."""
        described = {}
        for key, value in filters.items():
            if value in (None, ""):
                continue
            if hasattr(value, "pk"):
                value = value.pk
            elif isinstance(value, datetime.date):
                value = f"{value:%Y-%m}"
            described[key] = value
        return described

    def get_filename(self, filters):
        parts = ["aidtracker", self.report_name]
        parts += [str(value) for value in self.describe_filters(filters).values()]
        parts.append(f"{timezone.now():%Y%m%d}")
        return "-".join(parts)

    def export_links(self):
        query = self.request.GET.copy()
        query.pop("page", None)
        links = []
        for export_format in REPORT_FORMATS:
            query["format"] = export_format.value
            links.append((export_format.label, f"?{query.urlencode()}"))
        return links

    def get_context_data(self, **kwargs):
        context = {
            "filter": self.filterset,
            "export_links": self.export_links(),
            "freshness": replica.freshness(),
        }
        if self.filterset.is_valid():
            report = self.get_report(self.get_filters(self.filterset))
            rows = self.get_table_rows(report)
            context.update(
                report=report,
                page_obj=Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page")),
            )
        return super().get_context_data(**context, **kwargs)


class ReportIndexView(ReportsPermissionMixin, PageMixin, TemplateView):
    """The list of reports."""

    title = _("Reports")
    template_name = "reports/index.html"


# People reached (reports.people) and its breakdown, after the columns the exports
# always had: HXL 1.1 #reached with +ind (people, where #reached+hh counts households),
# a sex attribute and an age one, and the precise range the HXL dictionary suggests
# adding to its loosely defined age groups.
PEOPLE_COLUMNS = (
    Column("people.total", _("People reached"), "#reached+ind+total"),
    *(
        Column(
            f"people.counts.{sex.key}_{age.key}",
            interpolate_lazy(
                pgettext_lazy("column: people of a sex and an age group", "%(sex)s, %(age)s"),
                {"sex": sex.label, "age": age.header_label},
            ),
            f"#reached+ind{sex.hxl}{age.hxl}",
        )
        for sex in SEX_GROUPS
        for age in ALL_AGE_GROUPS
    ),
    Column(
        "people.not_disaggregated",
        _("People not disaggregated"),
        "#reached+ind+not_disaggregated",
    ),
)
# Column headers several reports share.
MONTH = _("Month")
CENTER_ID = _("Center ID")
CENTER = _("Center")
CATEGORY = _("Category")
PACKAGE_ID = pgettext_lazy("aid package", "Package ID")
PACKAGE = pgettext_lazy("aid package", "Package")
TOTAL_DISTRIBUTIONS = _("Total distributions")
UNIQUE_HOUSEHOLDS = _("Unique households")
TOTAL_PACKAGES = _("Total packages")
TOTAL_VALUE = _("Total value")


class MonthlySummaryView(ReportView):
    """Month x center x category: distributions, unique households, packages, value and
    people reached (by sex and age group in the exports and the page's range table)."""

    report_name = "monthly"
    title = _("Monthly summary")
    template_name = "reports/monthly.html"
    filterset_class = MonthlySummaryFilter
    paginate_by = 60
    columns = (
        Column("month_label", MONTH, "#date"),
        Column("center_id", CENTER_ID, "#loc+code"),
        Column("center_name", CENTER, "#loc+name"),
        Column("category", CATEGORY, "#sector"),
        Column("distributions", TOTAL_DISTRIBUTIONS, "#output+distributions+num"),
        Column("households", UNIQUE_HOUSEHOLDS, "#reached+hh"),
        Column("packages", TOTAL_PACKAGES, "#output+packages+num"),
        Column("value", TOTAL_VALUE, "#value"),
        *PEOPLE_COLUMNS,
    )
    total_columns = (
        Column("month_label", MONTH, "#date"),
        Column("center_name", CENTER, "#loc+name"),
        Column("category_label", CATEGORY, "#sector"),
        Column("distributions", TOTAL_DISTRIBUTIONS, "#output+distributions+num"),
        Column("households", UNIQUE_HOUSEHOLDS, "#reached+hh"),
        Column("packages", TOTAL_PACKAGES, "#output+packages+num"),
        Column("value", TOTAL_VALUE, "#value"),
        *PEOPLE_COLUMNS,
    )

    def get_filter_data(self):
        data = super().get_filter_data()
        this_month = timezone.now().astimezone(datetime.UTC).date().replace(day=1)
        if not data.get("month_to"):
            data["month_to"] = f"{this_month:%Y-%m}"
        if not data.get("month_from"):
            data["month_from"] = f"{add_months(this_month, -11):%Y-%m}"
        return data

    def get_report(self, filters):
        return selectors.monthly_summary(
            month_from=filters["month_from"],
            month_to=filters["month_to"],
            center=filters.get("center"),
            category=filters.get("category") or None,
            with_people=self.export_format is not None,
            disaggregate_rows=self.export_format is not None,
        )

    def get_table_rows(self, report):
        return report.table()

    def get_export_sheets(self, report):
        totals = [report.month_totals[month] for month in sorted(report.month_totals)]
        return [(gettext("Totals"), self.total_columns, [*totals, report.overall])]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "report" in context:
            context["chart"] = context["report"].chart()
        return context


class MonthlyPeopleView(MonthlySummaryView):
    """The monthly summary's people reached by sex and age group, a fragment the page
    loads after it shows: it joins every household served in the range, which takes
    time in proportion to them, while the rest of the report reads small rollups."""

    template_name = "reports/_monthly_people.html"

    def get_report_response(self, request, *args, **kwargs):
        self.filterset = self.get_filterset()
        return TemplateView.get(self, request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = {"age_groups": ALL_AGE_GROUPS}
        if self.filterset.is_valid():
            filters = self.get_filters(self.filterset)
            context["people"] = selectors.monthly_people(
                month_from=filters["month_from"],
                month_to=filters["month_to"],
                center=filters.get("center"),
                category=filters.get("category") or None,
            )
            context.update(month_from=filters["month_from"], month_to=filters["month_to"])
        return TemplateView.get_context_data(self, **context, **kwargs)


# The leading columns of the reports made of one row per center and package.
CENTER_PACKAGE_COLUMNS = (
    Column("center_id", CENTER_ID, "#loc+code"),
    Column("center_name", CENTER, "#loc+name"),
    Column("package_id", PACKAGE_ID, "#item+code"),
    Column("package_name", PACKAGE, "#item+name"),
    Column("category", CATEGORY, "#sector"),
)


class CenterPackageReportView(ReportView):
    """A report with one row per center and package, narrowed by the filters."""

    def centers_and_packages(self, filters):
        """Return the centers (within the staff member's scope) and packages to report on."""
        centers = visible_centers(self.staff)
        if filters.get("center"):
            centers = centers.filter(pk=filters["center"].pk)
        packages = AidPackage.objects.all()
        if filters.get("package"):
            packages = packages.filter(pk=filters["package"].pk)
        if filters.get("category"):
            packages = packages.filter(category=filters["category"])
        return centers, packages


class StockStatusView(CenterPackageReportView):
    """Every center x package with stock, reorder level and status, worst first."""

    report_name = "stock"
    title = _("Stock status")
    template_name = "reports/stock.html"
    filterset_class = StockStatusFilter
    columns = (
        *CENTER_PACKAGE_COLUMNS,
        Column("quantity_on_hand", _("On hand"), "#item+stock+num"),
        Column("reorder_level", _("Reorder level"), "#item+reorder+num"),
        Column("stock_status", pgettext_lazy("stock", "Status"), "#status"),
        Column("stocked", _("Stocked here"), "#status+stocked"),
        Column("last_restock_date", _("Last restock"), "#date+restock"),
    )

    def get_report(self, filters):
        centers, packages = self.centers_and_packages(filters)
        return selectors.StockReport(
            selectors.stock_status(
                centers=centers, packages=packages, status=filters.get("status") or None
            )
        )


class CoverageView(CenterPackageReportView):
    """Per package, among all active households and each center's: eligible now,
    blocked now and back within 7 and 30 days, never received."""

    report_name = "coverage"
    title = _("Eligibility coverage")
    template_name = "reports/coverage.html"
    filterset_class = CoverageFilter
    columns = (
        *CENTER_PACKAGE_COLUMNS,
        Column("households", _("Active households"), "#population+hh"),
        Column("eligible_now", _("Eligible now"), "#targeted+hh+now"),
        Column("not_yet_eligible", _("Not yet eligible"), "#reached+hh+recent"),
        Column("eligible_7_days", _("Eligible again within 7 days"), "#targeted+hh+d7"),
        Column("eligible_30_days", _("Eligible again within 30 days"), "#targeted+hh+d30"),
        Column("never_received", _("Never received this package"), "#targeted+hh+never"),
    )

    def get_report(self, filters):
        centers, packages = self.centers_and_packages(filters)
        return selectors.coverage(centers=centers, packages=packages)


class OwedItemsView(CenterPackageReportView):
    """Per center and package: the open owed items created there, the first to lapse first.

    Counts only: how many households are owed, how many units are still owed, and
    when the first of them lapses; no household is named.
    """

    report_name = "owed"
    title = _("Owed items")
    template_name = "reports/owed.html"
    filterset_class = OwedItemsFilter
    columns = (
        *CENTER_PACKAGE_COLUMNS,
        Column("households", _("Households owed"), "#targeted+hh+owed"),
        Column("units", _("Units still owed"), "#item+owed+num"),
        Column("earliest_expiry", _("Earliest expiry"), "#date+expiry"),
    )

    def get_report(self, filters):
        centers, packages = self.centers_and_packages(filters)
        return selectors.owed_report(centers=centers, packages=packages)
