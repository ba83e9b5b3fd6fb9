"""The demo world `seed_demo` builds: a distribution operation six months under way.

- data: what it looks like (cities, centers, staff, packages, names, how each stock
  row ends, the day's transfers and donations); data, so nothing is translated;
- people: centers, packages, logins and staff, households with members and cards, and
  possible duplicates, each found again on the next run;
- history: the months before today, back-dated in bulk through the load generator
  (devtools.loadgen), consistent with the stock and the report rollups;
- today: the day so far, through the portal's services: deliveries with lots, visits
  with owed units, transfers, a void, refusals;
- world: builds it all in one transaction; summary: what the command prints.
"""

from .world import DemoWorld, build_world

__all__ = ["DemoWorld", "build_world"]
