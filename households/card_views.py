"""Card pages: one household's card, issuing (and reissuing) it, and A4 sheets of cards.

A card is read by its household: one household's card page is in the household's
language (core.i18n.household_language); a sheet of many households' cards is in the
language of whoever prints it.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, TemplateView, View

from audit.models import AccessLog
from audit.services import record_access
from centers import policies
from core.i18n import household_language
from core.mixins import PageMixin, StaffRequiredMixin

from .cards import SELECTIONS, qr_svg, selected_households, sheets
from .models import Household
from .selectors import current_card
from .services import CARD_NOT_ALLOWED_MESSAGE, issue_card, issue_missing_cards


class CardStaffMixin(StaffRequiredMixin):
    """Workers, managers and admins print and issue cards (they show names)."""

    permission_denied_message = CARD_NOT_ALLOWED_MESSAGE

    def has_permission(self):
        return policies.can_edit_households(self.staff)


class HouseholdCardView(CardStaffMixin, PageMixin, DetailView):
    """The household's card, ready to print at credit-card size, and the reissue button."""

    model = Household
    template_name = "households/card.html"

    def get(self, request, *args, **kwargs):
        """Render the page, card and all, in the household's language (rendered now,
        inside the override: a lazy response would render after it ended)."""
        self.object = self.get_object()
        language = household_language(self.object)
        with translation.override(language):
            response = render(request, self.template_name, self.get_context_data())
        response.headers["Content-Language"] = language
        return response

    def get_title(self):
        return gettext("Card of %(household)s") % {"household": self.object}

    def get_breadcrumbs(self):
        return [
            (_("Households"), reverse("households:list")),
            (str(self.object), self.object.get_absolute_url()),
            (_("Card"), None),
        ]

    def get_object(self, queryset=None):
        household = super().get_object(queryset)
        record_access(
            staff=self.staff,
            action=AccessLog.Action.VIEW_HOUSEHOLD,
            target="household card",
            object_id=household.pk,
        )
        return household

    def get_context_data(self, **kwargs):
        card = current_card(self.object)
        return super().get_context_data(card=card, qr=qr_svg(card.code) if card else None, **kwargs)


class IssueCardView(CardStaffMixin, View):
    """Issue a card; a household that has one gets a new one and the old one stops working."""

    http_method_names = ["post"]

    def post(self, request, pk):
        household = get_object_or_404(Household, pk=pk)
        previous = current_card(household)
        card = issue_card(household=household, staff=self.staff)
        if previous is None:
            messages.success(
                request, gettext("Card %(code)s issued.") % {"code": card.display_code}
            )
        else:
            messages.success(
                request,
                gettext("New card %(code)s issued; card %(old_code)s no longer works.")
                % {"code": card.display_code, "old_code": previous.display_code},
            )
        return redirect("households:card", pk=household.pk)


class CardSheetView(CardStaffMixin, PageMixin, TemplateView):
    """A4 sheets of 8 cards for a selection of households; POST issues the missing cards."""

    title = _("Print cards")
    template_name = "households/card_sheet.html"

    def get_breadcrumbs(self):
        return [(_("Households"), reverse("households:list")), (self.title, None)]

    def get_context_data(self, **kwargs):
        label, households = selected_households(self.request.GET)
        cards, missing = [], []
        for household in households:
            card = current_card(household)
            if card is None:
                missing.append(household)
            else:
                cards.append({"card": card, "household": household, "qr": qr_svg(card.code)})
        record_access(
            staff=self.staff,
            action=AccessLog.Action.VIEW_HOUSEHOLD,
            target="card sheet",
            params={
                "selection": _selection_key(self.request.GET),
                "households": len(households),
                "cards": len(cards),
            },
        )
        return super().get_context_data(
            selection=label,
            selected_ids=",".join(str(household.pk) for household in households),
            sheets=sheets(cards),
            missing=missing,
            selections=SELECTIONS,
            query=self.request.GET.urlencode(),
            **kwargs,
        )

    def post(self, request):
        label, households = selected_households(request.POST)
        issued = issue_missing_cards(households=households, staff=self.staff)
        messages.success(
            request,
            ngettext(
                "%(count)d card issued for the selection “%(selection)s”.",
                "%(count)d cards issued for the selection “%(selection)s”.",
                issued,
            )
            % {"count": issued, "selection": label},
        )
        # Back to the same selection, as the households it resolved to (never the raw
        # input echoed into a URL).
        if request.POST.get("registered") in SELECTIONS:
            query = urlencode({"registered": request.POST["registered"]})
        else:
            query = urlencode({"ids": ",".join(str(household.pk) for household in households)})
        return redirect(f"{reverse('households:card_sheet')}?{query}")


def _selection_key(params):
    """The selection as the access log records it, the same in every language."""
    registered = params.get("registered")
    return registered if registered in SELECTIONS else "ids"
