"""Assertions shared by the apps' database tests."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, transaction


@contextmanager
def refused_by(constraint_name):
    """Expect the block to raise IntegrityError naming `constraint_name`."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    assert constraint_name in str(excinfo.value)
