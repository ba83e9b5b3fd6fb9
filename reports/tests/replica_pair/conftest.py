"""Skip these tests unless REPLICA_PAIR names a primary and its replica."""

import os

import pytest

from .pair import REPLICA_PAIR


def pytest_collection_modifyitems(config, items):
    if REPLICA_PAIR:
        return
    skip = pytest.mark.skip(reason="REPLICA_PAIR is not set: no primary and replica to run on")
    for item in items:
        if "reports/tests/replica_pair/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)
