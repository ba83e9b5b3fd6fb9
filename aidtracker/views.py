"""Portal-wide pages: the dashboard and the error pages."""

import datetime
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Count, Q
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.template import loader
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from centers.mixins import CenterScopedMixin
from core.db.retry import is_retryable
from core.mixins import PageMixin, StaffRequiredMixin
from distribution.models import DistributionLog
from inventory.lot_models import EXPIRY_WARNING_DAYS
from inventory.models import CurrentInventoryStatus
from inventory.selectors import center_in_transit, expiry_alerts, overdue_transfers

from .status import system_status


class DashboardView(CenterScopedMixin, PageMixin, TemplateView):
    """Today at one center: stock alerts (expired and expiring lots too), stock in
    transit, distributions and failures, latest log entries."""

    title = _("Dashboard")
    template_name = "aidtracker/dashboard.html"

    def get_breadcrumbs(self):
        return []

    def get_context_data(self, **kwargs):
        center = self.get_center()
        context = {"center": center, "center_form": self.center_form}
        if center is not None:
            start_of_day = (
                timezone.now()
                .astimezone(datetime.UTC)
                .replace(hour=0, minute=0, second=0, microsecond=0)
            )
            logs = DistributionLog.objects.filter(center=center)
            context.update(
                stock=CurrentInventoryStatus.objects.filter(center_id=center.pk).order_by(
                    "package_name"
                ),
                today=logs.filter(distribution_date__gte=start_of_day).aggregate(
                    successes=Count("pk", filter=Q(transaction_status="success")),
                    failures=Count("pk", filter=Q(transaction_status="failed")),
                    voids=Count("pk", filter=Q(transaction_status="cancelled")),
                ),
                latest=logs.select_related("household", "package")[:10],
                in_transit=center_in_transit(center),
                overdue_transfers=list(overdue_transfers(center)[:10]),
                overdue_days=settings.TRANSFER_OVERDUE_DAYS,
                expiry_alerts=expiry_alerts(center),
                expiry_warning_days=EXPIRY_WARNING_DAYS,
            )
        return super().get_context_data(**context, **kwargs)


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_language(request):
    """The language the request's pages are in: the one the middleware chose, else (the
    request refused before LocaleMiddleware ran) its cookie's or its browser's."""
    return getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)


def bad_request(request, exception=None):
    """Render the 400 page from nothing but the request id.

    Django's default 400 view runs the CSRF check, which reads the form again: a body
    Django had refused to read turned the 400 into a 500. No context processor runs
    either (no session, no user): the request may have been refused before they could.
    """
    context = {"request_id": getattr(request, "request_id", "")}
    with translation.override(page_language(request)):
        return HttpResponseBadRequest(loader.render_to_string("400.html", context))


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """Render the 500 page, or the 503 page when the database is unreachable.

    Django calls this while handling the exception, so sys.exc_info() tells which.
    """
    error = sys.exc_info()[1]
    with translation.override(page_language(request)):
        if isinstance(error, OperationalError | InterfaceError) and not is_retryable(error):
            response = render(request, "503.html", status=503)
            response["Retry-After"] = "30"
            return response
        return render(
            request, "500.html", {"request_id": getattr(request, "request_id", "")}, status=500
        )


class SystemStatusView(StaffRequiredMixin, PageMixin, TemplateView):
    """Admin-only health of the installation: database, locks, backups, stock invariant."""

    title = _("System status")
    template_name = "aidtracker/system_status.html"
    permission_denied_message = _("Only admins can see the system status.")

    def has_permission(self):
        return self.staff.is_admin

    def get_context_data(self, **kwargs):
        return super().get_context_data(status=system_status(), **kwargs)
