"""The stock movement report page and its exports (reads in reports.movements)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.mixins import visible_centers
from core.lazytext import interpolate_lazy
from inventory.models import StockMovement

from .exports import Column
from .filters import CenterScopedFilterSet, MonthFilter
from .movements import ADJUSTMENT_REASONS, stock_movements
from .views import CATEGORY, CENTER, CENTER_ID, MONTH, PACKAGE, PACKAGE_ID, ReportView


class StockMovementFilter(CenterScopedFilterSet):
    month = MonthFilter(field_name="created_at", label=_("Month"))

    class Meta:
        model = StockMovement
        fields = []


class StockMovementReportView(ReportView):
    """Per center and package, one UTC month: opening balance, every kind of movement in
    and out, and the closing balance they add up to."""

    report_name = "movements"
    title = _("Stock movements")
    template_name = "reports/movements.html"
    filterset_class = StockMovementFilter
    columns = (
        Column("month_label", MONTH, "#date"),
        Column("center_id", CENTER_ID, "#loc+code"),
        Column("center_name", CENTER, "#loc+name"),
        Column("package_id", PACKAGE_ID, "#item+code"),
        Column("package_name", PACKAGE, "#item+name"),
        Column("category", CATEGORY, "#sector"),
        Column("opening", _("Opening balance"), "#item+stock+opening+num"),
        Column("restocked", _("Received (restocks)"), "#item+received+num"),
        Column("transferred_in", _("Transferred in"), "#item+transfer+in+num"),
        Column("transferred_out", _("Transferred out"), "#item+transfer+out+num"),
        Column("returned", _("Returned (cancelled transfers)"), "#item+transfer+returned+num"),
        Column("distributed", _("Distributed"), "#output+packages+num"),
        Column("voided", _("Voided (returned to stock)"), "#output+packages+voided+num"),
        *(
            Column(
                f"adjusted.{reason.value}",
                interpolate_lazy(_("Adjusted: %(reason)s"), {"reason": reason.label}),
                f"#item+adj+{reason}",
            )
            for reason in ADJUSTMENT_REASONS
        ),
        Column("lost_in_transit", _("Lost in transit"), "#item+loss+transit+num"),
        Column("closing", _("Closing balance"), "#item+stock+closing+num"),
    )

    def get_filter_data(self):
        data = super().get_filter_data()
        if not data.get("month"):
            data["month"] = f"{timezone.now().astimezone(datetime.UTC):%Y-%m}"
        return data

    def get_report(self, filters):
        centers = visible_centers(self.staff)
        if filters.get("center"):
            centers = centers.filter(pk=filters["center"].pk)
        month = filters.get("month") or timezone.now().astimezone(datetime.UTC).date()
        return stock_movements(month=month, centers=centers)

    def get_context_data(self, **kwargs):
        return super().get_context_data(adjustment_reasons=ADJUSTMENT_REASONS, **kwargs)
