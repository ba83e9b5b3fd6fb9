"""Synthetic load data for benchmarks and demos: plan it, then bulk-load it.

The `generate_load_data` command used to hold all of this; it now only parses its
options, runs a BulkLoader and prints what it did. The code is split so that each
part can be read (and tested) on its own:

- data: what the synthetic data looks like (names, cities, the package catalog,
  visit and failure shapes) and small pure helpers;
- planning: Planner decides, from one seeded random generator, which households,
  distributions, failures and voids to create, and numbers the log rows;
- loader: BulkLoader writes them with bulk inserts in one transaction, with the
  rollup triggers suspended for that transaction, supplies the stock they take,
  and rebuilds the rollups.

The same seed gives the same data, whichever way it is run.
"""

from .loader import BulkLoader, LoadResult

__all__ = ["BulkLoader", "LoadResult"]
