"""The rules of a distribution, each defined once.

The service, the selectors, the reports, the load generator and the benchmarks take
these from here. The database objects that must exist as SQL text (the eligibility
and monthly views, `sp_distribute_package`, the rollup triggers) are versioned SQL
files; `distribution/tests/test_rules_drift.py` reads that text and fails when
it no longer says what is defined here.
"""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

# Units one distribution may hand out.
MAX_QUANTITY = 100

# Why an attempt was refused, checked in this order. The code is what programs read,
# the message what a person reads, and the audit row keeps both. The row keeps the
# message in English (FAILURE_MESSAGES, the text `sp_distribute_package` writes too):
# a stored refusal must not depend on the language of whoever recorded it, and the
# load tools and data exports read it as written. Pages translate from the code at
# display (`refusal_message`), so the English texts are marked, not translated, here.
_REFUSALS = {
    "invalid_quantity": gettext_noop("Quantity must be a whole number from 1 to %(max)s."),
    "household_inactive": gettext_noop("This household is not active and cannot receive aid."),
    "package_inactive": gettext_noop("This package is no longer being distributed."),
    "center_inactive": gettext_noop("This distribution center is not active."),
    "staff_not_allowed": gettext_noop(
        "You are not allowed to record distributions at this center."
    ),
    "not_eligible": gettext_noop(
        "This household already received this package within its validity period."
    ),
    "no_inventory": gettext_noop("This center does not stock this package."),
    "insufficient_stock": gettext_noop("Not enough stock at this center for this quantity."),
}
FAILURE_CODES = tuple(_REFUSALS)

# Lock contention outlasted the retries: nothing changed, try again.
BUSY_CODE = "busy"
_BUSY = gettext_noop("The system is busy; nothing was changed. Please try again.")


def _filled(text):
    """The message with its limit in it (only the quantity refusal has one)."""
    return text.replace("%(max)s", str(MAX_QUANTITY))


FAILURE_MESSAGES = {code: _filled(text) for code, text in _REFUSALS.items()}
BUSY_MESSAGE = _filled(_BUSY)


def refusal_message(code):
    """The refusal `code` (or busy) in the current language, for the person who reads it."""
    return _filled(gettext(_REFUSALS.get(code, _BUSY)))


SUCCESS = "success"


def is_valid_quantity(quantity):
    """A whole number (not a bool) from 1 to MAX_QUANTITY."""
    return (
        isinstance(quantity, int)
        and not isinstance(quantity, bool)
        and 1 <= quantity <= MAX_QUANTITY
    )


# --- Served: a successful distribution that no void cancels -------------------------
# It is what blocks a household, what stock and reports count, and what a void undoes.


def served(prefix=""):
    """Q for served log rows; `prefix` reaches the log from another model ("logs__")."""
    return Q(**{f"{prefix}transaction_status": SUCCESS, f"{prefix}void__isnull": True})


def served_sql(alias):
    """The same predicate in SQL, for the log row called `alias` (both vendors)."""
    return (
        f"{alias}.transaction_status = '{SUCCESS}' AND NOT EXISTS "
        f"(SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = {alias}.log_id)"
    )


# --- Eligibility: UTC calendar days ------------------------------------------------


def utc_today():
    return timezone.now().astimezone(datetime.UTC).date()


def eligibility_cutoff(validity_period_days, *, today=None):
    """Return the earliest moment a served distribution still blocks a new one.

    A household becomes eligible again on the UTC day that is `validity_period_days`
    calendar days after its last served distribution of the package: so a success
    blocks from midnight UTC of (today - (validity_period_days - 1) days).
    """
    today = today or utc_today()
    first_blocking_day = today - datetime.timedelta(days=validity_period_days - 1)
    return datetime.datetime.combine(first_blocking_day, datetime.time.min, tzinfo=datetime.UTC)


def next_eligible_day(last_served, validity_period_days):
    """The UTC day a household served at `last_served` may receive the package again."""
    last_day = last_served.astimezone(datetime.UTC).date()
    return last_day + datetime.timedelta(days=validity_period_days)


def owed_until(served_at, validity_period_days):
    """When units owed by a distribution at `served_at` lapse: its validity period's end."""
    day = next_eligible_day(served_at, validity_period_days)
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
