"""The review queue of possible duplicate households: managers and admins decide."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, View

from audit.services import record_households_shown
from centers import policies
from core.db.retry import LockContention
from core.mixins import PageMixin, StaffRequiredMixin

from .models import PossibleDuplicate
from .selectors import review_queue, served_counts
from .services import REVIEW_NOT_ALLOWED_MESSAGE, confirm_duplicate, dismiss_duplicate


class ReviewerRequiredMixin(StaffRequiredMixin):
    permission_denied_message = REVIEW_NOT_ALLOWED_MESSAGE

    def has_permission(self):
        return policies.can_review_duplicates(self.staff)


class DuplicateQueueView(ReviewerRequiredMixin, PageMixin, ListView):
    """The open pairs, best first, each household's details side by side; each page view
    is one access-log entry naming the households it showed."""

    model = PossibleDuplicate
    title = _("Possible duplicates")
    template_name = "households/duplicates.html"
    paginate_by = 20

    def get_queryset(self):
        return review_queue()

    def get_breadcrumbs(self):
        return [(_("Households"), reverse("households:list")), (self.title, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pairs = list(context["page_obj"])
        served = served_counts(
            {pair.household_a_id for pair in pairs} | {pair.household_b_id for pair in pairs}
        )
        context["reviews"] = [Review(pair, served) for pair in pairs]
        record_households_shown(
            staff=self.staff,
            target="possible duplicates",
            household_ids=[
                pk for pair in pairs for pk in (pair.household_a_id, pair.household_b_id)
            ],
            params={"page": context["page_obj"].number},
        )
        return context


class Review:
    """One pair as the page shows it: older household first, and what confirming does."""

    def __init__(self, pair, served):
        self.pair = pair
        self.older, self.newer = sorted(
            (pair.household_a, pair.household_b), key=lambda h: (h.registration_date, h.pk)
        )
        self.older.served = served.get(self.older.pk, 0)
        self.newer.served = served.get(self.newer.pk, 0)
        self.evidence = pair.shown_evidence

    @property
    def linked(self):
        """True when either household is already a confirmed duplicate of a third one."""
        return self.older.duplicate_of_id is not None or self.newer.duplicate_of_id is not None


class DuplicateDecisionView(ReviewerRequiredMixin, View):
    """Confirm or dismiss one pair (POST); a decided or unknown pair is said, not a 500."""

    model = PossibleDuplicate
    http_method_names = ["post"]
    decision = None  # "confirm" or "dismiss"

    def post(self, request, pk):
        pair = get_object_or_404(PossibleDuplicate, pk=pk)
        try:
            if self.decision == "confirm":
                survivor = confirm_duplicate(pair=pair, staff=self.staff)
                messages.success(
                    request,
                    gettext(
                        "Confirmed: households #%(a)s and #%(b)s are one family, registered "
                        "as %(survivor)s. The newer registration is inactive and its past "
                        "distributions count for #%(number)s."
                    )
                    % {
                        "a": pair.household_a_id,
                        "b": pair.household_b_id,
                        "survivor": survivor,
                        "number": survivor.pk,
                    },
                )
            else:
                dismiss_duplicate(pair=pair, staff=self.staff)
                messages.success(
                    request,
                    gettext(
                        "Dismissed: households #%(a)s and #%(b)s are two families. This pair "
                        "will not be proposed again."
                    )
                    % {"a": pair.household_a_id, "b": pair.household_b_id},
                )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        except LockContention:
            messages.error(
                request, gettext("The households were busy; nothing was changed. Try again.")
            )
        return redirect("households:duplicates")
