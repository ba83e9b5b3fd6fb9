"""Member pages: add, change and remove a household's members; name alternate collectors."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, FormView, UpdateView, View

from centers import policies
from core.mixins import PageMixin, StaffRequiredMixin

from .forms import AlternateCollectorsForm, MemberForm
from .models import Household, HouseholdMember
from .services import (
    MEMBER_NOT_ALLOWED_MESSAGE,
    remove_member,
    save_member,
    set_alternate_collectors,
)


class MemberStaffMixin(StaffRequiredMixin, PageMixin):
    """Workers, managers and admins keep members, as they register households."""

    permission_denied_message = MEMBER_NOT_ALLOWED_MESSAGE

    def has_permission(self):
        return policies.can_edit_households(self.staff)

    def get_breadcrumbs(self):
        household = self.household
        return [
            (_("Households"), reverse("households:list")),
            (str(household), household.get_absolute_url()),
            (self.get_title(), None),
        ]


class MemberFormMixin(MemberStaffMixin):
    model = HouseholdMember
    form_class = MemberForm
    template_name = "households/member_form.html"

    def form_valid(self, form):
        form.instance.household = self.household
        try:
            save_member(member=form.instance, staff=self.staff)
        except ValidationError as refused:
            form.add_error(None, refused.messages)
            return self.form_invalid(form)
        count = self.household.members.count()
        messages.success(
            self.request,
            ngettext(
                "%(name)s saved; the household has %(count)d member.",
                "%(name)s saved; the household has %(count)d members.",
                count,
            )
            % {"name": form.instance.full_name, "count": count},
        )
        return redirect(self.household.get_absolute_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(household=self.household, **kwargs)


class MemberCreateView(MemberFormMixin, CreateView):
    title = _("Add a member")

    @cached_property
    def household(self):  # read after the sign-in and permission checks
        return get_object_or_404(Household, pk=self.kwargs["pk"])


class MemberUpdateView(MemberFormMixin, UpdateView):
    @cached_property
    def household(self):
        return self.get_object().household

    def get_title(self):
        return gettext("Edit %(name)s") % {"name": self.object.full_name}


class MemberDeleteView(MemberStaffMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        member = get_object_or_404(HouseholdMember.objects.select_related("household"), pk=pk)
        household = remove_member(member=member, staff=self.staff)
        messages.success(
            request,
            gettext("%(name)s removed from %(household)s.")
            % {"name": member.full_name, "household": household},
        )
        return redirect(household.get_absolute_url())


class AlternateCollectorsView(MemberStaffMixin, FormView):
    """Name up to two people allowed to collect the basket for the household."""

    title = _("Alternate collectors")
    form_class = AlternateCollectorsForm
    template_name = "households/alternates_form.html"

    @cached_property
    def household(self):
        return get_object_or_404(Household, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "household": self.household}

    def get_initial(self):
        names = [alternate.full_name for alternate in self.household.alternate_collectors.all()]
        return dict(zip(("first", "second"), names, strict=False))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            household=self.household, members=self.household.members.all(), **kwargs
        )

    def form_valid(self, form):
        try:
            set_alternate_collectors(
                household=self.household, collectors=form.collectors(), staff=self.staff
            )
        except ValidationError as refused:
            form.add_error(None, refused.messages)
            return self.form_invalid(form)
        messages.success(self.request, gettext("Alternate collectors saved."))
        return redirect(self.household.get_absolute_url())
