"""What the distribution app adds to other apps' pages (see core.hooks)."""

from django.core.paginator import Paginator

from core import hooks

from .selectors import household_eligibility, household_history


@hooks.register(hooks.HOUSEHOLD_PANELS)
def eligibility_and_history(request, household, staff):
    """The household's eligibility per active package and its whole distribution history."""
    history = Paginator(household_history(household), 20).get_page(request.GET.get("page"))
    return hooks.Panel(
        "distribution/_household_panel.html",
        {
            "household": household,
            "eligibility": household_eligibility(household),
            "history": history,
        },
    )
