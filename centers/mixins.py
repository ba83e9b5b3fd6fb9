"""View mixins that know about centers: which centers a staff member works with."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.mixins import StaffRequiredMixin

from .models import DistributionCenter


def visible_centers(staff):
    """Centers a staff member works with: all for admins, their own for everyone else."""
    return DistributionCenter.objects.restrict(staff)


class CenterChoiceForm(forms.Form):
    """Admins pick which center a page shows."""

    center = forms.ModelChoiceField(
        queryset=None, empty_label=None, required=False, label=_("Center")
    )

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers


class CenterScopedMixin(StaffRequiredMixin):
    """Resolve the center a page is about: `?center=` for admins, their own for others.

    `self.center_form` is the admins' picker, showing the center the page shows.
    """

    def get_center(self):
        centers = visible_centers(self.staff)
        picked = CenterChoiceForm(self.request.GET or None, centers=centers)
        center = None
        if self.staff.is_admin and picked.is_valid():
            center = picked.cleaned_data["center"]
        center = center or self.staff.center or centers.first()
        self.center_form = CenterChoiceForm(initial={"center": center}, centers=centers)
        return center
