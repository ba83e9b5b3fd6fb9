"""Distribution pages: record (with live checks), receipt, the audit log, and void."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView, TemplateView

from centers import policies
from centers.mixins import visible_centers
from centers.models import DistributionCenter
from core.i18n import household_language
from core.mixins import PageMixin, StaffRequiredMixin
from core.params import parse_id
from households.models import Household
from households.selectors import search_households
from inventory.models import AidPackage
from inventory.selectors import usable_by_package

from . import tokens
from .forms import (
    ALREADY_RECORDED_MESSAGE,
    EXPIRED_FORM_MESSAGE,
    DistributionForm,
    DistributionLogFilter,
    VoidForm,
)
from .models import DistributionLog
from .rules import refusal_message
from .selectors import household_eligibility
from .services import (
    VOID_MESSAGES,
    DistributionRefused,
    FormAlreadySubmitted,
    VoidRefused,
    distribute_package,
    void_distribution,
)


def _int_param(request, name):
    return parse_id(request.GET.get(name))


class DistributionCreateView(StaffRequiredMixin, PageMixin, FormView):
    """Record that a household received a package; refuse with the rule that stopped it."""

    title = _("Distribute a package")
    form_class = DistributionForm
    template_name = "distribution/distribution_form.html"

    def has_permission(self):
        return self.staff.is_admin or self.staff.center_id is not None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "staff": self.staff}

    def get_initial(self):
        initial = {"quantity": 1, "token": tokens.issue_token(self.request.session)}
        household_id = _int_param(self.request, "household")
        if household_id:
            initial["household"] = household_id
        return initial

    def get_context_data(self, **kwargs):
        form = kwargs.get("form") or self.get_form()
        # A submitted form has already read its household: show that one, not a second read.
        household = getattr(form, "cleaned_data", {}).get("household")
        if not isinstance(household, Household):
            household_id = parse_id(form["household"].value())
            household = None
            if household_id is not None:
                household = Household.objects.filter(pk=household_id).first()
        return super().get_context_data(selected_household=household, **kwargs)

    def form_valid(self, form):
        nonce = tokens.read_token(self.request.session, form.cleaned_data["token"])
        if nonce is None:
            return self._rerender(form, EXPIRED_FORM_MESSAGE)
        try:
            log = distribute_package(
                household=form.cleaned_data["household"],
                package=form.cleaned_data["package"],
                center=form.distribution_center(),
                staff=self.staff,
                quantity=form.cleaned_data["quantity"],
                form_token=nonce,
            )
        except DistributionRefused as refused:
            return self._rerender(form, refused.message)
        except FormAlreadySubmitted as submitted:
            return self._answer_again(form, submitted)
        messages.success(self.request, gettext("Recorded: log #%(number)s.") % {"number": log.pk})
        return redirect("distribution:receipt", pk=log.pk)

    def _answer_again(self, form, submitted):
        """A copy of a form that was already sent: show what the first copy recorded."""
        if not submitted.same_form:  # its token, sent again with other details
            return self._rerender(form, EXPIRED_FORM_MESSAGE)
        if submitted.log.transaction_status == DistributionLog.Status.SUCCESS:
            messages.info(self.request, ALREADY_RECORDED_MESSAGE)
            return redirect("distribution:receipt", pk=submitted.log.pk)
        return self._rerender(form, submitted.log.refusal)

    def _rerender(self, form, error):
        """Show the form again, as submitted, with the error and a fresh token."""
        form.add_error(None, error)
        data = form.data.copy()
        data["token"] = tokens.issue_token(self.request.session)
        form.data = data
        return self.render_to_response(self.get_context_data(form=form))


class HouseholdLanguageMixin:
    """A page the household reads (a receipt): rendered in its language.

    The household's recorded language when there is one, else the staff member's
    (core.i18n.household_language). The page is rendered inside the override, with
    render() rather than a TemplateResponse, which would render after the view has
    returned and so in the staff member's language.
    """

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        language = household_language(self.object.household)
        with translation.override(language):
            context = self.get_context_data(object=self.object)
            response = render(request, self.get_template_names(), context)
        response.headers["Content-Language"] = language
        return response


RECEIPT_FIELDS = (
    "household_id",
    "package_id",
    "center_id",
    "staff_id",
    "quantity_distributed",
    "distribution_date",
    "transaction_status",
    "failure_reason",
    "failure_code",
    "package__package_name",
    "center__center_name",
    "staff_name",
)


class DistributionReceiptView(StaffRequiredMixin, HouseholdLanguageMixin, PageMixin, DetailView):
    """The receipt of a recorded distribution, with its log number."""

    template_name = "distribution/receipt.html"
    context_object_name = "log"

    def get_queryset(self):
        # Only what the receipt shows: the page follows every recorded distribution. The
        # household is read whole: its name, and the language its receipt is printed in.
        logs = DistributionLog.objects.select_related("household", "package", "center").only(
            *RECEIPT_FIELDS
        )
        return logs.restrict(self.staff)

    def get_title(self):
        return gettext("Receipt #%(number)s") % {"number": self.object.pk}

    def get_breadcrumbs(self):
        return [
            (gettext("Distribution log"), reverse("distribution:log")),
            (self.get_title(), None),
        ]


class DistributionLogView(StaffRequiredMixin, PageMixin, TemplateView):
    """The audit log, filtered and paginated; managers void from here."""

    title = _("Distribution log")
    template_name = "distribution/log_list.html"

    def get_context_data(self, **kwargs):
        logs = DistributionLog.objects.select_related(
            "household", "package", "center"
        ).prefetch_related("void")
        centers = visible_centers(self.staff)
        logs = logs.restrict(self.staff)
        log_filter = DistributionLogFilter(self.request.GET or None, queryset=logs, centers=centers)
        page = Paginator(log_filter.qs, 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            filter=log_filter,
            page_obj=page,
            can_void_here={c.pk for c in centers if policies.can_manage_center(self.staff, c)},
            **kwargs,
        )


class VoidDistributionView(StaffRequiredMixin, PageMixin, FormView):
    """Confirm and record a void: the stock goes back and the household is eligible again."""

    form_class = VoidForm
    template_name = "distribution/void_form.html"
    permission_denied_message = VOID_MESSAGES["staff_not_allowed"]

    def has_permission(self):
        self.log = get_object_or_404(
            DistributionLog.objects.select_related("household", "package", "center"),
            pk=self.kwargs["pk"],
        )
        return policies.can_manage_center(self.staff, self.log.center)

    def get_title(self):
        return gettext("Void distribution #%(number)s") % {"number": self.log.pk}

    def get_breadcrumbs(self):
        return [
            (gettext("Distribution log"), reverse("distribution:log")),
            (self.get_title(), None),
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(log=self.log, **kwargs)

    def form_valid(self, form):
        try:
            void = void_distribution(
                log=self.log, staff=self.staff, reason=form.cleaned_data["reason"]
            )
        except VoidRefused as refused:
            form.add_error(None, refused.message)
            return self.form_invalid(form)
        units = self.log.quantity_distributed
        message = ngettext(
            "Distribution #%(number)s voided (log #%(void)s); %(units)s unit returned to stock.",
            "Distribution #%(number)s voided (log #%(void)s); %(units)s units returned to stock.",
            units,
        )
        messages.success(
            self.request, message % {"number": self.log.pk, "void": void.pk, "units": units}
        )
        return redirect(f"{reverse('distribution:log')}?household={self.log.household_id}")


class HouseholdPickerView(StaffRequiredMixin, TemplateView):
    """htmx: the household block of the distribution form (search results or the choice)."""

    template_name = "distribution/_household_picker.html"

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("household_query", "")[:100]
        chosen_id = _int_param(self.request, "household")
        chosen = Household.objects.filter(pk=chosen_id).first() if chosen_id else None
        results = search_households(query).order_by("family_name", "id")[:8] if query else []
        return super().get_context_data(
            selected_household=chosen, results=results, query=query, **kwargs
        )


class DistributionCheckView(StaffRequiredMixin, TemplateView):
    """htmx: before submitting, is the household eligible and how much does the center hold?"""

    template_name = "distribution/_check.html"

    def get_context_data(self, **kwargs):
        household_id = _int_param(self.request, "household")
        package_id = _int_param(self.request, "package")
        center_id = _int_param(self.request, "center") if self.staff.is_admin else None
        center = (
            DistributionCenter.objects.filter(pk=center_id).first()
            if center_id
            else self.staff.center
        )
        household = Household.objects.filter(pk=household_id).first() if household_id else None
        package = AidPackage.objects.filter(pk=package_id, is_active=True).first()
        eligibility = None
        if household and package:
            eligibility = household_eligibility(household, [package])[0]
        on_hand = None
        if center and package:  # what can be handed out: expired units are not
            on_hand = usable_by_package(center, packages=[package]).get(package.pk)
        return super().get_context_data(
            household=household,
            package=package,
            center=center,
            eligibility=eligibility,
            on_hand=on_hand,
            inactive_refusal=refusal_message("household_inactive"),
            **kwargs,
        )
