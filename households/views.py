"""Household pages: search, register, profile with eligibility and history, edit, status."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, ListView, UpdateView, View

from audit.models import AccessLog
from audit.services import record_access, record_households_shown
from centers import policies
from core import hooks
from core.mixins import PageMixin, StaffRequiredMixin

from . import history
from .duplicates import possible_duplicate_message, queue_duplicates_of
from .forms import HouseholdForm, HouseholdSearchForm, HouseholdStatusForm
from .models import Household
from .selectors import search_households
from .services import (
    EDIT_NOT_ALLOWED_MESSAGE,
    STATUS_NOT_ALLOWED_MESSAGE,
    save_household,
    set_household_status,
)


class HouseholdListView(StaffRequiredMixin, PageMixin, ListView):
    """Search households by name, phone (any spelling) or household number.

    Each page view is one access-log entry naming the households it listed.
    """

    title = _("Households")
    template_name = "households/household_list.html"
    paginate_by = 25

    def get_queryset(self):
        self.search_form = HouseholdSearchForm(self.request.GET or None)
        valid = self.search_form.is_valid()
        self.query = self.search_form.cleaned_data["q"] if valid else ""
        lacking = valid and self.search_form.cleaned_data["basis"] == self.search_form.MISSING_BASIS
        return search_households(self.query, lacking_basis=lacking).order_by("family_name", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(search_form=self.search_form, **kwargs)
        page = context["page_obj"]
        record_households_shown(
            staff=self.staff,
            target="household search" if self.query else "household list",
            household_ids=[household.pk for household in page],
            params={"page": page.number},
        )
        return context


class HouseholdFormMixin(StaffRequiredMixin, PageMixin):
    model = Household
    form_class = HouseholdForm
    template_name = "households/household_form.html"
    permission_denied_message = EDIT_NOT_ALLOWED_MESSAGE

    def has_permission(self):
        return policies.can_edit_households(self.staff)

    def form_valid(self, form):
        try:
            self.object = save_household(household=form.instance, staff=self.staff)
        except ValidationError as refused:  # e.g. the same phone registered a moment ago
            form.add_error(None, refused)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"household": self.object})
        return redirect(self.object.get_absolute_url())


class HouseholdCreateView(HouseholdFormMixin, CreateView):
    title = _("Register a household")
    success_message = _("%(household)s registered.")

    def form_valid(self, form):
        """Register, then queue any possible duplicates for a manager and say so."""
        response = super().form_valid(form)
        if self.object is not None:  # registered (a refusal shows the form again)
            matches = queue_duplicates_of(self.object)
            if matches:
                messages.warning(self.request, possible_duplicate_message(matches))
        return response

    def get_breadcrumbs(self):
        return [(_("Households"), reverse("households:list")), (self.title, None)]


class RecordsHouseholdViewMixin:
    """Record in the access log who opened a page showing a household's personal details."""

    access_target = "household"

    def get_object(self, queryset=None):
        household = super().get_object(queryset)
        record_access(
            staff=self.staff,
            action=AccessLog.Action.VIEW_HOUSEHOLD,
            target=self.access_target,
            object_id=household.pk,
        )
        return household


class HouseholdUpdateView(RecordsHouseholdViewMixin, HouseholdFormMixin, UpdateView):
    success_message = _("%(household)s updated.")
    access_target = "household edit"

    def get_title(self):
        return gettext("Edit %(household)s") % {"household": self.object}

    def get_breadcrumbs(self):
        return [
            (_("Households"), reverse("households:list")),
            (str(self.object), self.object.get_absolute_url()),
            (_("Edit"), None),
        ]


class HouseholdDetailView(RecordsHouseholdViewMixin, StaffRequiredMixin, PageMixin, DetailView):
    """Profile, eligibility per active package, the full distribution history, and (for
    managers and admins) the record's change history.

    Each view is recorded in the access log, which managers read in admin.
    """

    model = Household
    template_name = "households/household_detail.html"

    def get_title(self):
        return str(self.object)

    def get_breadcrumbs(self):
        return [(_("Households"), reverse("households:list")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        can_view_history = policies.can_view_household_history(self.staff)
        return super().get_context_data(
            history=history.entries_for(self.object, self.staff) if can_view_history else None,
            panels=hooks.panels(hooks.HOUSEHOLD_PANELS, self.request, self.object, self.staff),
            can_edit=policies.can_edit_households(self.staff),
            members=self.object.members.all(),
            alternates=self.object.alternate_collectors.all(),
            can_change_status=policies.can_change_household_status(self.staff),
            can_export_subject_data=policies.can_export_subject_data(self.staff),
            status_choices=Household.Status.choices,
            **kwargs,
        )


class HouseholdStatusView(StaffRequiredMixin, View):
    """Suspend, deactivate or reactivate a household (managers and admins)."""

    http_method_names = ["post"]
    permission_denied_message = STATUS_NOT_ALLOWED_MESSAGE

    def has_permission(self):
        return policies.can_change_household_status(self.staff)

    def post(self, request, pk):
        household = get_object_or_404(Household, pk=pk)
        form = HouseholdStatusForm(request.POST)
        if form.is_valid():
            try:
                set_household_status(
                    household=household, status=form.cleaned_data["status"], staff=self.staff
                )
            except ValidationError as refused:
                messages.error(request, " ".join(refused.messages))
            else:
                messages.success(
                    request,
                    gettext("%(household)s is now %(status)s.")
                    % {"household": household, "status": household.get_status_display()},
                )
        else:
            messages.error(request, gettext("Choose a valid status."))
        return redirect(household.get_absolute_url())
