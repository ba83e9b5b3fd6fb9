"""What anonymising a household erases here: who collected its baskets (a name).

Registered with core.hooks (HOUSEHOLD_ERASERS) by the app's ready(); the households
app calls it in the anonymisation's transaction. The distribution log itself is
append-only and holds no name of the household's.
"""

from .models import Visit


def erase_collectors(household_id):
    """Blank the name of whoever collected the household's baskets; (what, rows)."""
    count = (
        Visit.objects.filter(household_id=household_id)
        .exclude(collected_by="")
        .update(collected_by="")
    )
    return "basket collectors", count
