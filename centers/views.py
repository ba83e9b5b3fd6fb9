"""Center pages: the list of distribution centers and one center's profile."""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView

from core import hooks
from core.mixins import PageMixin, StaffRequiredMixin

from .models import DistributionCenter


class CenterListView(StaffRequiredMixin, PageMixin, ListView):
    title = _("Centers")
    model = DistributionCenter
    template_name = "centers/center_list.html"
    paginate_by = 50


class CenterDetailView(StaffRequiredMixin, PageMixin, DetailView):
    model = DistributionCenter
    template_name = "centers/center_detail.html"

    def get_title(self):
        return self.object.center_name

    def get_breadcrumbs(self):
        return [(gettext("Centers"), reverse("centers:list")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            panels=hooks.panels(hooks.CENTER_PANELS, self.request, self.object, self.staff),
            staff_count=self.object.staff.filter(status="active").count(),
            **kwargs,
        )
