"""Sessions: read as Django reads them, and an outage while saving shows 503, not 400."""

import datetime

import pytest
from django.contrib.sessions.backends import db as django_db_sessions
from django.contrib.sessions.backends.db import UpdateError
from django.contrib.sessions.models import Session
from django.db import DatabaseError, OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.sessions import SessionStore

PASSWORD = "correct-horse-battery"  # every factory-made user's


@pytest.fixture
def store(db):
    session = SessionStore()
    session["k"] = 1
    session.save(must_create=True)
    return session


def test_outage_while_saving_raises_the_database_error(store, monkeypatch):
    def lost(*args, **kwargs):
        raise OperationalError(2006, "MySQL server has gone away")

    monkeypatch.setattr(Session, "save", lost)
    store["k"] = 2
    with pytest.raises(OperationalError):
        store.save()


def test_other_save_failures_stay_update_errors(store, monkeypatch):
    def vanished(*args, **kwargs):
        raise DatabaseError("Forced update did not affect any rows.")

    monkeypatch.setattr(Session, "save", vanished)
    with pytest.raises(UpdateError):
        store.save()


@pytest.mark.django_db
def test_outage_page_is_503_when_session_save_fails(client, portal, monkeypatch):
    client.raise_request_exception = False

    def lost(*args, **kwargs):
        raise OperationalError(2003, "Can't connect to MySQL server")

    monkeypatch.setattr(Session, "save", lost)
    # Signing in saves the session (a distribution no longer does: its form token is
    # spent in the database with the audit row).
    response = client.post("/accounts/login/", {"username": "worker", "password": PASSWORD})
    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()


# --- the per-request read, against Django's own ---


def django_read(session_key):
    """What Django's database session store reads for `session_key`."""
    stock = django_db_sessions.SessionStore(session_key)
    return stock._get_session_from_db(), stock.session_key


def test_read_returns_what_djangos_read_returns(store):
    expected, _ = django_read(store.session_key)
    reader = SessionStore(store.session_key)

    with CaptureQueriesContext(connection) as queries:
        row = reader._get_session_from_db()
    assert len(queries) == 1

    assert type(row) is Session
    assert (row.session_key, row.session_data, row.expire_date) == (
        expected.session_key,
        expected.session_data,
        expected.expire_date,
    )
    assert timezone.is_aware(row.expire_date)
    assert reader.load() == {"k": 1}


def test_an_expired_session_is_not_read_and_its_key_is_forgotten(store):
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    reader = SessionStore(store.session_key)

    assert reader._get_session_from_db() is None
    assert reader.session_key is None
    assert django_read(store.session_key) == (None, None)
    assert SessionStore(store.session_key).load() == {}


def test_an_unknown_key_reads_as_an_empty_session(db):
    reader = SessionStore("x" * 32)

    assert reader.load() == {}
    assert reader.session_key is None
    assert django_read("x" * 32) == (None, None)
