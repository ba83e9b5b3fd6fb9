"""The Django admin site: entry for active managers and admins, guarded views.

Access comes from the staff member's role (core.admin); the password change counts
a wrong old password as a failed sign-in, like the portal's (centers.passwords).
"""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from centers.passwords import AdminLockoutPasswordChangeForm, LockoutPasswordChangeView
from core.admin import bad_date_drilldown, is_admin, is_manager


class AidTrackerAdminSite(admin.AdminSite):
    site_header = _("AidTracker administration")
    site_title = _("AidTracker admin")
    index_title = _("Centers, households, stock and the audit trail")

    def has_permission(self, request):
        return request.user.is_active and (is_admin(request) or is_manager(request))

    def admin_view(self, view, cacheable=False):
        """Every admin view, with out-of-range date drill-downs refused before Django's."""
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if request.method == "GET" and bad_date_drilldown(request.GET):
                return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def password_change(self, request, extra_context=None):
        """Django's, with a wrong old password counted as a failed sign-in (centers.passwords)."""
        defaults = {
            "form_class": AdminLockoutPasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return LockoutPasswordChangeView.as_view(**defaults)(request)
