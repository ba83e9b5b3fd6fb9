"""View mixins that enforce the role matrix on every request, GET and POST alike."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class StaffRequiredMixin(LoginRequiredMixin):
    """Require a signed-in, active staff member; `self.staff` is theirs.

    Subclasses narrow access with `has_permission()`, which sees `self.staff`
    and can look at the object or center the request is about.
    """

    permission_denied_message = _("Your role does not allow this.")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.staff = getattr(request, "staff", None)
        if self.staff is None or not self.staff.is_active:
            raise PermissionDenied(gettext("Only active staff members can use the portal."))
        if not self.has_permission():
            raise PermissionDenied(self.permission_denied_message)
        return super().dispatch(request, *args, **kwargs)

    def has_permission(self):
        return True


class PageMixin:
    """Give a page its title and breadcrumbs: `title` plus `get_breadcrumbs()` pairs."""

    title = ""

    def get_title(self):
        return self.title

    def get_breadcrumbs(self):
        """Return (label, url) pairs after "Dashboard"; the last one has url None."""
        return [(self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("title", self.get_title())
        context.setdefault("breadcrumbs", self.get_breadcrumbs())
        return context
