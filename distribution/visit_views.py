"""The household visit: scan a card, see the whole basket, submit it once, get the receipt."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView, View

from centers.models import DistributionCenter
from core.mixins import PageMixin, StaffRequiredMixin
from core.params import parse_id
from households.models import Household, HouseholdCard
from households.selectors import household_for_card

from . import tokens
from .basket import Basket, basket, spent_visit_id
from .forms import EXPIRED_FORM_MESSAGE
from .models import Visit
from .rules import refusal_message
from .services import FormAlreadySubmitted, serve_household
from .views import HouseholdLanguageMixin
from .visit_forms import ScanForm, VisitForm

NO_CENTER_MESSAGE = _("Choose the center you are serving at.")
ALREADY_SERVED_MESSAGE = _("This visit was already recorded; here is its receipt.")


class ServingStaffMixin(StaffRequiredMixin):
    """Every role serves visits at its own center; admins choose one (`?center=`)."""

    def has_permission(self):
        return self.staff.is_admin or self.staff.center_id is not None

    def serving_center(self):
        if not self.staff.is_admin:
            return self.staff.center
        chosen = parse_id(self.request.GET.get("center") or self.request.POST.get("center"))
        active = DistributionCenter.objects.filter(status=DistributionCenter.Status.ACTIVE)
        if chosen is not None:
            return active.filter(pk=chosen).first()
        return self.staff.center

    def center_query(self, center):
        return f"?center={center.pk}" if self.staff.is_admin and center else ""


class ScanCardView(ServingStaffMixin, View):
    """A scanned or typed card code opens that household's visit in one step."""

    http_method_names = ["get"]

    def get(self, request):
        form = ScanForm(request.GET)
        if not form.is_valid():
            messages.error(request, form.errors["code"][0])
            return redirect("distribution:new")
        try:
            household = household_for_card(form.cleaned_data["code"])
        except HouseholdCard.DoesNotExist as unknown:
            messages.error(request, str(unknown))
            return redirect("distribution:new")
        url = reverse("distribution:visit", kwargs={"household": household.pk})
        return redirect(url + self.center_query(self.serving_center()))


class VisitView(ServingStaffMixin, PageMixin, FormView):
    """Every package the center stocks, with what the household is due; one submission."""

    form_class = VisitForm
    template_name = "distribution/visit.html"

    @cached_property
    def household(self):  # read after the sign-in and permission checks
        return get_object_or_404(Household, pk=self.kwargs["household"])

    def get_title(self):
        return gettext("Visit: %(family)s") % {"family": self.household.family_name}

    def get_breadcrumbs(self):
        return [(gettext("Distribute"), reverse("distribution:new")), (self.get_title(), None)]

    def get(self, request, *args, **kwargs):
        self.center = self.serving_center()
        self.basket = basket(self.household, self.center) if self.center else Basket([], [])
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.center = self.serving_center()
        if self.center is None:
            raise Http404(NO_CENTER_MESSAGE)
        # The back button or a second tap: a spent form shows what it recorded, even though
        # the basket it was built from has changed since (its lines are served now).
        nonce = tokens.read_token(request.session, request.POST.get("token", ""))
        visit_id = spent_visit_id(nonce) if nonce else None
        if visit_id is not None:
            messages.info(request, ALREADY_SERVED_MESSAGE)
            return redirect("distribution:visit_receipt", pk=visit_id)
        self.basket = basket(self.household, self.center)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lines": self.basket.lines}

    def get_initial(self):
        return {"token": tokens.issue_token(self.request.session)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            household=self.household,
            inactive_refusal=refusal_message("household_inactive"),
            center=self.center,
            lines=self.basket.lines,
            owed_elsewhere=self.basket.owed_elsewhere,
            collectors=[
                self.household.primary_contact_name,
                *(alternate.full_name for alternate in self.household.alternate_collectors.all()),
            ],
            centers=DistributionCenter.objects.filter(status=DistributionCenter.Status.ACTIVE)
            if self.staff.is_admin
            else None,
            **kwargs,
        )

    def form_valid(self, form):
        nonce = tokens.read_token(self.request.session, form.cleaned_data["token"])
        if nonce is None:
            return self._rerender(form, EXPIRED_FORM_MESSAGE)
        try:
            visit = serve_household(
                household=self.household,
                center=self.center,
                staff=self.staff,
                lines=form.cleaned_data["lines"],
                collected_by=form.cleaned_data["collected_by"],
                form_token=nonce,
            )
        except FormAlreadySubmitted as submitted:
            if not submitted.same_form or submitted.log.visit_id is None:
                return self._rerender(form, EXPIRED_FORM_MESSAGE)
            messages.info(self.request, ALREADY_SERVED_MESSAGE)
            return redirect("distribution:visit_receipt", pk=submitted.log.visit_id)
        return redirect("distribution:visit_receipt", pk=visit.pk)

    def _rerender(self, form, error):
        form.add_error(None, error)
        data = form.data.copy()
        data["token"] = tokens.issue_token(self.request.session)
        form.data = data
        return self.render_to_response(self.get_context_data(form=form))


class VisitReceiptView(StaffRequiredMixin, HouseholdLanguageMixin, PageMixin, DetailView):
    """Every line of a visit and its outcome, who served it and when; printable."""

    template_name = "distribution/visit_receipt.html"
    context_object_name = "visit"

    def get_queryset(self):
        visits = Visit.objects.select_related("household", "center")
        return visits.restrict(self.staff)

    def get_title(self):
        return gettext("Visit receipt #%(number)s") % {"number": self.object.pk}

    def get_breadcrumbs(self):
        return [(gettext("Distribute"), reverse("distribution:new")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        logs = list(self.object.logs.select_related("package", "owed"))
        return super().get_context_data(
            # Who served it as named then: every line keeps the same staff member's name.
            served_by=logs[0].staff_name if logs else "",
            lines=[(log, getattr(log, "owed", None)) for log in logs],
            handed_out=sum(log.quantity_distributed for log in logs if log.failure_code is None),
            **kwargs,
        )
