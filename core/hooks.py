"""Extension points: an app adds to another app's page without that app importing it.

Apps import one way (a lower app never imports a higher one). When a page of a
lower app should show something a higher app knows (the household page shows its
distributions), the higher app registers a function here from its AppConfig.ready()
and the page asks for whatever is registered.
"""

from collections import defaultdict
from dataclasses import dataclass, field

_registry = defaultdict(list)

# A household's profile page: functions (request, household, staff) -> Panel.
HOUSEHOLD_PANELS = "household_panels"
# A distribution center's page: functions (request, center, staff) -> Panel.
CENTER_PANELS = "center_panels"
# Anonymising a household: functions (household_id) that erase the personal data an
# app above households keeps about it (who collected a basket), in the same
# transaction. Each returns (what it erased, in a few words; how many rows).
HOUSEHOLD_ERASERS = "household_erasers"


@dataclass(frozen=True)
class Panel:
    """A block of a page: a template and its context."""

    template_name: str
    context: dict = field(default_factory=dict)


def register(name):
    """Decorator: add the function to the extension point `name` (once)."""

    def add(function):
        if function not in _registry[name]:
            _registry[name].append(function)
        return function

    return add


def registered(name):
    """The functions registered for `name`, in registration order."""
    return list(_registry[name])


def panels(name, *args):
    """Call every function registered for `name` with `args`; return their Panels."""
    return [function(*args) for function in registered(name)]
